import { Logger } from '@nestjs/common';

/**
 * When the purge-interval jobs (retention purge, sign-in housekeeping) first run after a start: an API restarted more
 * often than PURGE_INTERVAL_SECONDS (daily deploys, up to a day's interval) would otherwise never purge.
 */
export const FIRST_PURGE_AFTER_SECONDS = 60;

/**
 * Runs `task` every `seconds` in the background, one run at a time, logging failures instead of crashing (the first
 * time after `firstAfterSeconds`, when that is sooner). The timer does not keep the process alive. Returns a function
 * that stops it: it aborts the signal given to the task (a task that loops over a backlog ends after the item in hand)
 * and resolves once the run in progress has ended, or after `maxWaitMs` at most. Call it from
 * `beforeApplicationShutdown`, which comes before the database pool closes, so that a run is not cut off between its
 * work and its bookkeeping (an email sent but not marked sent would go out again from another instance).
 */
export function every(
  seconds: number,
  task: (stopping: AbortSignal) => Promise<unknown>,
  logger: Logger,
  what: string,
  options: { maxWaitMs?: number; firstAfterSeconds?: number } = {},
): () => Promise<void> {
  const { maxWaitMs = 5000, firstAfterSeconds } = options;
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  // The first pass that ends well is logged, once: which instances run the jobs, and that they do. A task resolving
  // `false` says its pass did not go well, though it did not throw.
  let told = false;
  const run = () => {
    if (running || stopping.signal.aborted) return;
    running = task(stopping.signal)
      .then(
        (result) => {
          // `false`: a pass whose parts failed and logged their own errors (it went on with the others) is not one done.
          if (result === false || told) return;
          logger.log(`${what}: first pass done (then every ${seconds} s)`);
          told = true;
        },
        (error: unknown) => logger.error({ err: error }, `${what} failed`),
      )
      .finally(() => (running = null));
  };
  const timer = setInterval(run, seconds * 1000);
  timer.unref();
  // A long interval's first run sooner: a process restarted more often than its interval would otherwise never run it.
  const first = firstAfterSeconds !== undefined && firstAfterSeconds < seconds ? setTimeout(run, firstAfterSeconds * 1000) : undefined;
  first?.unref();
  return async () => {
    clearInterval(timer);
    clearTimeout(first);
    stopping.abort();
    if (!running) return;
    // Not for ever: an email on its way to a mail server that does not answer may take its timeouts (2 minutes and more),
    // and the platform kills a process that takes too long to stop. Its result is then not written: at least once.
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timeout = setTimeout(() => resolve('late'), maxWaitMs)));
    if ((await Promise.race([running, late])) === 'late') logger.warn(`${what}: stopping without waiting any longer for the pass in hand`);
    clearTimeout(timeout);
  };
}
