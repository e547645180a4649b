import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadOrCreateDevSecrets } from './dev-secrets';

describe('loadOrCreateDevSecrets', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'amparo-dev-keys-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file once, owner-only, and reads the same keys back', () => {
    const first = loadOrCreateDevSecrets(dir);
    expect(first.created).toBe(true);
    const again = loadOrCreateDevSecrets(dir);
    expect(again).toEqual({ ...first, created: false });
    expect(JSON.parse(readFileSync(first.path, 'utf8'))).toEqual(first.secrets);
  });

  it('a damaged file is a configuration error naming it, not a SyntaxError', () => {
    writeFileSync(join(dir, 'keys.json'), '{"AMPARO_KEYS": "dev1:abc"');
    expect(() => loadOrCreateDevSecrets(dir)).toThrow(ConfigError);
    writeFileSync(join(dir, 'keys.json'), '{"AMPARO_KEYS": "dev1:abc"}');
    expect(() => loadOrCreateDevSecrets(dir)).toThrow(/lacks AMPARO_INDEX_KEY, AMPARO_JWT_SECRET/);
  });

  it('leaves no temporary file behind', () => {
    loadOrCreateDevSecrets(dir);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });
});
