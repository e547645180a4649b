import { Logger } from '@nestjs/common';

/**
 * Runs `task` every `seconds` in the background, one run at a time, logging failures instead of crashing. The timer
 * does not keep the process alive. Returns a function that stops it.
 */
export function every(seconds: number, task: () => Promise<unknown>, logger: Logger, what: string): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error: unknown) => logger.error({ err: error }, `${what} failed`))
      .finally(() => (running = false));
  }, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
