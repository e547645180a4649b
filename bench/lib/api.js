'use strict';
/** The API as a child process (the built server, NODE_ENV=production), a small HTTP client, and an RSS sampler. */
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { createWriteStream, mkdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { freePort, productionKeys, sleep, log } = require('./util');
const { ROOT } = require('./db');

const TMP = join(ROOT, 'bench', 'results', 'tmp'); // git-ignored

/**
 * As deployed: the API logs in as a role of its own and the owner (the benchmark's URL) migrates and grants. The
 * role's password is derived from the owner's, so it is the same on every run against one server.
 */
function asDeployed(databaseUrl) {
  const app = new URL(databaseUrl);
  app.username = 'amparo_bench_app';
  app.password = createHash('sha256').update(`${decodeURIComponent(app.password)}:amparo-bench-app`).digest('hex');
  return { DATABASE_URL: app.toString(), DATABASE_OWNER_URL: databaseUrl };
}

async function startApi({ databaseUrl, poolSize, extraArgs = [], env = {} }) {
  const port = await freePort();
  const admin = { email: 'bench-admin@amparo.example', password: `bench-${Date.now()}-admin-pw` };
  mkdirSync(TMP, { recursive: true });
  const logFile = join(TMP, `api-${port}.log`);
  const out = createWriteStream(logFile);
  const memlog = join(TMP, `memory-${port}.jsonl`);
  const sqlCapture = join(TMP, `sql-${port}.jsonl`);
  const child = spawn(process.execPath, ['-r', join(__dirname, 'memlog.js'), '-r', join(__dirname, 'sqlcapture.js'), ...extraArgs, 'dist/apps/api/src/main.js'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      // As in production (Dockerfile, npm start): fewer glibc malloc arenas, less native memory held per thread, and a
      // heap limit that makes V8 collect garbage at a small multiple of the live heap (docs/performance.md).
      MALLOC_ARENA_MAX: '2',
      NODE_OPTIONS: '--max-old-space-size=1024',
      PORT: String(port),
      ...asDeployed(databaseUrl),
      ...productionKeys(),
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      LOG_LEVEL: 'warn',
      JOBS_ENABLED: 'false',
      DB_POOL_SIZE: String(poolSize),
      ACCESS_TOKEN_TTL: '3600',
      BENCH_MEMLOG: memlog,
      BENCH_SQLCAPTURE: sqlCapture,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`API exited during boot (${JSON.stringify(exited)}); see ${logFile}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`API did not become healthy in 60 s; see ${logFile}`);
    await sleep(200);
  }
  log(`API pid ${child.pid} listening on ${base} (log ${logFile})`);

  async function stop() {
    if (exited) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const result = await exitPromise;
    clearTimeout(timer);
    return result;
  }
  /** Runs `fn` with SQL capture on, and returns the statements the API sent meanwhile. */
  async function captureSql(fn) {
    const { existsSync, readFileSync: read } = require('node:fs');
    const from = existsSync(sqlCapture) ? read(sqlCapture, 'utf8').length : 0;
    child.kill('SIGUSR2');
    await sleep(200);
    try {
      await fn();
    } finally {
      await sleep(200);
      child.kill('SIGUSR2');
      await sleep(100);
    }
    return read(sqlCapture, 'utf8').slice(from).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.text);
  }
  return { port, base, pid: child.pid, admin, logFile, memlog, captureSql, stop, exited: () => exited };
}

/** JSON over fetch; throws on an unexpected status, with the body for diagnosis. */
async function call(base, method, path, { token, body, expect = [200, 201], headers = {} } = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return { status: res.status, body: json };
}

async function login(base, email, password) {
  const { body } = await call(base, 'POST', '/api/auth/login', { body: { email, password }, expect: [200] });
  return { token: body.accessToken, user: body.user };
}

/** Samples VmRSS and VmHWM of a process from /proc every `intervalMs`, tagging the samples with the current phase. */
function rssSampler(pid, intervalMs = 250) {
  const peaks = {};
  let phase = 'boot';
  let last = { rssKiB: 0, hwmKiB: 0 };
  const read = () => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      last = { rssKiB: rss, hwmKiB: hwm };
      const p = (peaks[phase] ??= { maxRssKiB: 0 });
      p.maxRssKiB = Math.max(p.maxRssKiB, rss);
    } catch {
      /* process gone */
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  timer.unref();
  return {
    setPhase(name) {
      read();
      phase = name;
      read();
    },
    stop() {
      read();
      clearInterval(timer);
      const mib = (k) => Math.round((k / 1024) * 10) / 10;
      const perPhase = Object.fromEntries(Object.entries(peaks).map(([k, v]) => [k, mib(v.maxRssKiB)]));
      return { peakVmHWM_MiB: mib(last.hwmKiB), maxSampledRss_MiB: Math.max(...Object.values(perPhase)), perPhaseMaxRss_MiB: perPhase };
    },
  };
}

/** Peaks from the memlog file: the first sample (after boot), and the sample with the highest RSS, split up (MiB). */
function memorySummary(file) {
  let lines = [];
  try {
    lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return null;
  }
  if (lines.length === 0) return null;
  const mib = (b) => Math.round((b / 2 ** 20) * 10) / 10;
  const view = (m) => ({ rss: mib(m.rss), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) });
  const peak = lines.reduce((a, b) => (b.rss > a.rss ? b : a));
  return { samples: lines.length, first: view(lines[0]), atPeakRss: view(peak), maxHeapUsed: mib(Math.max(...lines.map((l) => l.heapUsed))) };
}

module.exports = { startApi, call, login, rssSampler, memorySummary, TMP };
