import type { DataSourceOptions } from 'typeorm';
import { AUTH_ENTITIES } from '@amparo/auth';
import { DEFAULT_DB_POOL_SIZE } from '@amparo/config';
import { GUARDED_PG } from '@amparo/database';
import { MIGRATIONS } from '../../../migrations';

/** Every entity of every feature. The app, the CLI and the tests build their DataSource from these options. */
export const ENTITIES = [...AUTH_ENTITIES];

/** How long a statement may run on the server (its own limit, `statement_timeout`). */
export const STATEMENT_TIMEOUT_MS = 30_000;
/**
 * How long this process waits for any answer to a statement: a little longer than the server's own limit, which a
 * server that stopped answering (frozen, or a host gone without a reset) never enforces. The connection is then
 * abandoned (GUARDED_PG), the statement fails as the database unreachable (503), and a job's pass ends instead of
 * holding its timer for the two hours a TCP keepalive takes by default.
 */
export const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 10_000;

/**
 * Migrations run without the requests' timeouts: a data migration over a large table (a county re-reading of every
 * open case placed by hand) can take longer than a request may, and cancelled, it would fail the same way on every
 * start, with no setting to get past it.
 */
export const MIGRATION_TIMEOUTS = { statementMs: 0, queryMs: 0 };

export function dataSourceOptions(
  url: string,
  poolSize = DEFAULT_DB_POOL_SIZE,
  timeouts: { statementMs: number; queryMs: number } = { statementMs: STATEMENT_TIMEOUT_MS, queryMs: QUERY_TIMEOUT_MS },
): DataSourceOptions {
  return {
    type: 'postgres',
    // Every pooled client listens for 'error' from its creation (see GUARDED_PG).
    driver: GUARDED_PG,
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    applicationName: 'amparo',
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 5000,
      // A hung server or a stuck transaction must not hold pool connections (or the scheduler) forever: the server ends
      // a statement or an idle transaction that runs too long; this process gives up on a server that does not answer
      // at all; and an idle connection is probed after 10 seconds (a host that vanished is found out in minutes, by the
      // system's probe count and interval), not after the system's two hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      statement_timeout: timeouts.statementMs,
      query_timeout: timeouts.queryMs,
      // No limit is said so to the server (the driver sends none for 0): a default set on the role or database would
      // otherwise apply.
      ...(timeouts.statementMs === 0 ? { options: '-c statement_timeout=0' } : {}),
      idle_in_transaction_session_timeout: 60_000,
    },
  };
}
