'use strict';
/**
 * Preloaded into the API process by the benchmark (node -r bench/lib/memlog.js): once a second, appends
 * process.memoryUsage() as one JSON line to $BENCH_MEMLOG, so peak RSS can be split into V8 heap, external memory
 * and the rest. Passive: an unref'd timer, nothing else.
 */
const { appendFileSync } = require('node:fs');

const file = process.env.BENCH_MEMLOG;
if (file) {
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    try {
      appendFileSync(file, `${JSON.stringify({ t: Date.now(), rss: m.rss, heapTotal: m.heapTotal, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers })}\n`);
    } catch {
      /* the benchmark directory went away: stop quietly */
      clearInterval(timer);
    }
  }, 1000);
  timer.unref();
}
