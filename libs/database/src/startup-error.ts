/**
 * A start (of the API or a CLI command) that cannot go on, for a reason its message explains in full, what to do
 * included: printed without a stack trace. Never carries a password or a URL with one.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
