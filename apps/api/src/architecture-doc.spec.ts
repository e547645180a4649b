import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** The @amparo/* libraries a source tree imports (specs excluded), itself aside. */
function importsOf(dir: string, self: string | null): string[] {
  const found = new Set<string>();
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) {
        for (const [, lib] of readFileSync(full, 'utf8').matchAll(/from '@amparo\/([a-z-]+)'/g)) if (lib !== self) found.add(lib);
      }
    }
  };
  walk(dir);
  return [...found].sort();
}

/** The list docs/architecture.md gives, "name → deps" per line (a line without an arrow: no dependency). */
function documented(): Map<string, string[]> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const block = doc.split('Exactly (from the imports of each `src/`')[1].split('```')[1];
  const entries = block.trim().split('\n').map((line) => {
    const [name, deps] = line.split('→').map((part) => part.trim());
    const list = deps === undefined ? [] : deps.replace(/, plus .*$/, '').split(',').map((d) => d.trim());
    return [name.split(/\s+/)[0], list.sort()] as [string, string[]];
  });
  return new Map(entries);
}

describe('docs/architecture.md: the libraries each one imports', () => {
  it('lists every library with exactly the libraries its source imports', () => {
    const libs = readdirSync(join(ROOT, 'libs')).sort();
    const doc = documented();
    expect([...doc.keys()].filter((name) => name !== 'apps/api').sort()).toEqual(libs);
    for (const lib of libs) expect({ lib, imports: doc.get(lib) }).toEqual({ lib, imports: importsOf(join(ROOT, 'libs', lib, 'src'), lib) });
    expect(doc.get('apps/api')).toEqual(importsOf(join(ROOT, 'apps', 'api', 'src'), null));
  });
});
