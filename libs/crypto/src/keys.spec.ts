import { inspect } from 'node:util';
import { KeyConfigError } from './errors';
import {
  generateKeyMaterial,
  Keyring,
  newDataKey,
  parseIndexKey,
  secretOfDataKey,
  secretOfIndexKey,
  secretOfKek,
} from './keys';

const K1 = Buffer.alloc(32, 0x11).toString('base64');
const K2 = Buffer.alloc(32, 0x22).toString('base64');
const SECRET_KEY = Buffer.from('f3a9c2d8e1b7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1', 'hex');

function configError(fn: () => unknown): KeyConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof KeyConfigError) return e;
    throw e;
  }
  throw new Error('expected a KeyConfigError');
}

// Every way an error could reach a log: message, stack, String(), inspect, JSON.
function renderings(value: unknown): string {
  return [String(value), inspect(value, { showHidden: true, depth: 10 }), JSON.stringify(value), (value as Error).stack ?? ''].join('\n');
}

function expectNoKeyBytes(text: string, key: Buffer): void {
  const b64 = key.toString('base64');
  for (const form of [b64, b64.replace(/=+$/, ''), key.toString('hex'), key.toString('base64url')]) {
    expect(text).not.toContain(form);
    expect(text).not.toContain(form.slice(0, 12));
  }
}

describe('Keyring.parse', () => {
  it('makes the first entry active and keeps the configured order', () => {
    const ring = Keyring.parse(` k2:${K2} , k1:${K1} `);
    expect(ring.activeId).toBe('k2');
    expect(ring.ids()).toEqual(['k2', 'k1']);
    expect(ring.has('k1')).toBe(true);
    expect(ring.has('k3')).toBe(false);
    expect(secretOfKek(ring, 'k1')).toEqual(Buffer.alloc(32, 0x11));
  });

  it('accepts URL-safe base64 and missing padding', () => {
    const urlSafe = SECRET_KEY.toString('base64url');
    expect(secretOfKek(Keyring.parse(`k1:${urlSafe}`), 'k1')).toEqual(SECRET_KEY);
  });

  it.each([
    ['unset', undefined, 'KEY_CONFIG_MISSING'],
    ['empty', '  ', 'KEY_CONFIG_MISSING'],
    ['an entry without id', SECRET_KEY.toString('base64'), 'KEY_CONFIG_MALFORMED'],
    ['an invalid id', `k 1:${SECRET_KEY.toString('base64')}`, 'KEY_CONFIG_MALFORMED'],
    ['a pasted key as id', `${SECRET_KEY.toString('base64')}:${K1}`, 'KEY_CONFIG_MALFORMED'],
    ['a pasted URL-safe key as id', `${SECRET_KEY.toString('base64url')}:${K1}`, 'KEY_CONFIG_MALFORMED'],
    ['a short key', `k1:${SECRET_KEY.subarray(0, 31).toString('base64')}`, 'KEY_CONFIG_MALFORMED'],
    ['a long key', `k1:${Buffer.concat([SECRET_KEY, Buffer.from([1])]).toString('base64')}`, 'KEY_CONFIG_MALFORMED'],
    ['non-base64 text', `k1:${SECRET_KEY.toString('hex')}`, 'KEY_CONFIG_MALFORMED'],
    ['an all-zero key', `k1:${Buffer.alloc(32).toString('base64')}`, 'KEY_CONFIG_MALFORMED'],
    ['a trailing comma', `k1:${SECRET_KEY.toString('base64')},`, 'KEY_CONFIG_MALFORMED'],
    ['a duplicate id', `k1:${SECRET_KEY.toString('base64')},k1:${K1}`, 'KEY_CONFIG_MALFORMED'],
    ['one key under two ids', `k2:${SECRET_KEY.toString('base64')},k1:${SECRET_KEY.toString('base64')}`, 'KEY_CONFIG_MALFORMED'],
  ])('rejects %s, naming the variable and never echoing the key', (_case, spec, code) => {
    const error = configError(() => Keyring.parse(spec, 'AMPARO_KEYS_TEST'));
    expect(error.code).toBe(code);
    expect(error.variable).toBe('AMPARO_KEYS_TEST');
    expect(error.message).toMatch(/^AMPARO_KEYS_TEST /);
    expectNoKeyBytes(renderings(error), SECRET_KEY);
  });

  it('defaults the variable name to AMPARO_KEYS', () => {
    expect(configError(() => Keyring.parse('nope')).variable).toBe('AMPARO_KEYS');
  });
});

describe('parseIndexKey', () => {
  it('parses 32 bytes of base64', () => {
    expect(secretOfIndexKey(parseIndexKey(SECRET_KEY.toString('base64')))).toEqual(SECRET_KEY);
  });

  it.each([undefined, '', SECRET_KEY.subarray(1).toString('base64'), `${SECRET_KEY.toString('base64')}!`])(
    'rejects %p naming AMPARO_INDEX_KEY without echoing it',
    (value) => {
      const error = configError(() => parseIndexKey(value));
      expect(error.variable).toBe('AMPARO_INDEX_KEY');
      expectNoKeyBytes(renderings(error), SECRET_KEY);
    },
  );
});

describe('key holders never show their bytes', () => {
  it('Keyring shows ids only', () => {
    const ring = Keyring.parse(`k1:${SECRET_KEY.toString('base64')}`);
    const text = renderings(ring) + renderings({ nested: { ring } }) + `${ring}` + JSON.stringify({ ...ring });
    expectNoKeyBytes(text, SECRET_KEY);
    expect(text).toContain('k1');
  });

  it('IndexKey is redacted', () => {
    const key = parseIndexKey(SECRET_KEY.toString('base64'));
    expectNoKeyBytes(renderings(key) + renderings([key]) + JSON.stringify({ ...key }), SECRET_KEY);
  });

  it('DataKey is redacted', () => {
    const dek = newDataKey();
    const text = renderings(dek) + renderings({ dek }) + JSON.stringify({ ...dek }) + `${dek}`;
    expectNoKeyBytes(text, secretOfDataKey(dek));
    expect(text).toContain('redacted');
  });
});

describe('newDataKey / generateKeyMaterial', () => {
  it('makes distinct 256-bit data keys', () => {
    const [a, b] = [secretOfDataKey(newDataKey()), secretOfDataKey(newDataKey())];
    expect(a).toHaveLength(32);
    expect(a.equals(b)).toBe(false);
  });

  it('generates material the parsers accept, fresh each time', () => {
    const material = generateKeyMaterial();
    expect(Keyring.parse(material.keys).ids()).toEqual(['k1']);
    expect(() => parseIndexKey(material.indexKey)).not.toThrow();
    expect(Buffer.from(material.jwtSecret, 'base64')).toHaveLength(32);
    const other = generateKeyMaterial();
    expect(new Set([material.keys, material.indexKey, material.jwtSecret, other.keys]).size).toBe(4);
  });
});
