import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { MAIN_JS, PostgresProcess, REPO_ROOT, apiEnv, freePort, isAlive, startApi, startPostgres, waitFor } from '../support/api-process';
import request from 'supertest';
import { ADMIN } from '../support/test-app';
import { minimalBody } from '../support/cases';
import { createUser, loginAdmin } from '../support/users';

const CLI_JS = join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');

/**
 * Without DATABASE_URL the API and the CLI share the embedded PostgreSQL under the data directory. A command run while
 * the API serves must use that server and leave it running (it used to take it for a crashed run's and stop it).
 */
describe('CLI beside a running API on the embedded PostgreSQL (process e2e)', () => {
  const dataDir = join(REPO_ROOT, '.test-pg', `cli-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  let pg: PostgresProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    pg = await startPostgres(join(dataDir, 'pg'), port); // the API's server, as `npm start` runs it
  }, 90_000);
  afterAll(async () => {
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const expectServerUp = async () => {
    const client = new Client({ connectionString: `${pg.serverUrl}/postgres` });
    await client.connect();
    try {
      expect((await client.query('SELECT 1 AS up')).rows).toEqual([{ up: 1 }]);
    } finally {
      await client.end();
    }
  };

  const cli = async (...args: string[]) => {
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    const { stdout } = await promisify(execFile)(process.execPath, [CLI_JS, ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) },
      timeout: 60_000,
    });
    return JSON.parse(stdout);
  };

  it('refuses an option or argument a command does not take, before it runs; help goes to stdout', async () => {
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [CLI_JS, ...args], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, timeout: 60_000,
    });
    for (const [args, said] of [
      [['purge', '--dry-run'], /purge does not take "--dry-run" \(it takes no options\)/],
      [['import-reference', '--agreements-only=/tmp/new287g.csv'], /import-reference does not take "--agreements-only=\/tmp\/new287g.csv" \(its options: /],
      [['keys:status', 'extra'], /keys:status takes no argument besides its options, got 1/],
      [['users:reset-password', 'a@example.org', 'b@example.org'], /users:reset-password takes 1 argument besides its options, got 2/],
      [['users:reset-password'], /users:reset-password takes 1 argument besides its options, got 0/],
      [['import-reference', 'a.csv', 'b.csv', 'c.csv'], /import-reference takes at most two files/],
      [['import-reference', '--agreements-only'], /import-reference --agreements-only takes one file/],
      [['import-reference', '--agreements-only', 'facilities.csv', '287g.csv'], /import-reference --agreements-only takes one file/],
      [['import-reference', '--agreements-only', '--accept-unlisting', '287g.csv'], /--accept-unlisting does not apply/],
    ] as const) {
      await expect(run(...args)).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(said) });
    }
    for (const help of ['help', '--help', '-h']) expect((await run(help)).stdout).toMatch(/^Usage: npm run cli -- <command>/);
  }, 90_000);

  it('keys:status answers and the server is still up afterwards', async () => {
    expect(await cli('keys:status')).toBeDefined();
    await expectServerUp();
  }, 90_000);

  it('a command on an empty database leaves the first admin to the API: none made, no password printed; the first API start makes it', async () => {
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    const { ADMIN_PASSWORD: _generated, ...withoutPassword } = env;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI_JS, 'keys:status'], {
      cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...withoutPassword, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, timeout: 60_000,
    });
    expect(`${stdout}${stderr}`).not.toMatch(/First admin|Generated password/);
    const client = new Client({ connectionString: `${pg.serverUrl}/amparo` });
    await client.connect();
    try {
      const organizations = async () => (await client.query('SELECT count(*)::int AS n FROM organizations')).rows[0].n;
      expect(await organizations()).toBe(0);
      const api = await startApi({ ...env, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, { timeoutMs: 60_000 });
      try {
        await loginAdmin(request(api.url));
      } finally {
        await api.stop();
      }
      expect(await organizations()).toBe(1);
    } finally {
      await client.end();
    }
    await expectServerUp();
  }, 120_000);

  it('on the embedded server the app logs in as amparo_app, an ordinary role that cannot rewrite the trail, with a 0600 password file', async () => {
    await cli('keys:status');
    const password = readFileSync(join(dataDir, 'pg', 'app-password'), 'utf8').trim();
    expect(statSync(join(dataDir, 'pg', 'app-password')).mode & 0o777).toBe(0o600);
    const client = new Client({ connectionString: `postgres://amparo_app:${encodeURIComponent(password)}@127.0.0.1:${port}/amparo` });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb,
                has_table_privilege('audit_events', 'UPDATE') OR has_table_privilege('audit_events', 'DELETE')
                  OR has_table_privilege('audit_events', 'TRUNCATE') AS rewrite,
                has_table_privilege('audit_events', 'INSERT') AS append
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      expect(rows).toEqual([{ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rewrite: false, append: true }]);
    } finally {
      await client.end();
    }
  }, 90_000);

  it('users:reset-password gives the admin a new password, printed once, and ends their sessions', async () => {
    const client = new Client({ connectionString: `${pg.serverUrl}/amparo` });
    await client.connect();
    try {
      const hashOf = async () => (await client.query(`SELECT password_hash FROM users WHERE lower(email) = lower($1)`, [ADMIN.email])).rows[0].password_hash;
      const before = await hashOf();
      const { rows: [session] } = await client.query(
        `INSERT INTO auth_sessions (user_id, expires_at) SELECT id, now() + interval '1 day' FROM users WHERE lower(email) = lower($1) RETURNING id`,
        [ADMIN.email],
      );
      const reset = await cli('users:reset-password', ADMIN.email.toUpperCase());
      expect(reset).toMatchObject({ email: ADMIN.email, password: expect.stringMatching(/^[A-Za-z0-9_-]{24}$/) });
      expect(await hashOf()).not.toBe(before);
      const { rows: [ended] } = await client.query(`SELECT revoked_reason FROM auth_sessions WHERE id = $1`, [session.id]);
      expect(ended.revoked_reason).toBe('password reset by the operator');
      const { rows: audited } = await client.query(`SELECT actor_role, details FROM audit_events WHERE action = 'user.password_reset'`);
      expect(audited).toEqual([{ actor_role: 'system', details: expect.objectContaining({ by: 'operator (CLI)' }) }]);
      await expect(cli('users:reset-password', 'nobody@test.amparo.example')).rejects.toThrow(/no user has the email/);
      // A reset the trail cannot record is not made: the password and the sessions stay (it ended every access and
      // printed nothing).
      const kept = await hashOf();
      const { rows: [live] } = await client.query(
        `INSERT INTO auth_sessions (user_id, expires_at) SELECT id, now() + interval '1 day' FROM users WHERE lower(email) = lower($1) RETURNING id`,
        [ADMIN.email],
      );
      await client.query(`CREATE FUNCTION test_refuse_reset() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.action = 'user.password_reset' THEN RAISE EXCEPTION 'test: the trail refuses'; END IF; RETURN NEW; END $$`);
      await client.query(`CREATE TRIGGER test_refuse_reset BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION test_refuse_reset()`);
      try {
        await expect(cli('users:reset-password', ADMIN.email)).rejects.toThrow();
      } finally {
        await client.query(`DROP TRIGGER test_refuse_reset ON audit_events; DROP FUNCTION test_refuse_reset()`);
      }
      expect(await hashOf()).toBe(kept);
      const { rows: [still] } = await client.query(`SELECT revoked_reason FROM auth_sessions WHERE id = $1`, [live.id]);
      expect(still.revoked_reason).toBeNull();
    } finally {
      await client.end();
    }
  }, 120_000);

  it('keys:reindex and keys:forget, to be run with the API stopped, are refused while it runs on the embedded server, naming its process', async () => {
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    for (const command of ['keys:reindex', 'keys:forget']) {
      const run = promisify(execFile)(process.execPath, [CLI_JS, command], {
        cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, timeout: 60_000,
      });
      // A process of this test started the server and keeps it, as `npm start` would.
      await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(new RegExp(`^${command} refused: the API \\(process \\d+\\) is running on this data directory's database\\. Stop it first`)) });
    }
    // What may run beside it still does.
    expect(await cli('keys:status')).toBeDefined();
    await expectServerUp();
  }, 90_000);

  it('import-reference --agreements-only loads a 287(g) file alone, and takes exactly one file', async () => {
    const report = await cli('import-reference', '--agreements-only', join('data', 'ice-287g-agreements.csv'));
    expect(report).toMatchObject({ unlisted: 0, rezonedCases: 0, errorCount: 0 });
    expect(report.agreements).toBeGreaterThan(500);
    expect(report.facilities).toBeGreaterThan(1000);
    // Which rows had a value set aside, not only how many.
    expect(report.warningRows.length).toBe(Math.min(report.warnings, 50));
    if (report.warnings > 0) expect(report.warningRows[0]).toMatchObject({ file: expect.stringMatching(/^(facilities|agreements)$/), line: expect.any(Number), message: expect.any(String) });
    await expect(cli('import-reference', '--agreements-only')).rejects.toMatchObject({ stderr: expect.stringContaining('takes one file') });
  }, 90_000);

  it('import-reference with a facilities file alone keeps the 287(g) agreements imported since the shipped ones', async () => {
    const newer = join(dataDir, '287g-newer.csv');
    const shipped = readFileSync(join(REPO_ROOT, 'data', 'ice-287g-agreements.csv'), 'utf8').trimEnd();
    writeFileSync(newer, `${shipped}\nTEXAS,Travis County Sheriff's Office,County,Travis County,Jail Enforcement Model,participating,1/5/26\n`);
    const withNewer = await cli('import-reference', '--agreements-only', newer);
    const report = await cli('import-reference', join('data', 'ice-detention-facilities.csv'));
    expect(report).toMatchObject({ agreements: withNewer.agreements, jail287g: withNewer.jail287g, errorCount: 0 });
    // No file at all: the shipped snapshot, both files (one agreement fewer).
    expect((await cli('import-reference')).agreements).toBe(withNewer.agreements - 1);
    await expect(cli('import-reference', 'a.csv', 'b.csv', 'c.csv')).rejects.toMatchObject({ stderr: expect.stringContaining('at most two files') });
  }, 120_000);

  it('a second API on the same data directory (npm start twice) uses the running server on its port, and leaves it running when it fails', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', () => done()));
    const httpPort = (taken.address() as { port: number }).port;
    try {
      const { DATABASE_URL: _none, ...env } = apiEnv('');
      // One process, and the cluster (whose workers report the port taken as a bind error).
      for (const workers of ['1', '2']) {
        const run = promisify(execFile)(process.execPath, [MAIN_JS], {
          cwd: REPO_ROOT,
          // Another EMBEDDED_PG_PORT than the running server's: the server's own port is used.
          env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(httpPort), LOG_LEVEL: 'warn', API_WORKERS: workers },
          timeout: 60_000,
        });
        const failed = await run.then(() => null, (error: { code: number; stderr: string }) => error);
        expect([workers, failed?.code]).toEqual([workers, 1]);
        expect(failed?.stderr).toContain(`port ${httpPort} is in use (is Amparo already running?)`);
        expect(failed?.stderr).not.toMatch(/\n\s+at /); // no stack trace
      }
    } finally {
      await new Promise((done) => taken.close(done));
    }
    await expectServerUp();
  }, 120_000);

  it('a first start on a port in use fails before it sets anything up: no database made, no admin, no one-time password printed for nothing', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', () => done()));
    const httpPort = (taken.address() as { port: number }).port;
    const newDir = join(REPO_ROOT, '.test-pg', `first-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    try {
      // As the README's first command on a machine where something already has the port: the admin's password generated.
      const { DATABASE_URL: _none, ADMIN_PASSWORD: _generated, ...env } = apiEnv('');
      const failed = await promisify(execFile)(process.execPath, [MAIN_JS], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: newDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(httpPort), LOG_LEVEL: 'warn' },
        timeout: 60_000,
      }).then(() => null, (error: { code: number; stdout: string; stderr: string }) => error);
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toContain(`port ${httpPort} is in use (is Amparo already running?)`);
      expect(failed?.stderr).not.toMatch(/\n\s+at /);
      // The password is shown once, at the start that creates the admin: that is the next one, on a free port.
      expect(failed?.stdout).not.toContain('Generated password');
      expect(() => statSync(join(newDir, 'pg'))).toThrow(/ENOENT/);
    } finally {
      await new Promise((done) => taken.close(done));
      rmSync(newDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('an embedded PostgreSQL port another server holds: the start fails naming the port and what to do, not "undefined"', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', () => done()));
    const pgPort = (taken.address() as { port: number }).port;
    const otherDir = join(REPO_ROOT, '.test-pg', `busy-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    try {
      const { DATABASE_URL: _none, ...env } = apiEnv('');
      const failed = await promisify(execFile)(process.execPath, [MAIN_JS], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: otherDir, EMBEDDED_PG_PORT: String(pgPort), PORT: String(await freePort()), LOG_LEVEL: 'warn' },
        timeout: 60_000,
      }).then(() => null, (error: { code: number; stderr: string }) => error);
      expect(failed?.code).toBe(1);
      expect(failed?.stderr).toMatch(new RegExp(`did not start on port ${pgPort} .*EMBEDDED_PG_PORT.*EMBEDDED_PG_LOG=true`));
      expect(failed?.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await new Promise((done) => taken.close(done));
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('a data directory that cannot be made (under a file): the start fails naming AMPARO_DATA_DIR, without a stack trace', async () => {
    const file = join(REPO_ROOT, '.test-pg', `a-file-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    writeFileSync(file, '');
    try {
      // The keys given (as in production without DATABASE_URL), and not: the embedded server's directory, and the keys'.
      const { DATABASE_URL: _none, ...env } = apiEnv('');
      const { AMPARO_KEYS: _k, AMPARO_INDEX_KEY: _i, AMPARO_JWT_SECRET: _j, AMPARO_AUDIT_KEYS: _a, ...keyless } = env;
      for (const [given, said] of [[env, /the embedded PostgreSQL cannot keep its data in .*ENOTDIR.*: set AMPARO_DATA_DIR/], [keyless, /Configuration error: AMPARO_DATA_DIR cannot hold the development keys \(ENOTDIR/]] as const) {
        const failed = await promisify(execFile)(process.execPath, [MAIN_JS], {
          cwd: REPO_ROOT,
          env: { PATH: process.env.PATH ?? '', ...given, AMPARO_DATA_DIR: join(file, 'data'), PORT: String(await freePort()), LOG_LEVEL: 'warn' },
          timeout: 60_000,
        }).then(() => null, (error: { code: number; stderr: string }) => error);
        expect(failed?.code).toBe(1);
        expect(failed?.stderr).toMatch(said);
        expect(failed?.stderr).not.toMatch(/\n\s+at /);
      }
    } finally {
      rmSync(file, { force: true });
    }
  }, 90_000);

  it('started from another directory, the API finds the reference data shipped with it (the file was looked for in the working directory)', async () => {
    const ownDir = join(REPO_ROOT, '.test-pg', `elsewhere-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    const api = await startApi({ ...env, AMPARO_DATA_DIR: ownDir, EMBEDDED_PG_PORT: String(await freePort()) }, { timeoutMs: 60_000, cwd: tmpdir() });
    try {
      const http = request(api.url);
      const coordinator = await createUser(http, await loginAdmin(http), 'coordinator');
      const found = await http.get('/api/facilities?state=TX&limit=5').set(coordinator.auth).expect(200);
      expect(found.body.total).toBeGreaterThan(50);
    } finally {
      await api.stop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  }, 90_000);

  it('SIGTERM to an API on its own embedded PostgreSQL: the app closes before the database stops, no 500, exit 0', async () => {
    const ownDir = join(REPO_ROOT, '.test-pg', `term-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    const api = await startApi({ ...env, AMPARO_DATA_DIR: ownDir, EMBEDDED_PG_PORT: String(await freePort()) }, { timeoutMs: 60_000 });
    try {
      const http = request(api.url);
      const intake = await createUser(http, await loginAdmin(http), 'intake');
      const statuses: number[] = [];
      let running = true;
      const worker = async () => {
        while (running) {
          try {
            const res = await fetch(`${api.url}/api/cases`, {
              method: 'POST', headers: { ...intake.auth, 'Content-Type': 'application/json' }, body: JSON.stringify(minimalBody()),
            });
            statuses.push(res.status);
          } catch {
            running = false; // the server has closed: no answer, nothing half done
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      await waitFor(async () => statuses.filter((status) => status === 201).length >= 20, 30_000, 50);
      api.kill('SIGTERM');
      expect(await api.exited).toEqual({ code: 0, signal: null });
      running = false;
      await Promise.all(workers);
      expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    } finally {
      await api.stop();
      rmSync(ownDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('SIGTERM while the API is still being built stops its embedded PostgreSQL too (it was left running)', async () => {
    for (const delay of [50, 200]) {
      const ownDir = join(REPO_ROOT, '.test-pg', `early-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
      const { DATABASE_URL: _none, ...env } = apiEnv('');
      const child = spawn(process.execPath, [MAIN_JS], {
        cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: ownDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(await freePort()), LOG_LEVEL: 'info' },
      });
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await waitFor(async () => /Using the embedded PostgreSQL/.test(output), 60_000, 10);
        await new Promise((resolve) => setTimeout(resolve, delay));
        child.kill('SIGTERM');
        await exited;
        const pidFile = join(ownDir, 'pg', 'cluster', 'postmaster.pid');
        const postmaster = await waitFor(async () => {
          try {
            const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
            return isAlive(pid) ? null : 'stopped';
          } catch {
            return 'stopped';
          }
        }, 10_000);
        expect([delay, postmaster]).toEqual([delay, 'stopped']);
      } finally {
        child.kill('SIGKILL');
        rmSync(ownDir, { recursive: true, force: true });
      }
    }
  }, 150_000);

  it('Ctrl-C while a first start migrates stops it quietly (not a failed start with a stack), and the next start completes', async () => {
    const ownDir = join(REPO_ROOT, '.test-pg', `ctrl-c-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
    const { DATABASE_URL: _none, ...env } = apiEnv('');
    const pgPort = String(await freePort());
    // Its own process group, as a terminal runs it: Ctrl-C reaches the API and its embedded PostgreSQL alike.
    const child = spawn(process.execPath, [MAIN_JS], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
      env: { PATH: process.env.PATH ?? '', ...env, AMPARO_DATA_DIR: ownDir, EMBEDDED_PG_PORT: pgPort, PORT: String(await freePort()), LOG_LEVEL: 'info', EMBEDDED_PG_LOG: 'true' },
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The server is up: the migrations of a first start run now.
      await waitFor(async () => /ready to accept connections/.test(output), 60_000, 5);
      process.kill(-child.pid!, 'SIGINT');
      await exited;
      expect(output).toContain('SIGINT received while starting: stopping');
      expect(output).not.toContain('Amparo failed to start');
      expect(output).not.toMatch(/\n\s+at /);
      const api = await startApi({ ...env, AMPARO_DATA_DIR: ownDir, EMBEDDED_PG_PORT: pgPort }, { timeoutMs: 60_000 });
      await api.stop();
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(ownDir, { recursive: true, force: true });
    }
  }, 150_000);

  it('keys:rotate and keys:reindex refuse the generated development keys on a database of one\'s own (DATABASE_URL)', async () => {
    for (const command of ['keys:rotate', 'keys:reindex']) {
      const run = promisify(execFile)(process.execPath, [CLI_JS, command], {
        cwd: REPO_ROOT,
        // No key in the environment: the development keys of the data directory would be used.
        env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development', AMPARO_DATA_DIR: dataDir, DATABASE_URL: `${pg.serverUrl}/amparo` },
        timeout: 60_000,
      });
      await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining(`${command} refused`) });
    }
  }, 90_000);
});

describe('embedded PostgreSQL left by a killed run (process e2e)', () => {
  const dataDir = join(REPO_ROOT, '.test-pg', `orphan-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  const after: (() => void)[] = [];
  afterAll(() => {
    after.forEach((undo) => undo());
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the next API adopts the server whose owner was killed, and shuts it down when it stops', async () => {
    const port = await freePort();
    const pg = await startPostgres(join(dataDir, 'pg'), port);
    try {
      const postmaster = pg.postmasterPid();
      await pg.killHelper(); // kill -9 of `npm start`: PostgreSQL runs on, its owner gone
      // Its pid since reused by another program (here a `sleep`, started after the owner): that is no owner.
      const other = spawn('sleep', ['60'], { stdio: 'ignore' });
      writeFileSync(join(dataDir, 'pg', 'owner.pid'), `${other.pid} 1`);
      after.push(() => other.kill());
      const { DATABASE_URL: _none, ...env } = apiEnv('');
      const api = await startApi({ ...env, AMPARO_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) }, { timeoutMs: 60_000 });
      try {
        expect(pg.postmasterPid()).toBe(postmaster);
        expect(readFileSync(join(dataDir, 'pg', 'owner.pid'), 'utf8')).toMatch(new RegExp(`^${api.pid} \\d+$`));
      } finally {
        await api.stop();
      }
      await waitFor(async () => !isAlive(postmaster!), 15_000, 100);
    } finally {
      await pg.stop();
    }
  }, 120_000);
});
