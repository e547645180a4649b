import type { DataSourceOptions } from 'typeorm';
import { AUTH_ENTITIES } from '@amparo/auth';
import { MIGRATIONS } from '../../../migrations';

/** Every entity of every feature. The app, the CLI and the tests build their DataSource from these options. */
export const ENTITIES = [...AUTH_ENTITIES];

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    applicationName: 'amparo',
    extra: { max: Number(process.env.DB_POOL_SIZE ?? 20), connectionTimeoutMillis: 5000 },
  };
}
