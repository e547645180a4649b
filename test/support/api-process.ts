import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { appDatabaseUrl, TEST_ENV } from './test-app';

/**
 * Runs the BUILT API (`dist/apps/api/src/main.js`, made by `nest build api`, which `npm test` runs before jest) as a
 * child process, for tests that crash, restart or multiply the server. Every API process started here is registered
 * and stopped by `stopAllApis()` (call it in afterAll) or, failing that, killed when the test worker exits.
 * `startPostgres` runs a dedicated embedded PostgreSQL that a test can stop and start again.
 */

export const REPO_ROOT = join(__dirname, '..', '..');
export const MAIN_JS = join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const CLI_JS = join(REPO_ROOT, 'dist', 'apps', 'api', 'src', 'cli.js');

export interface ApiProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (bounded). */
  output(): string;
  alive(): boolean;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends a signal (default SIGTERM) and returns at once. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  /** How long to wait for GET /health to answer 200. */
  timeoutMs?: number;
  /** Print the process's output to the test's stderr as it comes (debugging). */
  echo?: boolean;
  /** The working directory to start it from (the repository's by default). */
  cwd?: string;
}

const live = new Set<ChildProcess>();
const MAX_OUTPUT = 8 * 1024 * 1024;

process.once('exit', () => {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The configuration every test process shares: the file's test keys, the test admin, quiet logs, no jobs. */
export function apiEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  const appUrl = databaseUrl ? appDatabaseUrl(databaseUrl) : databaseUrl;
  return {
    ...TEST_ENV,
    // As deployed: the API logs in as the application role, and migrates and grants as the owner.
    DATABASE_URL: appUrl,
    ...(appUrl !== databaseUrl ? { DATABASE_OWNER_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    JOBS_ENABLED: 'false',
    ...extra,
  };
}

/** Variables the app reads: none leaks in from the test runner's own environment. */
const APP_VARIABLES = /^(DATABASE_URL|DATABASE_OWNER_URL|PORT|NODE_ENV|AMPARO_.*|ADMIN_.*|LOG_LEVEL|JOBS_.*|PURGE_.*|SMTP_.*|PUBLIC_URL|TRUST_PROXY|BODY_LIMIT|ACCESS_TOKEN_TTL|REFRESH_TOKEN_TTL|EMBEDDED_PG_.*|DB_POOL_SIZE|API_WORKERS)$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET with a hard time bound; never throws (status 0 = no answer). */
export async function getJson(url: string, timeoutMs = 3000, headers: Record<string, string> = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = Date.now();
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body, ms: Date.now() - started };
  } catch (error) {
    return { status: 0, body: String((error as Error)?.message ?? error), ms: Date.now() - started };
  }
}

/**
 * Starts the built API with `env` (PORT is chosen when not given) and waits until GET /health answers 200.
 * Rejects, with the process's output, if it exits first or the wait exceeds `timeoutMs` (the process is killed).
 */
export async function startApi(env: Record<string, string>, options: StartOptions = {}): Promise<ApiProcess> {
  if (!existsSync(MAIN_JS)) throw new Error(`${MAIN_JS} is missing: build first (npx nest build api; npm test does it)`);
  const attempts = env.PORT ? 1 : 3;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await startOnce(env.PORT ? env : { ...env, PORT: String(await freePort()) }, options);
    } catch (error) {
      lastError = error;
      // Another process may have taken the chosen port between freePort() and listen(): try another one.
      if (!/EADDRINUSE/.test(String((error as Error).message))) throw error;
    }
  }
  throw lastError;
}

async function startOnce(env: Record<string, string>, options: StartOptions): Promise<ApiProcess> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !APP_VARIABLES.test(k)));
  const child = spawn(process.execPath, [MAIN_JS], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let output = '';
  child.once('error', (error) => {
    output += `\nspawn error: ${error.message}\n`;
  });
  const collect = (chunk: Buffer) => {
    if (options.echo) process.stderr.write(chunk);
    if (output.length < MAX_OUTPUT) output += chunk.toString('utf8');
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const port = Number(env.PORT);
  const url = `http://127.0.0.1:${port}`;
  const proc: ApiProcess = {
    url,
    port,
    pid: child.pid!,
    output: () => output,
    alive: () => !exitedFlag,
    exited,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (!exitedFlag) child.kill(signal);
    },
    stop: async (graceMs = 10_000) => {
      if (exitedFlag) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (exitedFlag) {
      const { code, signal } = await exited;
      throw new Error(`API exited before it was healthy (code ${code}, signal ${signal}):\n${output.slice(-4000)}`);
    }
    const res = await getJson(`${url}/health`, 2000);
    if (res.status === 200) return proc;
    last = `${res.status} ${JSON.stringify(res.body)}`;
    await sleep(150);
  }
  await proc.stop(2000);
  throw new Error(`API not healthy within ${timeoutMs} ms (last /health: ${last}):\n${output.slice(-4000)}`);
}

/** Kills every API process this worker started and is still running (afterAll). */
export async function stopAllApis(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes; returns the last value. */
/** Whether a process of that pid is alive (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(check: () => Promise<T>, timeoutMs: number, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await sleep(intervalMs);
    value = await check();
  }
  return value;
}

export interface PostgresProcess {
  /** Server URL without a database name: append `/<name>`. */
  serverUrl: string;
  /** Fast shutdown of PostgreSQL (and of the helper process); resolves once it is down. */
  stop(): Promise<void>;
  /** Kills the helper process alone (SIGKILL), as a run killed without a shutdown: PostgreSQL goes on, orphaned. */
  killHelper(): Promise<void>;
  /** The running postmaster's pid, if any. */
  postmasterPid(): number | null;
}

const DATABASE_LIB = join(REPO_ROOT, 'dist', 'libs', 'database', 'src');

/**
 * `startEmbeddedPostgres` (from @amparo/database, built) in a helper process: the package is ESM-only and jest's
 * module runtime cannot load it on Node 20. The helper stops PostgreSQL when told to (a line on stdin) or when its
 * stdin closes because this process died.
 */
const PG_HELPER = `
const { startEmbeddedPostgres } = require(process.env.AMPARO_DATABASE_LIB);
(async () => {
  const server = await startEmbeddedPostgres({ dir: process.env.AMPARO_PG_DIR, port: Number(process.env.AMPARO_PG_PORT) });
  process.stdout.write(JSON.stringify({ serverUrl: server.serverUrl }) + '\\n');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.stdin.on('data', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
})().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\\n');
  process.exit(1);
});
`;

export async function startPostgres(dir: string, port: number, timeoutMs = 60_000): Promise<PostgresProcess> {
  if (!existsSync(`${DATABASE_LIB}/index.js`)) throw new Error(`${DATABASE_LIB} is missing: build first (npx nest build api)`);
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !APP_VARIABLES.test(k)));
  const child = spawn(process.execPath, ['-e', PG_HELPER], {
    cwd: REPO_ROOT,
    env: { ...base, AMPARO_DATABASE_LIB: DATABASE_LIB, AMPARO_PG_DIR: dir, AMPARO_PG_PORT: String(port) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Not in `live`: killing the helper would orphan PostgreSQL. If this process dies, the helper's stdin closes and
  // it stops PostgreSQL itself.
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.once('error', (error) => (output += `\nspawn error: ${error.message}\n`));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + timeoutMs;
  let serverUrl: string | undefined;
  while (!serverUrl && Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const line = output.split('\n').find((l) => l.startsWith('{"serverUrl"'));
    if (line) serverUrl = JSON.parse(line).serverUrl as string;
    else await sleep(100);
  }
  const postmasterPid = (): number | null => {
    try {
      const pid = Number(readFileSync(join(dir, 'cluster', 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin!.write('stop\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // Last resort: the helper died without stopping its server; PostgreSQL shuts down fast on SIGINT.
    const pid = postmasterPid();
    if (pid !== null) {
      try {
        process.kill(pid, 'SIGINT');
        await waitFor(async () => !isAlive(pid), 15_000, 100);
      } catch {
        // not running
      }
    }
  };
  if (!serverUrl) {
    await stop();
    throw new Error(`embedded PostgreSQL did not start within ${timeoutMs} ms:\n${output.slice(-4000)}`);
  }
  const killHelper = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  return { serverUrl, stop, killHelper, postmasterPid };
}
