import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import request from 'supertest';
import { ApiProcess, apiEnv, getJson, startApi, stopAllApis, waitFor } from '../support/api-process';
import { intakeBody } from '../support/cases';
import { createTestDatabase } from '../support/test-app';
import { createUser, loginAdmin } from '../support/users';

/** The worker processes of `pid` (node:cluster forks them as its children). */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('API_WORKERS: the API in several worker processes on one port (process e2e)', () => {
  let api: ApiProcess;

  beforeAll(async () => {
    // LOG_LEVEL info: each answered request is logged with the pid of the process that answered it.
    api = await startApi(apiEnv(await createTestDatabase(), { API_WORKERS: '2', JOBS_ENABLED: 'true', JOBS_INTERVAL_SECONDS: '3600', LOG_LEVEL: 'info' }));
  });
  afterAll(() => stopAllApis());

  /** The pids that logged an answer to a request with one of these ids (pino-http's completion line). */
  const answeredBy = (requestIds: string[]): Set<number> => {
    const pids = new Set<number>();
    for (const line of api.output().split('\n')) {
      if (!line.startsWith('{') || !line.endsWith('}')) continue; // another line, or one still being written
      const entry = JSON.parse(line) as { pid?: number; req?: { id?: string }; res?: unknown };
      if (entry.res && entry.req?.id && requestIds.includes(entry.req.id) && entry.pid) pids.add(entry.pid);
    }
    return pids;
  };

  it('serves from two workers: concurrent intakes all succeed, both workers answer, and every case is readable through any worker', async () => {
    const workers = childrenOf(api.pid);
    expect(workers).toHaveLength(2);
    // The background jobs run in worker 0 only (the environment each worker was started with).
    const envOf = (pid: number) =>
      Object.fromEntries(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const jobs = workers.map(envOf).map((env) => `${env.AMPARO_WORKER}:${env.JOBS_ENABLED}`).sort();
    expect(jobs).toEqual(['0:true', '1:false']);
    const http = request(api.url);
    const admin = await loginAdmin(http);
    const intake = await createUser(http, admin, 'intake');
    const ids = Array.from({ length: 12 }, (_, i) => `cluster-intake-${i}`);
    const created = await Promise.all(ids.map((id) => http.post('/api/cases').set(intake.auth).set('X-Request-Id', id).send(intakeBody())));
    expect(created.map((r) => r.status)).toEqual(Array(12).fill(201));
    // node:cluster hands connections out in turn: both workers answered some of the intakes, and only they did.
    expect(await waitFor(async () => answeredBy(ids).size === 2, 5000, 50)).toBe(true);
    expect([...answeredBy(ids)].sort()).toEqual([...workers].sort());
    // A session made in one worker is checked in the database by whichever worker gets the next request.
    const reads = await Promise.all(created.map((r) => http.get(`/api/cases/${r.body.id}`).set(intake.auth)));
    expect(reads.map((r) => r.status)).toEqual(Array(12).fill(200));
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim] = childrenOf(api.pid);
    process.kill(victim, 'SIGKILL');
    // A connection the dead worker held is lost (the client retries); new ones go to the worker still alive.
    expect(await waitFor(async () => (await getJson(`${api.url}/health`)).status === 200, 5000, 50)).toBe(true);
    const replaced = await waitFor(async () => {
      const now = childrenOf(api.pid);
      return now.length === 2 && !now.includes(victim);
    }, 20_000);
    expect(replaced).toBe(true);
    expect(api.alive()).toBe(true);
  });

  it('SIGTERM stops the workers and then the main process, cleanly', async () => {
    const workers = childrenOf(api.pid);
    api.kill('SIGTERM');
    const { code } = await api.exited;
    expect(code).toBe(0);
    expect(workers.filter(alive)).toEqual([]);
  });

  it('stops, rather than restarting forever, when workers keep dying (more than 5 deaths in a minute)', async () => {
    const crashing = await startApi(apiEnv(await createTestDatabase(), { API_WORKERS: '2' }));
    const count = (text: string) => crashing.output().split(text).length - 1;
    expect(await waitFor(async () => count('with 2 workers') === 1, 20_000)).toBe(true);
    let deaths = 0;
    while (crashing.alive() && deaths < 12) {
      for (const pid of childrenOf(crashing.pid)) process.kill(pid, 'SIGKILL');
      deaths += 2;
      // Both are replaced a second later and serve again, until the main process gives up.
      await waitFor(async () => !crashing.alive() || count('is serving again') === deaths, 20_000);
    }
    const { code } = await crashing.exited;
    expect(code).toBe(1);
    expect(deaths).toBe(6);
    expect(crashing.output()).toMatch(/6 worker deaths within 60 s, stopping/);
  }, 90_000);
});
