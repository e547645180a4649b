'use strict';
/**
 * What the database's connections are doing during a run: pg_stat_activity sampled (the API's connections, application_name 'amparo') every `intervalMs` on a connection
 * of its own, averaged into "how many backends, on average, were in each state / wait event". It showed that at 32
 * connections most of the API's pool sits "idle in transaction", waiting for the busy API process rather than for
 * the database (docs/performance.md, pool size). One short query per sample: a fraction of a percent of a core.
 */
const { Client } = require('pg');

function sampleBackends(url, { intervalMs = 50 } = {}) {
  // Timeouts: a sampler that hangs must not hold the run up (stop() waits for the loop).
  const client = new Client({ connectionString: url, application_name: 'bench-pgwaits', connectionTimeoutMillis: 5000, query_timeout: 5000 });
  const counts = new Map();
  let samples = 0;
  let running = true;
  let error = null;
  // A connection lost between queries is reported as an 'error' event: without a listener it would end the benchmark.
  client.on('error', (e) => {
    error = e.message;
    running = false;
  });
  const done = (async () => {
    await client.connect();
    const database = (await client.query('SELECT current_database() AS name')).rows[0].name;
    while (running) {
      const { rows } = await client.query(
        `SELECT state, wait_event_type, wait_event FROM pg_stat_activity
          WHERE datname = $1 AND application_name = 'amparo'`,
        [database],
      );
      samples++;
      for (const row of rows) {
        const wait = row.wait_event_type && row.wait_event_type !== 'Client' ? ` (${row.wait_event_type}: ${row.wait_event})` : '';
        const key = `${row.state}${wait}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })()
    .catch((e) => (error = e.message)) // a failed sampler must not fail the run: it is reported instead
    .finally(() => client.end().catch(() => undefined));

  return {
    /** Average backends per state (with the wait event when waiting on something other than the client), by count. */
    async stop() {
      running = false;
      await done;
      const average = [...counts]
        .map(([state, n]) => [state, Math.round((n / Math.max(samples, 1)) * 100) / 100])
        .filter(([, n]) => n >= 0.01)
        .sort((a, b) => b[1] - a[1]);
      return { samples, intervalMs, averageBackends: Object.fromEntries(average), ...(error ? { error } : {}) };
    },
  };
}

module.exports = { sampleBackends };
