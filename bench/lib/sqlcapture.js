'use strict';
/**
 * Preloaded into the API process by the benchmark (node -r bench/lib/sqlcapture.js). While capture is on (toggled by
 * SIGUSR2), every statement the API sends through `pg` is appended, with its parameters, as one JSON line to
 * $BENCH_SQLCAPTURE when it finishes, with its duration as the API saw it (ms). The benchmark turns it on around single requests after all timings are taken, then EXPLAINs
 * the captured queries: the plans always match the code being measured, with no SQL copied into the benchmark.
 * Off (the default), it costs one boolean test per query.
 */
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_SQLCAPTURE;
if (file) {
  let on = false;
  process.on('SIGUSR2', () => {
    on = !on;
    appendFileSync(file, `${JSON.stringify({ marker: on ? 'on' : 'off', t: Date.now() })}\n`);
  });
  const encode = (v) => {
    if (Buffer.isBuffer(v)) return { $bytea: v.toString('base64') };
    if (v instanceof Date) return { $date: v.toISOString() };
    if (Array.isArray(v)) return v.map(encode);
    return v;
  };
  const pg = require('pg');
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function capture(config, values, callback) {
    if (!on) return query.apply(this, arguments);
    const text = typeof config === 'string' ? config : config?.text;
    const params = Array.isArray(values) ? values : config?.values;
    const started = process.hrtime.bigint();
    // Written when the statement has finished, with how long it took as the API saw it (round trip included).
    const record = () => {
      try {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        appendFileSync(file, `${JSON.stringify({ t: Date.now(), ms: Math.round(ms * 1000) / 1000, text, params: (params ?? []).map(encode) })}\n`);
      } catch {
        /* never disturb the query */
      }
    };
    const result = query.apply(this, arguments);
    if (result && typeof result.then === 'function') result.then(record, record);
    else record();
    return result;
  };
}
