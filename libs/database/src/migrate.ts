import { DataSource, DataSourceOptions } from 'typeorm';
import { StartupError } from './startup-error';

const MIGRATION_LOCK = 0x616d7062;
const MIN_SERVER_VERSION = 150000;

/** Runs pending migrations under an advisory lock, so several instances starting at once migrate once. */
export async function runMigrations(options: DataSourceOptions): Promise<string[]> {
  const ds = new DataSource({ ...options, migrationsRun: false } as DataSourceOptions);
  await ds.initialize();
  try {
    const [{ server_version_num }] = await ds.query('SHOW server_version_num');
    if (Number(server_version_num) < MIN_SERVER_VERSION) {
      throw new StartupError(`PostgreSQL 15 or newer is required (DATABASE_URL points at version ${server_version_num})`);
    }
    await ds.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await ds.destroy();
  }
}

/** Creates the database named in the URL when it does not exist yet (embedded and first-run convenience). */
export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`Unsafe database name "${name}"`);
  const ds = new DataSource({ type: 'postgres', url: `${serverUrl}/postgres` });
  await ds.initialize();
  try {
    const rows = await ds.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length === 0) await ds.query(`CREATE DATABASE "${name}"`);
  } finally {
    await ds.destroy();
  }
}
