'use strict';
/**
 * Summarizes a V8 .cpuprofile (node --cpu-prof, e.g. BENCH_CPU_PROF=1 npm run bench, or any API run) into CPU time
 * per category, counting only samples after the first one inside `marker` (default insertCase: boot is excluded).
 *
 *   node bench/tools/cpuprofile-summary.js <file.cpuprofile> [marker] [requests]
 *
 * With `requests` (how many requests the window served), it prints milliseconds of CPU per request.
 */
const { readFileSync } = require('node:fs');

const [file, marker = 'insertCase', requestsArg = '1'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/tools/cpuprofile-summary.js <file.cpuprofile> [marker] [requests]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stackOf = (id) => {
  const frames = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) frames.push(byId.get(cur).callFrame);
  return frames;
};

/**
 * Each sample goes to the category of its nearest frame (from the sampled function towards the root) that belongs to
 * one: so crypto called inside a TypeORM transaction counts as crypto, and a syscall as a syscall.
 */
const FRAME_RULES = [
  ['socket writes (syscalls)', (f) => f.functionName === 'writev' || f.functionName === 'writeBuffer' || /_writeGeneric/.test(f.functionName)],
  ['deadline rules (luxon, date-holidays)', (f) => /node_modules\/(luxon|date-holidays)/.test(f.url) || /\/dist\/libs\/deadlines\/src\/domain\//.test(f.url) || /computeDeadlines|assessUrgency|computeFlags|toDeadlineView|localWhen|formatLocal|planNew/.test(f.functionName)],
  ['field crypto and blind indexes', (f) => /\/dist\/libs\/crypto\//.test(f.url) || /case-cipher/.test(f.url)],
  ['audit chain (hashing, canonical JSON)', (f) => /\/dist\/libs\/audit\//.test(f.url)],
  ['JWT verification', (f) => /jsonwebtoken|passport-jwt|\/passport\//.test(f.url)],
  ['DTO validation', (f) => /class-validator|class-transformer/.test(f.url) || /\/dist\/libs\/common\/src\/valid/.test(f.url)],
  ['pg driver', (f) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-array|postgres-date|postgres-bytea)\//.test(f.url)],
  ['logging (pino)', (f) => /pino/.test(f.url)],
  ['express, helmet, body parsing', (f) => /node_modules\/(express|router|body-parser|raw-body|helmet|finalhandler|on-finished|iconv-lite)\//.test(f.url)],
  ['nest', (f) => /@nestjs/.test(f.url)],
  ['typeorm', (f) => /node_modules\/typeorm\//.test(f.url)],
  ['application code (dist/)', (f) => /\/dist\//.test(f.url)],
];

function categoryOf(stack) {
  if (stack[0].functionName === '(idle)') return 'idle';
  if (stack[0].functionName === '(garbage collector)') return 'garbage collection';
  for (const frame of stack) {
    const rule = FRAME_RULES.find(([, test]) => test(frame));
    if (rule) return rule[0];
  }
  return 'node internals, other';
}

let started = false;
let total = 0;
const byCategory = new Map();
const selfByFunction = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const stack = stackOf(profile.samples[i]);
  if (!started) {
    if (!stack.some((f) => f.functionName === marker)) continue;
    started = true;
  }
  const dt = profile.timeDeltas[i + 1] ?? 0;
  total += dt;
  const category = categoryOf(stack);
  byCategory.set(category, (byCategory.get(category) ?? 0) + dt);
  const f = stack[0];
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/dist\//, 'dist/')}:${f.lineNumber}`;
  selfByFunction.set(key, (selfByFunction.get(key) ?? 0) + dt);
}
const requests = Number(requestsArg);
const row = (v) => `${(v / 1e3).toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)}% ${(v / 1e3 / requests).toFixed(2).padStart(7)} ms/request`;
process.stdout.write(`window after the first "${marker}" sample: ${(total / 1e3).toFixed(0)} ms of samples, ${requests} request(s)\n`);
for (const [k, v] of [...byCategory].sort((a, b) => b[1] - a[1])) process.stdout.write(`${row(v)}  ${k}\n`);
process.stdout.write('--- top functions by self time\n');
for (const [k, v] of [...selfByFunction].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${row(v)}  ${k}\n`);
