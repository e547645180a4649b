import fc from 'fast-check';
import { decryptField, encryptField, fieldKeyId } from './fields';
import { CryptoIntegrityError } from './errors';
import { newDataKey } from './keys';

const dek = newDataKey();
const place = { table: 'client', column: 'a_number', rowId: '5f0c1a2e-7d3b-4c1e-9a8f-0b1c2d3e4f50' };
const canary = 'A-CANARY-999-000-111';

function expectIntegrityError(fn: () => unknown): void {
  expect(fn).toThrow(CryptoIntegrityError);
}

describe('encryptField / decryptField', () => {
  it('round-trips and writes v1 | kidLength | kid | nonce | ciphertext | tag', () => {
    const ct = encryptField(dek, 'dek-7', canary, place);
    expect(decryptField(dek, ct, place)).toBe(canary);
    expect(ct[0]).toBe(0x01);
    expect(ct[1]).toBe(5);
    expect(ct.subarray(2, 7).toString('ascii')).toBe('dek-7');
    expect(ct).toHaveLength(2 + 5 + 12 + Buffer.byteLength(canary) + 16);
    expect(ct.toString('latin1')).not.toContain(canary);
    expect(fieldKeyId(ct)).toBe('dek-7');
  });

  it('uses a fresh nonce every time', () => {
    const [a, b] = [encryptField(dek, 'd', canary, place), encryptField(dek, 'd', canary, place)];
    expect(a.subarray(3, 15).equals(b.subarray(3, 15))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('accepts a plain Uint8Array, as a driver may return', () => {
    const ct = encryptField(dek, 'd', canary, place);
    expect(decryptField(dek, new Uint8Array(ct), place)).toBe(canary);
  });

  it.each([
    ['another row', { ...place, rowId: '5f0c1a2e-7d3b-4c1e-9a8f-0b1c2d3e4f51' }],
    ['another column', { ...place, column: 'phone' }],
    ['another table', { ...place, table: 'caller' }],
  ])('fails when moved to %s', (_case, elsewhere) => {
    const ct = encryptField(dek, 'd', canary, place);
    expectIntegrityError(() => decryptField(dek, ct, elsewhere));
  });

  it('binds the place without ambiguity when values contain separators', () => {
    const ct = encryptField(dek, 'd', canary, { table: 'client', column: 'a|b', rowId: 'c' });
    expectIntegrityError(() => decryptField(dek, ct, { table: 'client', column: 'a', rowId: 'b|c' }));
    expectIntegrityError(() => decryptField(dek, ct, { table: 'client|a', column: 'b', rowId: 'c' }));
  });

  it('fails under another data key', () => {
    const ct = encryptField(dek, 'd', canary, place);
    expectIntegrityError(() => decryptField(newDataKey(), ct, place));
  });

  it('rejects a flipped bit anywhere: header, nonce, body or tag', () => {
    const ct = encryptField(dek, 'dek-7', 'Zoë', place);
    for (let bit = 0; bit < ct.length * 8; bit++) {
      const tampered = Buffer.from(ct);
      tampered[bit >> 3] ^= 1 << (bit & 7);
      expectIntegrityError(() => decryptField(dek, tampered, place));
    }
  });

  it('authenticates the key id in the header', () => {
    const ct = encryptField(dek, 'dek-7', canary, place);
    const relabelled = Buffer.from(ct);
    relabelled.write('dek-8', 2, 'ascii');
    expectIntegrityError(() => decryptField(dek, relabelled, place));
  });

  it('rejects a truncated tag and anything shorter than header + nonce + tag', () => {
    const ct = encryptField(dek, 'd', '', place);
    expect(ct).toHaveLength(3 + 12 + 16);
    for (let length = 0; length < ct.length; length++) {
      expectIntegrityError(() => decryptField(dek, ct.subarray(0, length), place));
    }
    const long = encryptField(dek, 'd', canary, place);
    for (let cut = 1; cut <= 16; cut++) {
      expectIntegrityError(() => decryptField(dek, long.subarray(0, long.length - cut), place));
    }
  });

  it('rejects an unknown version with a clear reason', () => {
    const ct = encryptField(dek, 'd', canary, place);
    ct[0] = 0x02;
    expect(() => decryptField(dek, ct, place)).toThrow(/unsupported format version/);
  });

  it('refuses a string that UTF-8 cannot carry unchanged (lone surrogate)', () => {
    expect(() => encryptField(dek, 'd', 'ab\uD800c', place)).toThrow(TypeError);
  });

  it('refuses an empty place or a bad key id instead of encrypting unbound', () => {
    expect(() => encryptField(dek, 'd', canary, { ...place, rowId: '' })).toThrow(TypeError);
    expect(() => encryptField(dek, 'has space', canary, place)).toThrow(TypeError);
    expect(() => encryptField(dek, '', canary, place)).toThrow(TypeError);
  });

  it('round-trips arbitrary Unicode, the empty string included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1 }), (text, rowId) => {
        const where = { ...place, rowId };
        expect(decryptField(dek, encryptField(dek, 'd', text, where), where)).toBe(text);
      }),
      { numRuns: 300, examples: [['', 'row'], ['María José Peña-García', 'row'], ['𝔘𝔫𝔦𝔠𝔬𝔡𝔢 👩🏽‍⚖️', 'row']] },
    );
  });

  it('for any code unit sequence: round-trips, or refuses if it is not well-formed', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 50 }), (text) => {
        const wellFormed = (text as unknown as { isWellFormed(): boolean }).isWellFormed();
        if (wellFormed) expect(decryptField(dek, encryptField(dek, 'd', text, place), place)).toBe(text);
        else expect(() => encryptField(dek, 'd', text, place)).toThrow(TypeError);
      }),
      { numRuns: 300 },
    );
  });
});
