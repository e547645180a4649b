'use strict';
/**
 * Why the API's RSS grows under intake load: luxon's IANAZone.isValidZone (called by the deadline rules'
 * requireZone on every calendar step) builds a new Intl.DateTimeFormat each time. Each one holds native ICU memory that
 * V8 does not see (the heap barely moves), so garbage collection is not triggered by it and RSS climbs.
 *
 *   node bench/tools/intl-memory.js [count]
 *
 * Prints RSS and heap before and after `count` (default 20000) validity checks, uncached and memoized.
 */
const { IANAZone } = require('luxon');

const count = Number(process.argv[2] ?? 20000);
const mib = (b) => Math.round(b / 2 ** 20);
function measure(label, check) {
  const before = process.memoryUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) check('America/Chicago');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const after = process.memoryUsage();
  process.stdout.write(
    `${label}: ${count} checks in ${ms.toFixed(0)} ms (${((ms * 1000) / count).toFixed(1)} µs each); ` +
      `RSS ${mib(before.rss)} → ${mib(after.rss)} MiB, V8 heap used ${mib(before.heapUsed)} → ${mib(after.heapUsed)} MiB\n`,
  );
}
const valid = new Set();
measure('memoized (Set of valid zones)', (z) => valid.has(z) || (IANAZone.isValidZone(z) && valid.add(z)));
measure('IANAZone.isValidZone, uncached', (z) => IANAZone.isValidZone(z));
