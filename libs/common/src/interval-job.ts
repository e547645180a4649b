import { Logger } from '@nestjs/common';

/**
 * Runs `task` every `seconds` in the background, one run at a time, logging failures instead of crashing. The timer
 * does not keep the process alive. Returns a function that stops it: it aborts the signal given to the task (a task
 * that loops over a backlog ends after the item in hand) and resolves once the run in progress has ended, or after
 * `maxWaitMs` at most. Call it
 * from `beforeApplicationShutdown`, which comes before the database pool closes, so that a run is not cut off between
 * its work and its bookkeeping (an email sent but not marked sent would go out again from another instance).
 */
export function every(seconds: number, task: (stopping: AbortSignal) => Promise<unknown>, logger: Logger, what: string, maxWaitMs = 5000): () => Promise<void> {
  const stopping = new AbortController();
  let running: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (running) return;
    running = task(stopping.signal)
      .then(() => undefined, (error: unknown) => logger.error({ err: error }, `${what} failed`))
      .finally(() => (running = null));
  }, seconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    stopping.abort();
    if (!running) return;
    // Not for ever: an email on its way to a mail server that does not answer may take its timeouts (20 s and more),
    // and the platform kills a process that takes too long to stop. Its result is then not written: at least once.
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timeout = setTimeout(() => resolve('late'), maxWaitMs)));
    if ((await Promise.race([running, late])) === 'late') logger.warn(`${what}: stopping without waiting any longer for the pass in hand`);
    clearTimeout(timeout);
  };
}
