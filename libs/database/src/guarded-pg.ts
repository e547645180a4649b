import { Logger } from '@nestjs/common';
import * as pg from 'pg';

const logger = new Logger('Database');

/** When this process last saw a pooled connection cut (see connectionCutRecently). */
let lastCutAt = Number.NEGATIVE_INFINITY;

export function noteConnectionCut(at = Date.now()): void {
  lastCutAt = at;
}

/**
 * Whether a pooled connection was cut in the last minute: what tells a query runner released under a transaction (the
 * connection gone) from code using a transaction after it ended (a bug, to be a 500 with its stack).
 */
export function connectionCutRecently(now = Date.now(), withinMs = 60_000): boolean {
  return now - lastCutAt <= withinMs;
}

/**
 * node-postgres for TypeORM, its pool's clients never without an 'error' listener. A client handed out by the pool
 * listens to nothing until TypeORM attaches its own listener (a promise later), and TypeORM removes that listener when
 * it gives the client back: a connection the server cut in between (a restart, a failover, pg_terminate_backend) made
 * the client emit 'error' with no listener, an uncaught exception that ended the API. Each client now listens from its
 * creation; whoever holds it still sees its queries fail and gives it back, and the pool discards it.
 */
class GuardedPool extends pg.Pool {
  constructor(options?: pg.PoolConfig) {
    super(options);
    this.on('connect', (client) => {
      client.on('error', (error: Error & { code?: string }) => {
        noteConnectionCut();
        logger.warn({ code: error.code, error: error.message }, 'A database connection was cut');
      });
    });
  }
}

/** The `driver` of every DataSource built from dataSourceOptions. */
export const GUARDED_PG = { ...pg, Pool: GuardedPool };
