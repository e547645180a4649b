import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  ApiProcess,
  PostgresProcess,
  REPO_ROOT,
  apiEnv,
  freePort,
  getJson,
  startApi,
  startPostgres,
  stopAllApis,
  waitFor,
} from '../support/api-process';
import { ADMIN, testAppRole } from '../support/test-app';

/**
 * The database goes away under a running API and comes back. The API must say so on /health (503, quickly), keep
 * running, answer requests with a bounded error that leaks nothing, and recover by itself when PostgreSQL returns.
 */

const OUTAGE_BOUND_MS = 10_000;

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = OUTAGE_BOUND_MS) {
  const started = Date.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed, text, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: String(error), text: String(error), ms: Date.now() - started };
  }
}

/**
 * An error answered while the database is down: a 503 that says so, which a client can retry (an intake with its
 * Idempotency-Key), not a 500. No stack, no SQL, no connection details.
 */
function expectOpaqueOutageError(res: { status: number; body: any; text: string; ms: number }) {
  expect(res.status).not.toBe(0); // answered, not hung or dropped
  expect(res.ms).toBeLessThan(OUTAGE_BOUND_MS);
  expect(res.status).toBe(503);
  expect(res.body).toEqual({
    statusCode: 503,
    error: 'Service Unavailable',
    code: 'DATABASE_UNAVAILABLE',
    message: 'The database cannot be reached right now; retry in a few seconds',
  });
  expect(res.text).not.toMatch(/\n\s+at |ECONNREFUSED|node_modules|postgres|SELECT|\.js:\d+/i);
}

describe('database restart under a running API (process e2e)', () => {
  const dir = join(REPO_ROOT, '.test-pg', `restart-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`);
  let pgPort: number;
  let pg: PostgresProcess | null = null;
  let api: ApiProcess;
  let accessToken: string;
  let databaseUrl: string;

  const login = () => postJson(`${api.url}/api/auth/login`, { email: ADMIN.email, password: ADMIN.password });
  const me = (token: string) => getJson(`${api.url}/api/auth/me`, OUTAGE_BOUND_MS, { Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    pgPort = await freePort();
    pg = await startPostgres(dir, pgPort);
    const admin = new Client({ connectionString: `${pg.serverUrl}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE amparo_restart_test`);
    await admin.end();
    // Jobs on, every second: their failures during the outage must not take the process down either.
    databaseUrl = `${pg.serverUrl}/amparo_restart_test`;
    api = await startApi(
      apiEnv(databaseUrl, { JOBS_ENABLED: 'true', JOBS_INTERVAL_SECONDS: '1', PURGE_INTERVAL_SECONDS: '1' }),
      { timeoutMs: 45_000 },
    );
  }, 90_000);

  afterAll(async () => {
    await stopAllApis();
    await pg?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('is healthy and serves a signed-in user', async () => {
    expect(await getJson(`${api.url}/health`)).toMatchObject({ status: 200, body: { status: 'ok', database: 'up' } });
    const res = await login();
    expect(res.status).toBe(200);
    accessToken = res.body.accessToken;
    expect((await me(accessToken)).body).toMatchObject({ email: ADMIN.email, role: 'admin' });
  }, 20_000);

  it('PostgreSQL stops: /health says 503 database down within seconds, requests fail fast and opaquely, the process lives', async () => {
    await pg!.stop();
    pg = null;
    const started = Date.now();
    const down = await waitFor(async () => {
      const res = await getJson(`${api.url}/health`, 5000);
      return res.status === 503 ? res : null;
    }, 5000, 200);
    expect(down).toMatchObject({ status: 503, body: { status: 'degraded', database: 'down' } });
    expect(Date.now() - started).toBeLessThan(6000);

    // A route that needs the database (the guard checks the session) and one that writes (login).
    const meRes = await me(accessToken);
    expectOpaqueOutageError({ ...meRes, text: typeof meRes.body === 'string' ? meRes.body : JSON.stringify(meRes.body) });
    expectOpaqueOutageError(await login());

    // A second instance started now cannot migrate: it exits non-zero promptly, without printing the password.
    const password = decodeURIComponent(new URL(databaseUrl).password);
    const failed = await startApi(apiEnv(databaseUrl), { timeoutMs: 20_000 }).then(
      (unexpected) => {
        unexpected.kill('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(failed).toMatch(/API exited before it was healthy \(code 1,/);
    // What happened and what to check, without a stack trace.
    expect(failed).toMatch(/Amparo failed to start: the database cannot be used \(.*ECONNREFUSED.*\): check DATABASE_URL/);
    expect(failed).not.toMatch(/\n\s+at /);
    expect(failed).not.toContain(password);
    const appPassword = testAppRole()?.password;
    if (appPassword) expect(failed).not.toContain(appPassword);

    // A few scheduler ticks ran against the dead database; the process is still there and still answering.
    await new Promise((r) => setTimeout(r, 1000));
    expect(api.alive()).toBe(true);
    expect((await getJson(`${api.url}/health`, 5000)).status).toBe(503);
  }, 30_000);

  it('PostgreSQL comes back (same directory and port): /health recovers by itself and sign-in works again', async () => {
    pg = await startPostgres(dir, pgPort);
    const started = Date.now();
    const up = await waitFor(async () => {
      const res = await getJson(`${api.url}/health`, 5000);
      return res.status === 200 ? res : null;
    }, 20_000, 250);
    expect(up).toMatchObject({ status: 200, body: { status: 'ok', database: 'up' } });
    expect(Date.now() - started).toBeLessThan(21_000);
    expect(api.alive()).toBe(true);

    // The session made before the outage is still valid, and a new sign-in works.
    expect((await me(accessToken)).status).toBe(200);
    const res = await login();
    expect(res.status).toBe(200);
    expect(await me(res.body.accessToken)).toMatchObject({ status: 200, body: { email: ADMIN.email } });
  }, 40_000);
});
