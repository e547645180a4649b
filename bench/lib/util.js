'use strict';
/** Small helpers shared by the benchmark scripts: ports, keys, percentiles, machine facts, timing. */
const { randomBytes } = require('node:crypto');
const { createServer } = require('node:net');
const os = require('node:os');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const key = () => randomBytes(32).toString('base64');

/** Real (random) production keys, generated per run and never written to disk. */
function productionKeys() {
  return { AMPARO_KEYS: `k1:${key()}`, AMPARO_INDEX_KEY: key(), AMPARO_JWT_SECRET: key(), AMPARO_AUDIT_KEYS: `a1:${key()}` };
}

/** Nearest-rank percentile of an array of numbers (milliseconds). */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? null),
    mean: round(mean),
  };
}

function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function log(message) {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

module.exports = { freePort, productionKeys, percentile, summarize, machine, sleep, log };
