import { QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { connectionCutRecently } from './guarded-pg';

/**
 * Whether an error means the database cannot be reached right now (as opposed to a statement that failed): the server
 * is down, restarting or refusing connections, a connection broke, or no pool connection came free in time. Such a
 * request is answered 503 with Retry-After, which clients (and an intake retried with its Idempotency-Key) can act
 * on, instead of a 500 that says nothing.
 *
 * Looks at the error, TypeORM's `driverError` and `cause`, for: socket errors; SQLSTATE class 08 (connection
 * exception) and 57P01-57P03 (admin or crash shutdown, cannot connect now); node-postgres's own messages for a
 * terminated connection, a pool checkout or connect timeout, and a statement the server never answered (`query_timeout`); and TypeORM's QueryRunner(Provider)AlreadyReleasedError,
 * what a transaction's next statement (or its COMMIT) meets once its connection was cut (pg_terminate_backend, a restart
 * or failover) and TypeORM released it: only when a pooled connection was cut in the last minute (connectionCutRecently),
 * since a transaction used after it ended raises the same error, a bug to be seen as a 500.
 */

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SHUTDOWN_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const DRIVER_MESSAGES =
  /^(timeout expired|timeout exceeded when trying to connect|Connection terminated unexpectedly|Connection terminated due to connection timeout|Client has encountered a connection error and is not queryable|Query read timeout)$/;

export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof QueryRunnerAlreadyReleasedError || error instanceof QueryRunnerProviderAlreadyReleasedError) return connectionCutRecently();
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const { code, message, driverError, cause } = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || SHUTDOWN_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.test(message)) return true;
    current = driverError ?? cause;
  }
  return false;
}
