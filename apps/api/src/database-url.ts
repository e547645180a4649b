import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DB_POOL_SIZE, type AppConfig } from '@amparo/config';
import {
  ensureDatabase,
  ensureRuntimeRole,
  grantRuntimePrivileges,
  isInsufficientPrivilege,
  runMigrations,
  startEmbeddedPostgres,
  StartupError,
  urlCredentials,
  withCredentials,
} from '@amparo/database';
import { MIGRATION_TIMEOUTS, dataSourceOptions } from './data-source';

/** The embedded server's role for the running application; `amparo`, the superuser, owns the schema. */
export const EMBEDDED_APP_ROLE = 'amparo_app';

/** The embedded PostgreSQL's own chatter: kept out of the log unless `EMBEDDED_PG_LOG=true` asks for it. */
export function embeddedPgLog(message: string): void {
  if (process.env.EMBEDDED_PG_LOG === 'true') process.stderr.write(`${message}\n`);
}

export interface ResolvedDatabase {
  /** The running application's connection. */
  url: string;
  /** The schema owner's connection, which migrates and grants; null when DATABASE_URL's role does both. */
  ownerUrl: string | null;
  embedded: boolean;
  /** The embedded server is another living process's (a running API's): its process id. */
  keptBy?: number;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL (and DATABASE_OWNER_URL) when set; otherwise the embedded PostgreSQL under the data directory, started
 * on demand, where the application logs in as `amparo_app` and the superuser only migrates. With `shareRunning` (the
 * CLI), an embedded server already running is the API's: used, and left running.
 */
export async function resolveDatabase(
  config: AppConfig,
  log: (message: string) => void,
  options: { shareRunning?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, ownerUrl: config.databaseOwnerUrl, embedded: false, stop: async () => undefined };
  const dir = join(config.dataDir, 'pg');
  const server = await startEmbeddedPostgres({ dir, port: config.embeddedPgPort, log, shareRunning: options.shareRunning });
  await ensureDatabase(server.serverUrl, 'amparo');
  const ownerUrl = `${server.serverUrl}/amparo`;
  const url = withCredentials(ownerUrl, EMBEDDED_APP_ROLE, appPassword(dir));
  await ensureRuntimeRole(ownerUrl, url, { syncPassword: true });
  return { url, ownerUrl, embedded: true, ...(server.keptBy !== undefined ? { keptBy: server.keptBy } : {}), stop: server.stop };
}

/**
 * The embedded application role's password, generated once beside the superuser's (0600). Written to a file of its
 * own and linked into place, so that the API and a CLI command starting together never read a half-written one.
 */
function appPassword(dir: string): string {
  const file = join(dir, 'app-password');
  if (!existsSync(file)) {
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, randomBytes(18).toString('base64url'), { mode: 0o600 });
    try {
      linkSync(temporary, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temporary);
    }
  }
  const password = readFileSync(file, 'utf8').trim();
  if (!password) throw new StartupError(`${file} is empty: delete it, and the next start writes a new one`);
  return password;
}

/**
 * Applies pending migrations, as the owner when there is one, then grants the application's role its privileges
 * (again after every migration, so new tables are covered). Returns the migrations applied.
 */
export async function prepareSchema(database: ResolvedDatabase): Promise<string[]> {
  if (!database.ownerUrl) {
    try {
      return await runMigrations(dataSourceOptions(database.url, DEFAULT_DB_POOL_SIZE, MIGRATION_TIMEOUTS));
    } catch (error) {
      if (!isInsufficientPrivilege(error)) throw error;
      throw new StartupError(
        `migrations are pending and DATABASE_URL's role may not apply them (${(error as Error).message}): ` +
          'run them as the schema owner (`node dist/apps/api/src/cli.js migrate`, or `npm run cli -- migrate`, with ' +
          'DATABASE_OWNER_URL set to the owner; under Docker Compose, `docker compose up migrate`), then start the API again',
      );
    }
  }
  if (!database.embedded) {
    try {
      await ensureRuntimeRole(database.ownerUrl, database.url);
    } catch (error) {
      if (!isInsufficientPrivilege(error)) throw error;
      const { role } = urlCredentials(database.url);
      throw new StartupError(`the role "${role}" of DATABASE_URL does not exist and DATABASE_OWNER_URL's role may not create it: create it (LOGIN, no other attributes)`);
    }
  }
  const applied = await runMigrations(dataSourceOptions(database.ownerUrl, DEFAULT_DB_POOL_SIZE, MIGRATION_TIMEOUTS));
  await grantRuntimePrivileges(database.ownerUrl, urlCredentials(database.url).role);
  return applied;
}
