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

  it('a data directory that cannot be made or written is a configuration error naming AMPARO_DATA_DIR, not a stack', () => {
    writeFileSync(join(dir, 'a-file'), '');
    expect(() => loadOrCreateDevSecrets(join(dir, 'a-file', 'data'))).toThrow(/^Configuration error: AMPARO_DATA_DIR cannot hold the development keys \(ENOTDIR/);
  });

  it('a file from before audit seals gets an audit key derived from it, the same in every process, kept out of the file', () => {
    const { AMPARO_AUDIT_KEYS: _, ...older } = loadOrCreateDevSecrets(dir).secrets;
    writeFileSync(join(dir, 'keys.json'), JSON.stringify(older));
    const first = loadOrCreateDevSecrets(dir).secrets;
    expect(first.AMPARO_AUDIT_KEYS).toMatch(/^dev1:[A-Za-z0-9+/]{43}=$/);
    expect(loadOrCreateDevSecrets(dir).secrets.AMPARO_AUDIT_KEYS).toBe(first.AMPARO_AUDIT_KEYS);
    expect(Object.values(older)).not.toContain(first.AMPARO_AUDIT_KEYS);
    expect(JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8'))).toEqual(older);
  });

  it('leaves no temporary file behind', () => {
    loadOrCreateDevSecrets(dir);
    expect(readdirSync(dir)).toEqual(['keys.json']);
  });
});
