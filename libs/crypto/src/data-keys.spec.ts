import { rewrap, unwrapDataKey, wrapDataKey, wrappedKeyId } from './data-keys';
import { CryptoIntegrityError, UnknownKeyError } from './errors';
import { decryptField, encryptField } from './fields';
import { DataKey, Keyring, newDataKey, secretOfDataKey } from './keys';

const key = (fill: number) => Buffer.alloc(32, fill).toString('base64');
const onlyK1 = Keyring.parse(`k1:${key(0x11)}`);
const k2Active = Keyring.parse(`k2:${key(0x22)},k1:${key(0x11)}`);
const onlyK2 = Keyring.parse(`k2:${key(0x22)}`);
const caseA = 'case:0b5e3c1a-6f2d-4e8b-9c7a-1d2e3f405162';
const caseB = 'case:0b5e3c1a-6f2d-4e8b-9c7a-1d2e3f405163';

function sameKey(a: DataKey, b: DataKey): boolean {
  return secretOfDataKey(a).equals(secretOfDataKey(b));
}

describe('wrapDataKey / unwrapDataKey', () => {
  it('round-trips under the active KEK and names it in the header', () => {
    const dek = newDataKey();
    const wrapped = wrapDataKey(k2Active, dek, caseA);
    expect(wrappedKeyId(wrapped)).toBe('k2');
    expect(wrapped).toHaveLength(2 + 2 + 12 + 32 + 16);
    expect(wrapped.includes(secretOfDataKey(dek))).toBe(false);
    expect(sameKey(unwrapDataKey(k2Active, wrapped, caseA), dek)).toBe(true);
  });

  it('fails for another case (context is authenticated)', () => {
    const wrapped = wrapDataKey(onlyK1, newDataKey(), caseA);
    expect(() => unwrapDataKey(onlyK1, wrapped, caseB)).toThrow(CryptoIntegrityError);
  });

  it('fails under a different key that carries the same id', () => {
    const wrapped = wrapDataKey(onlyK1, newDataKey(), caseA);
    const impostor = Keyring.parse(`k1:${key(0x44)}`);
    expect(() => unwrapDataKey(impostor, wrapped, caseA)).toThrow(CryptoIntegrityError);
  });

  it('rejects a flipped bit anywhere', () => {
    const wrapped = wrapDataKey(k2Active, newDataKey(), caseA);
    for (let bit = 0; bit < wrapped.length * 8; bit++) {
      const tampered = Buffer.from(wrapped);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      expect(() => unwrapDataKey(k2Active, tampered, caseA)).toThrow(CryptoIntegrityError);
    }
  });

  it('rejects a truncated wrap', () => {
    const wrapped = wrapDataKey(onlyK1, newDataKey(), caseA);
    for (let cut = 1; cut <= wrapped.length; cut++) {
      expect(() => unwrapDataKey(onlyK1, wrapped.subarray(0, wrapped.length - cut), caseA)).toThrow(CryptoIntegrityError);
    }
  });

  it('names a missing KEK with its own code', () => {
    const wrapped = wrapDataKey(onlyK1, newDataKey(), caseA);
    let error: unknown;
    try {
      unwrapDataKey(onlyK2, wrapped, caseA);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect(error).toBeInstanceOf(CryptoIntegrityError);
    expect(error).toMatchObject({ code: 'CRYPTO_UNKNOWN_KEY', keyId: 'k1' });
  });
});

describe('KEK rotation', () => {
  it('keeps k1 data readable, wraps new keys under k2, rewraps, then lets k1 go', () => {
    const place = { table: 'client', column: 'last_name', rowId: 'r1' };
    const dek = newDataKey();
    const wrappedByK1 = wrapDataKey(onlyK1, dek, caseA);
    const field = encryptField(dek, 'dek-a', 'Testperson', place);

    // k2 becomes active; nothing re-encrypted yet.
    const readDuring = unwrapDataKey(k2Active, wrappedByK1, caseA);
    expect(decryptField(readDuring, field, place)).toBe('Testperson');
    expect(wrappedKeyId(wrapDataKey(k2Active, newDataKey(), caseB))).toBe('k2');

    const rewrapped = rewrap(k2Active, wrappedByK1, caseA);
    expect(wrappedKeyId(rewrapped)).toBe('k2');
    expect(sameKey(unwrapDataKey(k2Active, rewrapped, caseA), dek)).toBe(true);

    // k1 retired: the rewrapped key still opens, the old wrap no longer does, the field data never changed.
    expect(decryptField(unwrapDataKey(onlyK2, rewrapped, caseA), field, place)).toBe('Testperson');
    expect(() => unwrapDataKey(onlyK2, wrappedByK1, caseA)).toThrow(UnknownKeyError);
  });

  it('returns a wrap already under the active KEK unchanged, after authenticating it', () => {
    const wrapped = wrapDataKey(k2Active, newDataKey(), caseA);
    expect(rewrap(k2Active, wrapped, caseA).equals(wrapped)).toBe(true);
    const tampered = Buffer.from(wrapped);
    tampered[tampered.length - 1] ^= 1;
    expect(() => rewrap(k2Active, tampered, caseA)).toThrow(CryptoIntegrityError);
  });

  it('does not rewrap into another case', () => {
    const wrapped = wrapDataKey(onlyK1, newDataKey(), caseA);
    expect(() => rewrap(k2Active, wrapped, caseB)).toThrow(CryptoIntegrityError);
  });
});

describe('format v1 stays readable', () => {
  // Made once by this code and checked independently with Python's `cryptography` AESGCM against the
  // documented layout. A failure here means stored data written by an earlier build can no longer be read.
  const wrapped = Buffer.from(
    '01026b31ed3c9f17ccdff420957197ca9ccc57ba2f6db44317cc109b4eb067eca649f6784a416a1d9185cb95028f4ac1aef726d2b8e5db1a910cf145385093af',
    'hex',
  );
  const field = Buffer.from(
    '010564656b2d317cffe277c366d9b0197e7844b98ad21a9f6ae3134246caa0fe5d400c4f64eaef243afa12f50f600007a0795d264e6210',
    'hex',
  );
  const rowId = '11111111-2222-4333-8444-555555555555';

  it('decrypts a stored wrapped DEK and field', () => {
    const dek = unwrapDataKey(onlyK1, wrapped, `case:${rowId}`);
    expect(decryptField(dek, field, { table: 'client', column: 'a_number', rowId })).toBe('A-CANARY-999-000-111');
  });
});
