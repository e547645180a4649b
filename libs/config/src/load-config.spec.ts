import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const goodSecrets = {
  AMPARO_KEYS: `k2:${key(2)},k1:${key(1)}`,
  AMPARO_INDEX_KEY: key(3),
  AMPARO_JWT_SECRET: key(4),
  AMPARO_AUDIT_KEYS: `a1:${key(5)}`,
};
const made: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'amparo-config-'));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    const config = loadConfig({ ...goodSecrets }, tmp());
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeNull();
    expect(config.databaseOwnerUrl).toBeNull();
    expect(config.secrets.generated).toBe(false);
    expect(config.smtp).toBeNull();
    expect(config.bodyLimit).toBe('512kb');
  });

  it('reads a body limit in bytes, kb or mb, and an http(s) public URL', () => {
    expect(loadConfig({ ...goodSecrets, BODY_LIMIT: '1MB', PUBLIC_URL: 'https://amparo.example.org' }, tmp())).toMatchObject({
      bodyLimit: '1MB',
      publicUrl: 'https://amparo.example.org',
    });
    expect(loadConfig({ ...goodSecrets, BODY_LIMIT: '204800' }, tmp()).bodyLimit).toBe('204800');
  });

  it('takes a sender address alone or after a name', () => {
    for (const from of ['no-reply@example.org', 'Amparo <no-reply@example.org>', '"Amparo, Example Org" <no-reply@example.org>', ' Amparo<no-reply@example.org> ',
      'amparo@localhost', 'Amparo <no-reply@mail-relay>', 'amparo@[127.0.0.1]']) {
      expect(loadConfig({ ...goodSecrets, SMTP_HOST: 'mail.example.org', SMTP_FROM: from }, tmp()).smtp?.from).toBe(from.trim());
    }
  });

  it('drops the trailing slashes of the public URL, which paths are appended to', () => {
    expect(loadConfig({ ...goodSecrets, PUBLIC_URL: 'https://amparo.example.org/' }, tmp()).publicUrl).toBe('https://amparo.example.org');
    expect(loadConfig({ ...goodSecrets, PUBLIC_URL: 'https://example.org/amparo//' }, tmp()).publicUrl).toBe('https://example.org/amparo');
  });

  it('reads the owner\'s URL beside the application\'s, for two different roles', () => {
    const config = loadConfig({ ...goodSecrets, DATABASE_URL: 'postgres://amparo_app:a@db/amparo', DATABASE_OWNER_URL: 'postgres://amparo:b@db/amparo' }, tmp());
    expect(config).toMatchObject({ databaseUrl: 'postgres://amparo_app:a@db/amparo', databaseOwnerUrl: 'postgres://amparo:b@db/amparo' });
    expect(loadConfig({ ...goodSecrets, DATABASE_URL: 'postgres://u:50%25off@db/amparo' }, tmp()).databaseUrl).toBe('postgres://u:50%25off@db/amparo');
  });

  it.each([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '0' }],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x@y/z' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://u:50%off@127.0.0.1:1/db' }],
    ['DATABASE_OWNER_URL', { DATABASE_URL: 'postgres://app:p@db/amparo', DATABASE_OWNER_URL: 'mysql://x@y/z' }],
    ['DATABASE_OWNER_URL', { DATABASE_OWNER_URL: 'postgres://owner:p@db/amparo' }],
    ['DATABASE_OWNER_URL', { DATABASE_URL: 'postgres://amparo:a@db/amparo', DATABASE_OWNER_URL: 'postgres://amparo:b@db/amparo' }],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://db/amparo', DATABASE_OWNER_URL: 'postgres://owner:p@db/amparo' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['AMPARO_KEYS', { AMPARO_KEYS: 'k1:short' }],
    ['AMPARO_KEYS', { AMPARO_KEYS: `k1:${key(1)},k1:${key(2)}` }],
    ['AMPARO_KEYS', { AMPARO_KEYS: key(1) }],
    ['AMPARO_INDEX_KEY', { AMPARO_INDEX_KEY: 'abc' }],
    // The last character mistyped (N for M) still decodes to 32 bytes, which base64 never writes so.
    ['AMPARO_INDEX_KEY', { AMPARO_INDEX_KEY: key(3).replace(/M=$/, 'N=') }],
    ['AMPARO_KEYS', { AMPARO_KEYS: `k1:${key(1).replace(/E=$/, 'F=')}` }],
    ['AMPARO_JWT_SECRET', { AMPARO_JWT_SECRET: 'secret' }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'nobody' }],
    ['ADMIN_PASSWORD', { ADMIN_PASSWORD: 'short' }],
    ['ADMIN_PASSWORD', { ADMIN_PASSWORD: 'a long passphrase '.repeat(12) }],
    ['SMTP_FROM', { SMTP_HOST: 'mail.example.org' }],
    ['SMTP_FROM', { SMTP_HOST: 'mail.example.org', SMTP_FROM: 'a' }],
    ['SMTP_FROM', { SMTP_HOST: 'mail.example.org', SMTP_FROM: 'Amparo no-reply@example.org' }],
    ['SMTP_FROM', { SMTP_HOST: 'mail.example.org', SMTP_FROM: '<>' }],
    ['SMTP_FROM', { SMTP_HOST: 'mail.example.org', SMTP_FROM: 'Amparo <no-reply@example.org' }],
    ['BODY_LIMIT', { BODY_LIMIT: 'banana' }],
    ['BODY_LIMIT', { BODY_LIMIT: '10' }],
    ['BODY_LIMIT', { BODY_LIMIT: '1gb' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'amparo.example.org' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'ftp://amparo.example.org' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://amparo.example.org/?x=1' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'https://amparo.example.org/#feed' }],
    // Sign-in refuses these (class-validator's IsEmail): an admin created with one could never sign in.
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'admin@10.0.0.5' }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'admin@legal_aid.org' }],
    ['ADMIN_EMAIL', { ADMIN_EMAIL: 'first..last@example.org' }],
  ])('names %s when it is malformed', (variable, overrides) => {
    const error = errorOf(() => loadConfig({ ...goodSecrets, ...overrides }, tmp()));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(variable);
  });

  it.each([
    ['the index key equal to a key of the keyring', { AMPARO_INDEX_KEY: key(1) }, 'AMPARO_INDEX_KEY', 'AMPARO_KEYS key "k1"'],
    ['the token secret equal to the index key', { AMPARO_JWT_SECRET: key(3) }, 'AMPARO_JWT_SECRET', 'AMPARO_INDEX_KEY'],
    ['one key under two ids of the keyring', { AMPARO_KEYS: `k2:${key(2)},k1:${key(2)}` }, 'AMPARO_KEYS key "k1"', 'AMPARO_KEYS key "k2"'],
    ['an all-zero key', { AMPARO_INDEX_KEY: key(0) }, 'AMPARO_INDEX_KEY', 'all zero'],
    ['a key whose last character is not as base64 writes it', { AMPARO_AUDIT_KEYS: `a1:${key(5).replace(/U=$/, 'V=')}` }, 'AMPARO_AUDIT_KEYS', 'its last character before "="'],
  ])('refuses %s', (_what, overrides, variable, named) => {
    const error = errorOf(() => loadConfig({ ...goodSecrets, ...overrides }, tmp()));
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(named);
  });

  it('never echoes key material in the error', () => {
    const secretish = 'k1:' + 'Q'.repeat(40);
    const error = errorOf(() => loadConfig({ ...goodSecrets, AMPARO_KEYS: secretish }, tmp()));
    expect(error.message).not.toContain('QQQQ');
  });

  it('generates dev secrets once into the data dir and reuses them', () => {
    const cwd = tmp();
    const first = loadConfig({}, cwd);
    const second = loadConfig({}, cwd);
    expect(first.secrets.generated).toBe(true);
    expect(second.secrets).toEqual(first.secrets);
    const stored = JSON.parse(readFileSync(join(cwd, '.data', 'keys.json'), 'utf8'));
    expect(stored.AMPARO_KEYS).toBe(first.secrets.keyring);
  });

  it('refuses missing secrets in production, naming them', () => {
    const error = errorOf(() => loadConfig({ NODE_ENV: 'production', AMPARO_KEYS: goodSecrets.AMPARO_KEYS }, tmp()));
    expect(error.variable).toBe('AMPARO_INDEX_KEY, AMPARO_JWT_SECRET, AMPARO_AUDIT_KEYS');
  });

  it('reads the audit keys as a keyring, each key distinct from every other secret', () => {
    const config = loadConfig({ ...goodSecrets, AMPARO_AUDIT_KEYS: `a2:${key(6)},a1:${key(5)}` }, tmp());
    expect(config.secrets.auditKeys).toBe(`a2:${key(6)},a1:${key(5)}`);
    expect(errorOf(() => loadConfig({ ...goodSecrets, AMPARO_AUDIT_KEYS: key(5) }, tmp())).variable).toBe('AMPARO_AUDIT_KEYS');
    const reused = errorOf(() => loadConfig({ ...goodSecrets, AMPARO_AUDIT_KEYS: `a1:${key(3)}` }, tmp()));
    expect(reused.message).toMatch(/AMPARO_AUDIT_KEYS key "a1" is the same key as AMPARO_INDEX_KEY/);
    expect(errorOf(() => loadConfig({ ...goodSecrets, NODE_ENV: 'production', AMPARO_AUDIT_KEYS: `dev1:${key(5)}` }, tmp())).variable).toBe('AMPARO_AUDIT_KEYS');
  });

  it('refuses generated dev keys in production', () => {
    const cwd = tmp();
    const dev = loadConfig({}, cwd).secrets;
    const error = errorOf(() =>
      loadConfig(
        { NODE_ENV: 'production', AMPARO_KEYS: dev.keyring, AMPARO_INDEX_KEY: dev.indexKey, AMPARO_JWT_SECRET: dev.jwtSecret, AMPARO_AUDIT_KEYS: dev.auditKeys },
        cwd,
      ),
    );
    expect(error.variable).toBe('AMPARO_KEYS');
  });
});
