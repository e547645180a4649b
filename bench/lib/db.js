'use strict';
/**
 * The benchmark's PostgreSQL: DATABASE_URL's server when set (a new database amparo_bench_<ts> on it), otherwise an
 * embedded server in the git-ignored .test-pg/bench-<ts>/ directory. Either way: a fresh, migrated database.
 */
const { existsSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { Client } = require('pg');
const { freePort, log } = require('./util');

const ROOT = join(__dirname, '..', '..');

async function withClient(url, fn) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * @returns {{ url: string, serverUrl: string, name: string, embedded: boolean, dir: string|null, version: string,
 *             stop(): Promise<void> }}
 */
async function startDatabase(ts) {
  const { startEmbeddedPostgres, runMigrations } = require(join(ROOT, 'dist/libs/database/src'));
  const { dataSourceOptions } = require(join(ROOT, 'dist/apps/api/src/data-source'));
  const name = `amparo_bench_${ts}`;
  let serverUrl;
  let stopServer = async () => undefined;
  let dir = null;
  if (process.env.DATABASE_URL) {
    const url = new URL(process.env.DATABASE_URL);
    url.pathname = '';
    serverUrl = url.toString().replace(/\/$/, '');
    log(`using DATABASE_URL's server, database ${name}`);
  } else {
    dir = join(ROOT, '.test-pg', `bench-${ts}`);
    const port = await freePort();
    log(`starting an embedded PostgreSQL in ${dir} on 127.0.0.1:${port}`);
    // BENCH_PG_STATS=1: per-statement planning and execution times (pg_stat_statements), at some cost to throughput.
    const settings = process.env.BENCH_PG_STATS === '1' ? { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track_planning': 'on' } : {};
    const server = await startEmbeddedPostgres({ dir, port, settings });
    serverUrl = server.serverUrl;
    stopServer = server.stop;
  }
  const maintenance = process.env.DATABASE_URL ? process.env.DATABASE_URL : `${serverUrl}/postgres`;
  await withClient(maintenance, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = `${serverUrl}/${name}`;
  const applied = await runMigrations(dataSourceOptions(url));
  log(`database ${name} created, migrations applied: ${applied.length}`);
  const version = await withClient(url, async (c) => (await c.query('SHOW server_version')).rows[0].server_version);
  let pgStats = false;
  if (process.env.BENCH_PG_STATS === '1') {
    // With DATABASE_URL the server must preload the library itself (shared_preload_libraries), or this fails.
    pgStats = await withClient(url, (c) => c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(() => c.query('SELECT 1 FROM pg_stat_statements LIMIT 1')))
      .then(() => true)
      .catch((e) => (log(`pg_stat_statements unavailable: ${e.message}`), false));
  }

  let stopped = false;
  async function stop({ keep = false } = {}) {
    if (stopped) return;
    stopped = true;
    if (!keep && !dir) {
      // External server: drop the run's database. (An embedded cluster is deleted whole below.)
      await withClient(maintenance, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch((e) =>
        log(`could not drop ${name}: ${e.message}`),
      );
      log(`dropped database ${name}`);
    }
    await stopServer().catch((e) => log(`embedded PostgreSQL stop failed: ${e.message}`));
    if (dir && !keep && existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 300 });
      log(`embedded PostgreSQL stopped; ${dir} removed`);
    } else if (dir) {
      log(`embedded PostgreSQL stopped; kept ${dir}`);
    }
  }
  return { url, serverUrl, name, embedded: !process.env.DATABASE_URL, dir, version, pgStats, stop };
}

/** Forgets the statistics of pg_stat_statements (all databases: the benchmark's server runs nothing else). */
function resetStatements(url) {
  return withClient(url, (c) => c.query('SELECT pg_stat_statements_reset()'));
}

/**
 * This database's statements since the last reset, by total time: calls per request, planning and execution ms per
 * call (wall time in the server, waits included), and the start of the text.
 */
function topStatements(url, requests, limit = 10) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT calls, total_plan_time, total_exec_time, query FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND calls > 0
          AND query NOT LIKE '%pg_stat_statements%'
        ORDER BY total_plan_time + total_exec_time DESC LIMIT $1`,
      [limit],
    );
    const round = (v) => Math.round(v * 1000) / 1000;
    return rows.map((r) => ({
      callsPerRequest: round(Number(r.calls) / requests),
      planMs: round(r.total_plan_time / Number(r.calls)),
      execMs: round(r.total_exec_time / Number(r.calls)),
      sql: r.query.replace(/\s+/g, ' ').slice(0, 100),
    }));
  });
}

module.exports = { startDatabase, withClient, resetStatements, topStatements, ROOT };
