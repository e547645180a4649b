/** PostgreSQL SQLSTATE codes the application reacts to. */
export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
export const PG_SERIALIZATION_FAILURE = '40001';

export function pgErrorCode(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (pgErrorCode(error) !== PG_UNIQUE_VIOLATION) return false;
  if (!constraint) return true;
  const candidate = error as { constraint?: string; driverError?: { constraint?: string } };
  return (candidate.driverError?.constraint ?? candidate.constraint) === constraint;
}

export const PG_DEADLOCK_DETECTED = '40P01';

/**
 * A transaction PostgreSQL aborted because of another one running at the same time (deadlock victim, serialization
 * failure): nothing of it was kept, and running it again normally succeeds.
 */
export function isTransientConflict(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === PG_DEADLOCK_DETECTED || code === PG_SERIALIZATION_FAILURE;
}

/** A statement cancelled for taking too long (`statement_timeout`, an operator's cancel) or a lock not had in time. */
const PG_QUERY_CANCELED = '57014';
const PG_LOCK_NOT_AVAILABLE = '55P03';

/** The database too busy to finish the statement in time: nothing of the transaction was kept, and it may be retried. */
export function isDatabaseBusy(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === PG_QUERY_CANCELED || code === PG_LOCK_NOT_AVAILABLE;
}
