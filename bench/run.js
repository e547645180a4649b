'use strict';
/**
 * `npm run bench`: one run on this machine, start to finish (~6-10 minutes on 2 cores).
 *
 *  0. PostgreSQL (DATABASE_URL's server, else embedded under .test-pg/bench-<ts>/), a fresh migrated database, and the
 *     built API as a child process in production mode with generated keys. Auto-routing is turned off.
 *  1. Intake: POST /api/cases with autocannon at 1, 8 and 32 connections, each beside the raw-pg baseline
 *     (bench/baseline-pg.js) at the same concurrency and pool size.
 *  2. Scale: seed 1,000,000 cases, 3,000,000 deadlines, 5,000 attorneys (bench/seed.js), then the deadline board and
 *     the routing decision, sequentially, and EXPLAIN (ANALYZE, BUFFERS) of their queries into bench/plans/.
 *  3. Peak RSS of the API process throughout.
 * Results: bench/results.json and bench/results.md. Everything started here is stopped, also on failure.
 *
 * Knobs (environment): BENCH_SECONDS (per intake run, default 12), BENCH_CASES (default 1000000),
 * BENCH_SAMPLES (board and routing requests, default 200), BENCH_KEEP=1 (keep the database), DB_POOL_SIZE (the API's default),
 * BENCH_SKIP_INTAKE=1 / BENCH_SKIP_SCALE=1 (run one half only), BENCH_CPU_PROF=1 (API under --cpu-prof, profile
 * written to bench/results/tmp/ on exit).
 */
const { randomUUID } = require('node:crypto');
const { writeFileSync, mkdirSync, readdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const autocannon = require('autocannon');
const { startDatabase, withClient, resetStatements, topStatements, ROOT } = require('./lib/db');
const { startApi, call, login, rssSampler, memorySummary, TMP } = require('./lib/api');
const { intakeBody } = require('./lib/intake-body');
const { machine, summarize, log, sleep } = require('./lib/util');
const { runBaseline, prepareTenant } = require('./baseline-pg');
const { seed } = require('./seed');
const { cpuMeter } = require('./lib/cpu');
const { sampleBackends } = require('./lib/pgwaits');

const BENCH = __dirname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 12);
const CASES = Number(process.env.BENCH_CASES ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 200);
const POOL = Number(process.env.DB_POOL_SIZE ?? require(join(ROOT, 'dist/libs/config/src')).DEFAULT_DB_POOL_SIZE);
const WORKERS = Number(process.env.API_WORKERS ?? 1);
const CONNECTIONS = [1, 8, 32];
/** Wall-clock caps so that a pathological regression cannot make a run endless. */
const SEQUENTIAL_CAP_MS = 90_000;

const TARGETS = {
  intakeRatioMin: 0.6,
  intakeP99At32MaxMs: 150,
  boardP95MaxMs: 25,
  routingP95MaxMs: 50,
  rssMaxMiB: 350,
};

const cleanups = [];
async function cleanupAll() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    await fn().catch((e) => log(`cleanup: ${e.message}`));
  }
}
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping everything`);
    cleanupAll().finally(() => process.exit(130));
  });
}

let results = null;

async function main() {
  const ts = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  results = {
    date: new Date().toISOString(),
    machine: { ...machine(), loadAverageAtStart: require('node:os').loadavg().map((v) => Math.round(v * 100) / 100) },
    postgres: null,
    config: { poolSize: POOL, intakeSeconds: SECONDS, connections: CONNECTIONS, cases: CASES, samples: SAMPLES, autoRouting: false },
    targets: TARGETS,
  };

  const db = await startDatabase(ts);
  cleanups.push(() => db.stop({ keep: process.env.BENCH_KEEP === '1' }));
  results.postgres = { version: db.version, embedded: db.embedded, settings: await pgSettings(db.url) };

  const api = await startApi({
    databaseUrl: db.url,
    poolSize: POOL,
    env: { API_WORKERS: String(WORKERS) },
    extraArgs: process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${TMP}`] : [],
  });
  cleanups.push(async () => {
    const exit = await api.stop();
    log(`API stopped (${JSON.stringify(exit)})`);
  });
  const rss = rssSampler(api.pid);

  // Users: the first admin (from ADMIN_EMAIL/ADMIN_PASSWORD), an intake volunteer and a coordinator.
  const admin = await login(api.base, api.admin.email, api.admin.password);
  await call(api.base, 'PATCH', '/api/organization', { token: admin.token, body: { autoRouting: false } });
  const people = {
    intake: { email: 'bench-intake@amparo.example', name: 'Bench Intake', role: 'intake', password: `intake-${randomUUID()}` },
    coordinator: { email: 'bench-coordinator@amparo.example', name: 'Bench Coordinator', role: 'coordinator', password: `coord-${randomUUID()}` },
  };
  for (const p of Object.values(people)) {
    await call(api.base, 'POST', '/api/users', { token: admin.token, body: p });
    // The admin's password is temporary: each chooses their own before anything else.
    const first = await login(api.base, p.email, p.password);
    const own = `${p.password}-own`;
    await call(api.base, 'POST', '/api/auth/password', { token: first.token, body: { currentPassword: p.password, newPassword: own }, expect: [204] });
    p.password = own;
  }
  let intake = await login(api.base, people.intake.email, people.intake.password);
  let coordinator = await login(api.base, people.coordinator.email, people.coordinator.password);

  if (process.env.BENCH_SKIP_INTAKE !== '1') {
    rss.setPhase('intake');
    results.intake = await intakePhase(api, db, intake.token);
  }

  if (process.env.BENCH_SKIP_SCALE !== '1') {
    rss.setPhase('seed');
    const sizes = await ciphertextSizes(db.url, api, intake.token);
    log(`seeding ${CASES} cases (${3 * CASES} deadlines, 5000 attorneys)`);
    const t0 = Date.now();
    results.seed = await seed(db.url, { cases: CASES, attorneys: 5000, ciphertextSizes: sizes, log });
    results.seed.totalSeconds = Math.round((Date.now() - t0) / 1000);
    log(`seeded in ${results.seed.totalSeconds} s: ${JSON.stringify(results.seed.counts)}`);
    // Tokens live an hour; log in again so a long seed cannot expire them.
    intake = await login(api.base, people.intake.email, people.intake.password);
    coordinator = await login(api.base, people.coordinator.email, people.coordinator.password);

    rss.setPhase('board');
    results.board = await boardPhase(api, coordinator.token);
    rss.setPhase('lists');
    results.lists = await listsPhase(api, coordinator.token);
    rss.setPhase('routing');
    results.routing = await routingPhase(api, db, intake.token, coordinator.token);
    rss.setPhase('explain');
    results.plans = await explainPhase(api, db, intake.token, coordinator.token);
  }

  results.rss = { ...rss.stop(), memoryUsage: memorySummary(api.memlog) };
  results.machine.loadAverageAtEnd = require('node:os').loadavg().map((v) => Math.round(v * 100) / 100);
  results.verdict = verdict(results);
  writeResults(results);
  return results;
}

async function pgSettings(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('shared_buffers', 'work_mem', 'max_connections', 'synchronous_commit', 'effective_cache_size', 'random_page_cost', 'jit')`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 1. Intake

function intakeRequests(token) {
  return [
    {
      method: 'POST',
      path: '/api/cases',
      setupRequest: (req) => ({
        ...req,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': `bench-${randomUUID()}` },
        body: JSON.stringify(intakeBody()),
      }),
    },
  ];
}

async function cannon(api, token, connections, seconds) {
  const r = await autocannon({ url: api.base, connections, duration: seconds, timeout: 30, requests: intakeRequests(token) });
  return {
    connections,
    seconds,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    throughput: Math.round((r['2xx'] / r.duration) * 10) / 10,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p97_5: r.latency.p97_5, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
  };
}

async function intakePhase(api, db, token) {
  log('intake: warm-up (5 s at 8 connections)');
  const warm = await cannon(api, token, 8, 5);
  if (warm.ok2xx === 0) throw new Error(`intake warm-up: no 2xx (${JSON.stringify(warm)}); see ${api.logFile}`);
  const sizes = await ciphertextSizes(db.url);
  const tenant = await prepareTenant(db.url);
  const runs = [];
  for (const connections of CONNECTIONS) {
    log(`intake: API at ${connections} connection(s) for ${SECONDS} s`);
    if (db.pgStats) await resetStatements(db.url);
    let meter = cpuMeter(api.pid);
    const backends = sampleBackends(db.url);
    const apiRun = await cannon(api, token, connections, SECONDS);
    apiRun.cpu = meter.stop(apiRun.ok2xx + apiRun.non2xx);
    apiRun.databaseConnections = await backends.stop();
    if (db.pgStats) apiRun.pgStatements = await topStatements(db.url, apiRun.ok2xx + apiRun.non2xx);
    log(`intake: API ${apiRun.throughput} req/s, p50 ${apiRun.latencyMs.p50} ms, p99 ${apiRun.latencyMs.p99} ms (non-2xx ${apiRun.non2xx}, errors ${apiRun.errors})`);
    await sleep(1000);
    log(`intake: raw pg baseline at ${connections} for ${SECONDS} s`);
    // Metered from when its pool is warm, as the API's pool is.
    if (db.pgStats) await resetStatements(db.url);
    const base = await runBaseline({ url: db.url, tenant, concurrency: connections, seconds: SECONDS, poolSize: POOL, sizes, onStart: () => (meter = cpuMeter(api.pid)) });
    base.cpu = meter.stop(base.requests);
    if (db.pgStats) base.pgStatements = await topStatements(db.url, base.requests);
    log(`intake: baseline ${base.throughput} tx/s, p50 ${base.latencyMs.p50} ms, p99 ${base.latencyMs.p99} ms (errors ${base.errors})`);
    runs.push({ connections, api: apiRun, baseline: base, ratio: Math.round((apiRun.throughput / base.throughput) * 1000) / 1000 });
    await sleep(1000);
  }
  // Diagnostic at 32: the same writes with the audit row outside any chain, to show what keeping chains linear costs.
  log(`intake: diagnostic baseline at 32 without the audit chain's head-row lock, ${SECONDS} s`);
  const noLock = await runBaseline({ url: db.url, tenant, concurrency: 32, seconds: SECONDS, poolSize: POOL, sizes, mode: 'nolock' });
  log(`intake: no-lock ${noLock.throughput} tx/s (p99 ${noLock.latencyMs.p99})`);
  const [{ n: casesAfter }] = await withClient(db.url, async (c) => (await c.query(`SELECT count(*)::int AS n FROM cases`)).rows);
  return {
    note:
      'POST /api/cases alone (intake writes the case, its keys and blind indexes, one computed deadline — the detainer hold — ' +
      'and the audit row). Case events (hearings, decisions) and their deadlines are POST /api/cases/:id/events, not measured here.',
    warmup: warm,
    ciphertextBytes: sizes,
    runs,
    diagnostics32: { writesWithoutAuditLock: noLock },
    casesAfter,
  };
}

/** Ciphertext sizes of the latest case the API wrote, so the baseline and the seed store as many bytes. */
async function ciphertextSizes(url, api, token) {
  return withClient(url, async (c) => {
    let { rows } = await c.query(`SELECT id FROM cases WHERE narrative IS NOT NULL ORDER BY created_at DESC LIMIT 1`);
    if (rows.length === 0 && api) {
      await call(api.base, 'POST', '/api/cases', { token, body: intakeBody() });
      ({ rows } = await c.query(`SELECT id FROM cases WHERE narrative IS NOT NULL ORDER BY created_at DESC LIMIT 1`));
    }
    const cols = (
      await c.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND data_type = 'bytea' ORDER BY ordinal_position`)
    ).rows.map((r) => r.column_name);
    const [row] = (await c.query(`SELECT ${cols.map((k) => `octet_length(${k}) AS ${k}`).join(', ')} FROM cases WHERE id = $1`, [rows[0].id])).rows;
    return Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 2. Board and routing at scale

async function timedCall(base, method, path, options) {
  const t0 = process.hrtime.bigint();
  const res = await call(base, method, path, options);
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, res };
}

async function boardPhase(api, token) {
  const path = '/api/deadlines?status=open&page=1&limit=50';
  log(`board: ${SAMPLES} sequential GET ${path} as a coordinator (3 warm-up; at most ${SEQUENTIAL_CAP_MS / 1000} s)`);
  for (let i = 0; i < 3; i++) await call(api.base, 'GET', path, { token });
  const samples = [];
  let last;
  const end = Date.now() + SEQUENTIAL_CAP_MS;
  while (samples.length < SAMPLES && Date.now() < end) {
    const { ms, res } = await timedCall(api.base, 'GET', path, { token, expect: [200] });
    samples.push(ms);
    last = res.body;
  }
  const sorted = last.items.every((d, i, a) => i === 0 || a[i - 1].dueAt <= d.dueAt || new Date(a[i - 1].dueAt) <= new Date(d.dueAt));
  const result = {
    path, latencyMs: summarize(samples), cappedByTime: samples.length < SAMPLES, itemsPerPage: last.items.length,
    total: last.total ?? null, totalCapped: last.totalCapped ?? null, hasMore: last.hasMore ?? null, sortedByDueAt: sorted,
  };
  log(`board: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms (n ${samples.length}, total ${result.total}, hasMore ${result.hasMore})`);
  return result;
}

/**
 * The other lists a coordinator pages through at that size (no target in the issue: measured so that a slow one is
 * seen): the case list most urgent first, filtered by level, the board with every status, the referrals, the audit
 * trail by action. Sequential, LIST_SAMPLES each after 2 warm-ups, at most 30 s each.
 */
const LIST_SAMPLES = Number(process.env.BENCH_LIST_SAMPLES ?? 30);
async function listsPhase(api, token) {
  const paths = [
    '/api/cases?page=1&limit=50',
    '/api/cases?level=critical&page=1&limit=50',
    '/api/cases?page=100&limit=50',
    '/api/deadlines?status=all&page=1&limit=50',
    '/api/referrals?page=1&limit=50',
    '/api/audit?action=case.create&page=1&limit=50',
  ];
  const out = [];
  for (const path of paths) {
    for (let i = 0; i < 2; i++) await call(api.base, 'GET', path, { token, expect: [200] });
    const samples = [];
    const end = Date.now() + 30_000;
    while (samples.length < LIST_SAMPLES && Date.now() < end) samples.push((await timedCall(api.base, 'GET', path, { token, expect: [200] })).ms);
    const latencyMs = summarize(samples);
    log(`list ${path}: p50 ${latencyMs.p50} ms, p95 ${latencyMs.p95} ms (n ${samples.length})`);
    out.push({ path, latencyMs });
  }
  return out;
}

async function routingPhase(api, db, intakeToken, coordinatorToken) {
  // Fresh 'new' cases with consent, detained at facilities in the states where attorneys are, in the languages and
  // practice areas of real intake (auto-routing is off, so they stay 'new' until the coordinator routes them).
  const facilities = await withClient(db.url, async (c) =>
    (await c.query(`SELECT code FROM facilities WHERE state IN ('TX', 'CA', 'FL', 'NY', 'AZ', 'GA', 'LA', 'NJ', 'IL') ORDER BY code`)).rows.map((r) => r.code),
  );
  const DIAGNOSED = 30;
  const n = SAMPLES + 3 + DIAGNOSED;
  log(`routing: creating ${n} fresh cases through the API`);
  const ids = [];
  for (let i = 0; i < n; i++) {
    const body = intakeBody();
    body.custody = { status: 'ice_detention', facilityCode: facilities[(i * 37) % facilities.length], bookingNumber: `BK-R${i}` };
    const { body: created } = await call(api.base, 'POST', '/api/cases', { token: intakeToken, body });
    ids.push(created.id);
  }
  log(`routing: ${SAMPLES} sequential POST /api/cases/:id/referrals as a coordinator (3 warm-up; at most ${SEQUENTIAL_CAP_MS / 1000} s)`);
  const outcomes = { 201: 0, 422: 0 };
  const samples = [];
  const scores = [];
  const end = Date.now() + SEQUENTIAL_CAP_MS;
  for (let i = 0; i < SAMPLES + 3 && (i < 3 || Date.now() < end); i++) {
    const { ms, res } = await timedCall(api.base, 'POST', `/api/cases/${ids[i]}/referrals`, { token: coordinatorToken, body: {}, expect: [201, 422] });
    if (i < 3) continue;
    samples.push(ms);
    outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
    if (res.status === 201) scores.push(res.body.match.score);
  }
  // Where the time goes: SQL capture on for a further DIAGNOSED requests (not in the figures above), each statement's
  // round trip as the API saw it, grouped by statement.
  const diagnosed = [];
  const captured = await api.captureSql(async () => {
    for (const id of ids.slice(SAMPLES + 3)) {
      diagnosed.push((await timedCall(api.base, 'POST', `/api/cases/${id}/referrals`, { token: coordinatorToken, body: {}, expect: [201, 422] })).ms);
    }
  });
  const result = {
    latencyMs: summarize(samples),
    cappedByTime: samples.length < SAMPLES,
    statementTimes: statementTimes(captured, diagnosed),
    outcomes,
    meanScore: scores.length ? Math.round((scores.reduce((s, v) => s + v, 0) / scores.length) * 10) / 10 : null,
    sampleCaseId: ids[ids.length - 1],
    note: 'Each request routes a different fresh case (status new, consent given); offers are left open (200 open offers spread over 5,000 attorneys).',
  };
  log(`routing: p50 ${result.latencyMs.p50} ms, p95 ${result.latencyMs.p95} ms, p99 ${result.latencyMs.p99} ms, outcomes ${JSON.stringify(outcomes)}`);
  const st = result.statementTimes;
  log(`routing: with SQL capture (${st.requests} more): request p50 ${st.requestMs.p50} ms, SQL round trips ${st.sqlMsPerRequest} ms per request`);
  for (const x of st.statements) log(`  ${x.perRequest}x p50 ${x.p50} p95 ${x.p95}  ${x.sql}`);
  return result;
}

/** Per statement (its first 70 characters): how often per request, and its round trip p50/p95, against the requests. */
function statementTimes(captured, requestMs) {
  const groups = new Map();
  for (const e of captured) {
    const key = e.text.replace(/\s+/g, ' ').trim().slice(0, 70);
    (groups.get(key) ?? groups.set(key, []).get(key)).push(e.ms);
  }
  const requests = requestMs.length;
  const sqlMsPerRequest = captured.reduce((a, e) => a + e.ms, 0) / requests;
  const request = summarize(requestMs);
  return {
    requests,
    requestMs: request,
    sqlMsPerRequest: Math.round(sqlMsPerRequest * 100) / 100,
    statements: [...groups].map(([sql, ms]) => ({ sql, perRequest: Math.round((ms.length / requests) * 100) / 100, ...summarize(ms) })),
  };
}

/**
 * Plans of the queries the API really sends: SQL capture (bench/lib/sqlcapture.js) is switched on around one board
 * request, one routing request, one intake and a coordinator's first page of the case list, and every captured read is re-run under EXPLAIN (ANALYZE, BUFFERS),
 * inside a transaction that is rolled back. Nothing here copies the services' SQL, so the plans follow the code.
 */
async function explainPhase(api, db, intakeToken, coordinatorToken) {
  const dir = join(BENCH, 'plans');
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(dir)) if (f.endsWith('.txt')) rmSync(join(dir, f));
  const [{ code: facility }] = await withClient(db.url, async (c) => (await c.query(`SELECT code FROM facilities WHERE state = 'TX' ORDER BY code LIMIT 1`)).rows);
  // The intake captured is the benchmark's own request (detainer, idempotency key); the routing one is a fresh case.
  const intakeSql = await api.captureSql(() =>
    call(api.base, 'POST', '/api/cases', { token: intakeToken, body: intakeBody(), headers: { 'idempotency-key': `bench-${randomUUID()}` } }),
  );
  const body = intakeBody();
  body.custody = { status: 'ice_detention', facilityCode: facility };
  const caseId = (await call(api.base, 'POST', '/api/cases', { token: intakeToken, body })).body.id;
  const boardSql = await api.captureSql(() => call(api.base, 'GET', '/api/deadlines?status=open&page=1&limit=50', { token: coordinatorToken }));
  const casesSql = await api.captureSql(() => call(api.base, 'GET', '/api/cases?page=1&limit=50', { token: coordinatorToken }));
  const routingSql = await api.captureSql(() =>
    call(api.base, 'POST', `/api/cases/${caseId}/referrals`, { token: coordinatorToken, body: {}, expect: [201, 422] }),
  );
  // Every statement of one request, in order, with its round trip as the API saw it (one sequential request).
  const statements = (what, captured) =>
    `-- the statements of one ${what}, in order (${captured.length}, ${sumMs(captured)} ms in all); each with its round trip as the API saw it\n` +
    `-- (parameters omitted: they include ciphertexts)\n\n` +
    captured.map((e, i) => `-- ${i + 1} (${e.ms} ms)\n${e.text.replace(/^\s+/gm, '  ')}\n`).join('\n');
  const sumMs = (captured) => Math.round(captured.reduce((a, e) => a + (e.ms ?? 0), 0) * 100) / 100;
  writeFileSync(join(dir, 'intake-statements.txt'), statements('POST /api/cases', intakeSql));
  writeFileSync(join(dir, 'routing-statements.txt'), statements('POST /api/cases/:id/referrals', routingSql));
  writeFileSync(join(dir, 'cases-statements.txt'), statements('GET /api/cases (a coordinator\'s first page)', casesSql));
  const decode = (v) => (Array.isArray(v) ? v.map(decode) : v && v.$bytea ? Buffer.from(v.$bytea, 'base64') : v && v.$date ? new Date(v.$date) : v);
  // Reads only: a data-modifying CTE (WITH ... INSERT/UPDATE/DELETE) or a lock/sequence call is not re-run.
  const isRead = (text) => /^\s*(SELECT|WITH)\b/i.test(text) && !/pg_advisory|nextval\(|\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/i.test(text);
  const out = { intake: { statements: intakeSql.length, statementsMs: sumMs(intakeSql), file: 'bench/plans/intake-statements.txt' } };
  await withClient(db.url, async (c) => {
    for (const [name, captured] of [['board', boardSql], ['routing', routingSql], ['cases', casesSql]]) {
      const plans = [];
      let n = 0;
      // A setting the request's transaction made (SET LOCAL max_parallel_workers_per_gather = 0 around the board's
      // read) is made again for the reads after it: the plan shown is the one the request ran.
      const settings = [];
      for (const e of captured) {
        if (/^\s*SET\s+LOCAL\b/i.test(e.text)) settings.push(e.text);
        if (!isRead(e.text)) continue;
        n += 1;
        const params = e.params.map(decode);
        await c.query('BEGIN');
        let text;
        try {
          for (const setting of settings) await c.query(setting);
          text = (await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${e.text}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
        } catch (error) {
          text = `EXPLAIN failed: ${error.message}`;
        } finally {
          await c.query('ROLLBACK');
        }
        const file = `${name}-${String(n).padStart(2, '0')}.txt`;
        const shown = e.params.map((p) => (p && p.$bytea ? '<bytea>' : p && p.$date ? p.$date : p));
        const under = settings.length ? `-- after: ${settings.join('; ')}\n` : '';
        writeFileSync(join(dir, file), `-- ${name} request, read ${n} of its statements\n-- params: ${JSON.stringify(shown)}\n${under}${e.text.replace(/^\s+/gm, '  ')}\n\n${text}\n`);
        plans.push({ file: `bench/plans/${file}`, executionMs: Number(/Execution Time: ([\d.]+) ms/.exec(text)?.[1] ?? NaN), sql: e.text.replace(/\s+/g, ' ').trim().slice(0, 120) });
      }
      plans.sort((a, b) => b.executionMs - a.executionMs);
      out[name] = { statements: captured.length, statementsMs: sumMs(captured), reads: plans.length, plans };
      log(`explain: ${name}: ${captured.length} statements, slowest read ${plans[0]?.executionMs} ms (${plans[0]?.file})`);
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Results

function verdict(r) {
  const v = {};
  const at32 = r.intake?.runs.find((x) => x.connections === 32);
  if (at32) {
    v.intakeRatioAt32 = { value: at32.ratio, target: `>= ${TARGETS.intakeRatioMin}`, met: at32.ratio >= TARGETS.intakeRatioMin };
    v.intakeP99At32Ms = { value: at32.api.latencyMs.p99, target: `< ${TARGETS.intakeP99At32MaxMs}`, met: at32.api.latencyMs.p99 < TARGETS.intakeP99At32MaxMs };
  }
  if (r.board) v.boardP95Ms = { value: r.board.latencyMs.p95, target: `< ${TARGETS.boardP95MaxMs}`, met: r.board.latencyMs.p95 < TARGETS.boardP95MaxMs };
  if (r.routing) v.routingP95Ms = { value: r.routing.latencyMs.p95, target: `< ${TARGETS.routingP95MaxMs}`, met: r.routing.latencyMs.p95 < TARGETS.routingP95MaxMs };
  if (r.rss) v.peakRssMiB = { value: r.rss.peakVmHWM_MiB, target: `< ${TARGETS.rssMaxMiB}`, met: r.rss.peakVmHWM_MiB < TARGETS.rssMaxMiB };
  return v;
}

function writeResults(r) {
  writeFileSync(join(BENCH, 'results.json'), `${JSON.stringify(r, null, 2)}\n`);
  const lines = [
    `# Benchmark results (${r.date.slice(0, 10)})`,
    '',
    `Machine: ${r.machine.cpus} CPUs (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, ${r.machine.platform}; Node ${r.machine.node}; ` +
      `PostgreSQL ${r.postgres?.version} (${r.postgres?.embedded ? 'embedded' : 'DATABASE_URL'}, shared_buffers ${r.postgres?.settings?.shared_buffers}). ` +
      `API in production mode, DB_POOL_SIZE ${r.config.poolSize}, auto-routing off. Details: results.json, ../docs/performance.md.`,
    '',
  ];
  if (r.intake) {
    lines.push('## Intake: POST /api/cases vs raw pg', '', '| connections | API req/s | API p50 ms | API p99 ms | pg tx/s | pg p50 ms | pg p99 ms | API/pg |', '|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const x of r.intake.runs) {
      lines.push(`| ${x.connections} | ${x.api.throughput} | ${x.api.latencyMs.p50} | ${x.api.latencyMs.p99} | ${x.baseline.throughput} | ${x.baseline.latencyMs.p50} | ${x.baseline.latencyMs.p99} | ${x.ratio} |`);
    }
    lines.push(
      '',
      'CPU per request (ms, from /proc, no profiler), and cores used, by party: API process, PostgreSQL, and the load generator (API runs) or the raw pg client (baseline runs).',
      '',
      '| connections | API: api ms | API: postgres ms | API: load generator ms | baseline: client ms | baseline: postgres ms | cores used API run (api + pg + loadgen) | cores used baseline (client + pg) |',
      '|---:|---:|---:|---:|---:|---:|---|---|',
    );
    for (const x of r.intake.runs) {
      const a = x.api.cpu;
      const b = x.baseline.cpu;
      if (!a || !b) continue;
      lines.push(
        `| ${x.connections} | ${a.msPerRequest.api} | ${a.msPerRequest.postgres} | ${a.msPerRequest.client} | ${b.msPerRequest.client} | ${b.msPerRequest.postgres} | ` +
          `${a.coresUsed.api} + ${a.coresUsed.postgres} + ${a.coresUsed.client} | ${b.coresUsed.client} + ${b.coresUsed.postgres} |`,
      );
    }
    lines.push('', `The API's database connections during each run, on average (pg_stat_activity every 50 ms; pool of ${r.config.poolSize}):`, '');
    for (const x of r.intake.runs) {
      const c = x.api.databaseConnections;
      if (c) lines.push(`- ${x.connections} connection(s): ${Object.entries(c.averageBackends).map(([state, n]) => `${state} ${n}`).join(', ') || 'none'}${c.error ? ` (sampler failed: ${c.error})` : ''}`);
    }
    const at32 = r.intake.runs.find((x) => x.connections === 32);
    if (at32?.api.pgStatements) {
      lines.push('', 'PostgreSQL per statement at 32 connections (BENCH_PG_STATS=1, pg_stat_statements; server wall time per call, waits included):', '');
      lines.push('| run | calls per request | plan ms | exec ms | statement |', '|---|---:|---:|---:|---|');
      for (const [run, list] of [['API', at32.api.pgStatements], ['baseline', at32.baseline.pgStatements]]) {
        for (const st of list) lines.push(`| ${run} | ${st.callsPerRequest} | ${st.planMs} | ${st.execMs} | \`${st.sql.replace(/\|/g, '\\|')}\` |`);
      }
    }
    const d = r.intake.diagnostics32;
    lines.push('', `Diagnostic at 32: the same writes without the audit chain's head-row lock ${d.writesWithoutAuditLock.throughput} tx/s (p99 ${d.writesWithoutAuditLock.latencyMs.p99} ms). Statements per intake (captured): ${r.plans?.intake?.statements ?? 'n/a'}.`, '');
  }
  if (r.seed) {
    const c = r.seed.counts;
    lines.push(`## At scale (${c.cases.toLocaleString('en')} cases, ${c.deadlines.toLocaleString('en')} deadlines, ${c.attorneys.toLocaleString('en')} attorneys; seeded in ${r.seed.totalSeconds} s)`, '');
    lines.push('| measurement | n | p50 ms | p95 ms | p99 ms |', '|---|---:|---:|---:|---:|');
    const shape = r.board.total != null ? `total ${r.board.total.toLocaleString('en')}` : r.board.hasMore != null ? `hasMore ${r.board.hasMore}` : 'no total in the response';
    lines.push(`| GET /api/deadlines?status=open (first page of 50, ${shape}) | ${r.board.latencyMs.n} | ${r.board.latencyMs.p50} | ${r.board.latencyMs.p95} | ${r.board.latencyMs.p99} |`);
    lines.push(`| POST /api/cases/:id/referrals (outcomes ${JSON.stringify(r.routing.outcomes)}) | ${r.routing.latencyMs.n} | ${r.routing.latencyMs.p50} | ${r.routing.latencyMs.p95} | ${r.routing.latencyMs.p99} |`);
    for (const l of r.lists ?? []) lines.push(`| GET ${l.path} (no target) | ${l.latencyMs.n} | ${l.latencyMs.p50} | ${l.latencyMs.p95} | ${l.latencyMs.p99} |`);
    for (const k of ['board', 'routing']) {
      const p = r.plans?.[k];
      if (p) lines.push('', `${k}: ${p.statements} statements per request; slowest reads (EXPLAIN ANALYZE): ${p.plans.slice(0, 3).map((x) => `${x.executionMs} ms ${x.file}`).join(', ')}.`);
    }
    lines.push('');
  }
  if (r.rss) {
    const m = r.rss.memoryUsage?.atPeakRss;
    lines.push(`## API memory`, '', `Peak RSS (VmHWM) ${r.rss.peakVmHWM_MiB} MiB; max sampled RSS per phase (MiB): ${JSON.stringify(r.rss.perPhaseMaxRss_MiB)}.` +
      (m ? ` At the peak: V8 heap ${m.heapTotal} MiB (used ${m.heapUsed}), external ${m.external} MiB, the rest native.` : ''), '');
  }
  lines.push('## Targets', '', '| target | value | goal | met |', '|---|---:|---|---|');
  for (const [k, v] of Object.entries(r.verdict)) lines.push(`| ${k} | ${v.value} | ${v.target} | ${v.met ? 'yes' : '**no**'} |`);
  writeFileSync(join(BENCH, 'results.md'), `${lines.join('\n')}\n`);
  log('wrote bench/results.json and bench/results.md');
}

if (process.argv[2] === '--render') {
  // Re-renders bench/results.md from bench/results.json (after a change to the table layout).
  writeResults(require('./results.json'));
  process.exit(0);
}

main()
  .then(async (r) => {
    await cleanupAll();
    log(`done: ${JSON.stringify(r.verdict)}`);
    process.exit(0);
  })
  .catch(async (error) => {
    log(`FAILED: ${error.stack ?? error}`);
    if (results) {
      results.failed = String(error.stack ?? error);
      try {
        results.verdict = verdict(results);
        writeResults(results);
      } catch (e) {
        log(`could not write partial results: ${e.message}`);
      }
    }
    await cleanupAll();
    process.exit(1);
  });

module.exports = { ROOT };
