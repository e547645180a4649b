import type { DataSourceOptions } from 'typeorm';
import { AUTH_ENTITIES } from '@amparo/auth';
import { DEFAULT_DB_POOL_SIZE } from '@amparo/config';
import { GUARDED_PG } from '@amparo/database';
import { MIGRATIONS } from '../../../migrations';

/** Every entity of every feature. The app, the CLI and the tests build their DataSource from these options. */
export const ENTITIES = [...AUTH_ENTITIES];

export function dataSourceOptions(url: string, poolSize = DEFAULT_DB_POOL_SIZE): DataSourceOptions {
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
      // A hung server or a stuck transaction must not hold pool connections (or the scheduler) forever.
      keepAlive: true,
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
    },
  };
}
