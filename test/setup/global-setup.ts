import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  assertTestDatabase,
  ensureRuntimeRole,
  grantRuntimePrivileges,
  isInsufficientPrivilege,
  runMigrations,
  startEmbeddedPostgres,
  withCredentials,
} from '@amparo/database';
import { DEFAULT_287G_FILE, DEFAULT_FACILITIES_FILE, ReferenceService } from '@amparo/reference';
import { dataSourceOptions } from '../../apps/api/src/data-source';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/**
 * One PostgreSQL per run: DATABASE_URL's server when set (its database name must contain "test"), otherwise an
 * embedded one in a git-ignored per-run directory. A migrated template database is made once; every test file
 * clones it (CREATE DATABASE ... TEMPLATE) so files are isolated and can run in parallel. The test apps log in as
 * an application role of the run's own, with the grants the API gives its role in production (the clones copy them),
 * so the suite proves the application works without owning the schema.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  let serverUrl: string;
  let prefix: string;
  if (process.env.DATABASE_URL) {
    assertTestDatabase(process.env.DATABASE_URL);
    const url = new URL(process.env.DATABASE_URL);
    prefix = url.pathname.slice(1);
    url.pathname = '';
    serverUrl = url.toString().replace(/\/$/, '');
  } else {
    const dir = join(__dirname, '..', '..', '.test-pg', runId);
    const server = await startEmbeddedPostgres({ dir, port: await freePort() });
    (globalThis as { __AMPARO_PG__?: unknown }).__AMPARO_PG__ = { stop: server.stop, dir };
    serverUrl = server.serverUrl;
    prefix = 'amparo_test';
  }
  const template = `${prefix}_${runId}_tpl`.toLowerCase();
  const admin = new DataSource({ type: 'postgres', url: `${serverUrl}/postgres` });
  await admin.initialize();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.destroy();
  await runMigrations(dataSourceOptions(`${serverUrl}/${template}`));
  // The shipped reference data, loaded once into the template rather than by every test app.
  const ds = new DataSource(dataSourceOptions(`${serverUrl}/${template}`));
  await ds.initialize();
  await new ReferenceService(ds).importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
  await ds.destroy();
  await createAppRole(`${serverUrl}/${template}`, `${prefix}_${runId}_app`.toLowerCase());
  process.env.AMPARO_TEST_SERVER_URL = serverUrl;
  process.env.AMPARO_TEST_TEMPLATE = template;
  process.env.AMPARO_TEST_PREFIX = `${prefix}_${runId}`.toLowerCase();
}

/**
 * The run's application role. A server whose test role may not create roles (DATABASE_URL without CREATEROLE) runs
 * the apps as the owner instead, with a warning: the tests of the role's limits are then skipped.
 */
async function createAppRole(templateUrl: string, role: string): Promise<void> {
  const password = randomBytes(18).toString('base64url');
  try {
    await ensureRuntimeRole(templateUrl, withCredentials(templateUrl, role, password), { syncPassword: true });
  } catch (error) {
    if (!isInsufficientPrivilege(error)) throw error;
    process.stderr.write(`\nDATABASE_URL's role may not create roles: the tests run the app as the schema owner (${(error as Error).message})\n`);
    return;
  }
  await grantRuntimePrivileges(templateUrl, role);
  process.env.AMPARO_TEST_APP_ROLE = role;
  process.env.AMPARO_TEST_APP_PASSWORD = password;
}
