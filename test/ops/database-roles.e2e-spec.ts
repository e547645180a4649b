import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ensureRuntimeRole, grantRuntimePrivileges, runMigrations, withCredentials } from '@amparo/database';
import { dataSourceOptions } from '../../apps/api/src/data-source';
import { REPO_ROOT, getJson, startApi, stopAllApis } from '../support/api-process';
import { ADMIN, TEST_ENV } from '../support/test-app';

const CLI_JS = join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');

/**
 * The API logs in as a role of its own that cannot alter the schema or rewrite the audit trail; the schema's owner
 * (DATABASE_OWNER_URL) migrates and grants. As docker-compose.yml deploys it: `cli migrate` with both URLs, then the
 * API with DATABASE_URL alone.
 */
describe('database roles: the API runs as a role of its own (process e2e)', () => {
  const server = process.env.AMPARO_TEST_SERVER_URL!;
  const suffix = randomBytes(3).toString('hex');
  const role = `${process.env.AMPARO_TEST_PREFIX}_roles_${suffix}`;
  const password = randomBytes(12).toString('base64url');
  const databases: string[] = [];
  let admin: Client;

  const env = (extra: Record<string, string>) => ({ ...TEST_ENV, LOG_LEVEL: 'warn', JOBS_ENABLED: 'false', ...extra });
  /** An empty database: every migration pending. Returns its owner's (the test server's superuser) URL. */
  const freshDatabase = async () => {
    const name = `${process.env.AMPARO_TEST_PREFIX}_roles_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    databases.push(name);
    return `${server}/${name}`;
  };
  const signIn = (url: string) =>
    fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN), signal: AbortSignal.timeout(10_000) });
  const appUrl = (ownerUrl: string) => withCredentials(ownerUrl, role, password);
  const query = async (url: string, sql: string) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    admin = new Client({ connectionString: `${server}/postgres` });
    await admin.connect();
  });
  afterAll(async () => {
    await stopAllApis();
    for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin.end();
  }, 30_000);

  it('DATABASE_OWNER_URL migrates a fresh database and creates the role of DATABASE_URL; the API serves as that role, which cannot touch the trail', async () => {
    const ownerUrl = await freshDatabase();
    const api = await startApi(env({ DATABASE_URL: appUrl(ownerUrl), DATABASE_OWNER_URL: ownerUrl }), { timeoutMs: 45_000 });
    expect(api.output()).not.toMatch(/could disable the audit trail/);
    expect((await signIn(api.url)).status).toBe(200);
    // The API's own connections log in as the application role, an ordinary one.
    const sessions = await query(ownerUrl, `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'amparo'`);
    expect(sessions).toEqual([{ usename: role }]);
    const [attributes] = await query(ownerUrl, `SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = '${role}'`);
    expect(attributes).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
    // Granted what it needs, refused the trail's UPDATE, DELETE and TRUNCATE.
    const [privileges] = await query(
      appUrl(ownerUrl),
      `SELECT has_table_privilege('audit_events', 'INSERT') AS append,
              has_table_privilege('audit_events', 'UPDATE') OR has_table_privilege('audit_events', 'DELETE')
                OR has_table_privilege('audit_events', 'TRUNCATE') AS rewrite,
              has_table_privilege('cases', 'UPDATE') AS cases,
              has_schema_privilege('public', 'CREATE') AS create`,
    );
    expect(privileges).toEqual({ append: true, rewrite: false, cases: true, create: false });
    await api.stop();
  }, 90_000);

  it('without DATABASE_OWNER_URL, a role that may not migrate fails to start with what to do, and no password', async () => {
    const ownerUrl = await freshDatabase();
    // The role may or may not exist yet (the first test creates it): either way it owns nothing here.
    const failed = await startApi(env({ DATABASE_URL: appUrl(ownerUrl) }), { timeoutMs: 30_000 }).then(
      (unexpected) => {
        unexpected.kill('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/API exited before it was healthy \(code 1,/);
    expect(failed).toMatch(/DATABASE_OWNER_URL/);
    expect(failed).not.toContain(password);
  }, 60_000);

  it('as deployed by docker-compose.yml: `cli migrate` with both URLs, then the API with DATABASE_URL alone, and no warning', async () => {
    const ownerUrl = await freshDatabase();
    const { stdout } = await promisify(execFile)(process.execPath, [CLI_JS, 'migrate'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env({ DATABASE_URL: appUrl(ownerUrl), DATABASE_OWNER_URL: ownerUrl }) },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, applied: expect.arrayContaining(['Platform1764000000000']) });
    // Migrating started no application: the first admin is the API's to create (and its password the API's to print).
    expect(await query(ownerUrl, `SELECT count(*)::int AS n FROM users`)).toEqual([{ n: 0 }]);
    const api = await startApi(env({ DATABASE_URL: appUrl(ownerUrl) }), { timeoutMs: 45_000 });
    expect((await getJson(`${api.url}/health`)).status).toBe(200);
    expect((await signIn(api.url)).status).toBe(200);
    expect(api.output()).not.toMatch(/could disable the audit trail/);
    await api.stop();
  }, 90_000);

  it('DATABASE_URL alone as the schema owner still works, with a warning that names the fix', async () => {
    const ownerUrl = await freshDatabase();
    const api = await startApi(env({ DATABASE_URL: ownerUrl }), { timeoutMs: 45_000 });
    expect((await getJson(`${api.url}/health`)).status).toBe(200);
    expect(api.output()).toMatch(/could disable the audit trail's append-only trigger: give the API a role of its own and the owner to DATABASE_OWNER_URL/);
    await api.stop();
  }, 90_000);

  it('processes starting together (an API and a CLI command) set up the role and the grants without tripping over each other', async () => {
    const ownerUrl = await freshDatabase();
    await runMigrations(dataSourceOptions(ownerUrl));
    const racer = `${role}_race`;
    try {
      const url = withCredentials(ownerUrl, racer, password);
      // Each round: all of them see no role (or a stale password) and create it (or alter it), then grant at once.
      for (let round = 0; round < 3; round++) {
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            await ensureRuntimeRole(ownerUrl, url, { syncPassword: true });
            await grantRuntimePrivileges(ownerUrl, racer);
          }),
        );
        expect(await query(url, `SELECT current_user AS me`)).toEqual([{ me: racer }]);
        await admin.query(`ALTER ROLE "${racer}" PASSWORD 'stale-password-1'`);
      }
    } finally {
      await admin.query(`DROP OWNED BY "${racer}" CASCADE`).catch(() => undefined);
      for (const name of databases) await query(`${server}/${name}`, `DROP OWNED BY "${racer}"`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS "${racer}"`);
    }
  }, 60_000);

  it('a role that may create roles is refused: it could grant itself the owner\'s', async () => {
    const ownerUrl = await freshDatabase();
    await runMigrations(dataSourceOptions(ownerUrl));
    const strong = `${role}_strong`;
    await admin.query(`CREATE ROLE "${strong}" LOGIN CREATEROLE PASSWORD 'not-used-for-login-1'`);
    try {
      await expect(grantRuntimePrivileges(ownerUrl, strong)).rejects.toThrow(/superuser or may create roles/);
    } finally {
      await admin.query(`DROP ROLE IF EXISTS "${strong}"`);
    }
  }, 60_000);
});
