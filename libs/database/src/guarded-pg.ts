import { Logger } from '@nestjs/common';
import * as pg from 'pg';

const logger = new Logger('Database');

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
        logger.warn({ code: error.code, error: error.message }, 'A database connection was cut');
      });
    });
  }
}

/** The `driver` of every DataSource built from dataSourceOptions. */
export const GUARDED_PG = { ...pg, Pool: GuardedPool };
