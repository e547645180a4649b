import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The API's memory settings (docs/performance.md, "Memory"): glibc's malloc arenas capped, and a V8 heap limit that
 * makes the collector run at a small multiple of the live heap. They live in three places that start the API, which
 * must agree: `npm start`, `npm run start:prod` and the container image. The npm scripts are run for real, with the
 * server swapped for a probe that reports what the process got.
 */
const ROOT = join(__dirname, '..', '..', '..');
const HEAP_MIB = 1024;
const PROBE = `-e "const v8=require('node:v8');console.log(JSON.stringify({arenas:process.env.MALLOC_ARENA_MAX,oldSpaceMiB:v8.getHeapStatistics().heap_size_limit/1048576}))"`;

const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;

function runScript(name: string, nodeOptions?: string): { arenas: string; oldSpaceMiB: number } {
  const line = scripts[name].replace(/^nest build api && /, '');
  expect(line).toContain(' exec node dist/apps/api/src/main.js');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (nodeOptions !== undefined) env.NODE_OPTIONS = nodeOptions;
  const out = execFileSync('sh', ['-c', line.replace('dist/apps/api/src/main.js', PROBE)], { cwd: ROOT, env, encoding: 'utf8' });
  return JSON.parse(out);
}

describe('the memory settings of every way the API starts', () => {
  it.each(['start', 'start:prod'])('npm run %s: two malloc arenas and a heap limit of 1 GiB', (name) => {
    const got = runScript(name);
    expect(got.arenas).toBe('2');
    // heap_size_limit is the old space limit plus the young generation's share (a few tens of MiB).
    expect(got.oldSpaceMiB).toBeGreaterThanOrEqual(HEAP_MIB);
    expect(got.oldSpaceMiB).toBeLessThan(HEAP_MIB + 128);
  });

  it.each(['start', 'start:prod'])("npm run %s: the operator's NODE_OPTIONS is kept and can set another limit", (name) => {
    const got = runScript(name, '--max-old-space-size=700');
    expect(got.oldSpaceMiB).toBeGreaterThanOrEqual(700);
    expect(got.oldSpaceMiB).toBeLessThan(700 + 128);
  });

  it('the container image and the benchmark set the same values', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const runtime = dockerfile.slice(dockerfile.indexOf('AS runtime'));
    expect(runtime).toMatch(/MALLOC_ARENA_MAX=2\b/);
    expect(runtime).toContain(`NODE_OPTIONS=--max-old-space-size=${HEAP_MIB}`);
    const bench = readFileSync(join(ROOT, 'bench', 'lib', 'api.js'), 'utf8');
    expect(bench).toContain(`MALLOC_ARENA_MAX: '2'`);
    expect(bench).toContain(`NODE_OPTIONS: '--max-old-space-size=${HEAP_MIB}'`);
  });
});
