import fc from 'fast-check';
import { BLIND_INDEX_BYTES, blindIndex, BlindIndexKind } from './blind-index';
import { parseIndexKey } from './keys';
import { normalizeANumber, normalizeNameDob, normalizePersonName, normalizePhone } from './normalize';

const key = parseIndexKey(Buffer.alloc(32, 0x33).toString('base64'));
const otherKey = parseIndexKey(Buffer.alloc(32, 0x34).toString('base64'));

describe('blindIndex', () => {
  it('matches known answers (computed independently in Python: HMAC(HMAC(key, label), value)[:16])', () => {
    // Changing these invalidates every stored index: that needs a re-index migration, not a test edit.
    expect(blindIndex(key, 'a_number', '123456789')).toBe('bd8982c8353951cbcfa79e818a1a2d2f');
    expect(blindIndex(key, 'phone', '+15125550123')).toBe('98933ad301e9b8164bf011cbf1ecd379');
  });

  it('is deterministic and 16 bytes of hex', () => {
    const index = blindIndex(key, 'phone', '+15125550123');
    expect(index).toBe(blindIndex(key, 'phone', '+15125550123'));
    expect(index).toMatch(new RegExp(`^[0-9a-f]{${BLIND_INDEX_BYTES * 2}}$`));
  });

  it('is equal for the spellings of one A-number', () => {
    const spellings = ['A123-456-789', '123456789', 'a 123 456 789', 'A123456789'];
    const indexes = spellings.map((s) => blindIndex(key, 'a_number', normalizeANumber(s) as string));
    expect(new Set(indexes).size).toBe(1);
    expect(blindIndex(key, 'a_number', '123456780')).not.toBe(indexes[0]);
  });

  it('differs per kind for the same string, and per key', () => {
    const kinds: BlindIndexKind[] = ['a_number', 'party_name'];
    const [asANumber, asName] = kinds.map((kind) => blindIndex(key, kind, '123456789'));
    expect(asANumber).not.toBe(asName);
    expect(blindIndex(otherKey, 'a_number', '123456789')).not.toBe(asANumber);
  });

  it('indexes names with dates of birth across spellings', () => {
    const a = normalizeNameDob('María José', 'Peña-García', '1990-04-02') as string;
    const b = normalizeNameDob('MARIA  JOSE', 'Pena Garcia', ' 1990-04-02 ') as string;
    expect(blindIndex(key, 'name_dob', a)).toBe(blindIndex(key, 'name_dob', b));
    const other = normalizeNameDob('María José', 'Peña-García', '1990-04-03') as string;
    expect(blindIndex(key, 'name_dob', other)).not.toBe(blindIndex(key, 'name_dob', a));
  });

  it.each([
    ['a_number', 'A123-456-789'],
    ['a_number', ''],
    ['phone', '(512) 555-0123'],
    ['party_name', 'Peña'],
    ['name_dob', 'pena||1990-02-30'],
    ['name_dob', 'pena|x|1990-01-01|extra'],
  ] as [BlindIndexKind, string][])('refuses an unnormalized %s value %p', (kind, value) => {
    expect(() => blindIndex(key, kind, value)).toThrow(/not normalized/);
  });

  it('refuses an unknown kind', () => {
    expect(() => blindIndex(key, 'email' as BlindIndexKind, 'x')).toThrow(/unknown blind index kind/);
    expect(() => blindIndex(key, 'toString' as BlindIndexKind, 'x')).toThrow(/unknown blind index kind/);
  });

  it('gives distinct indexes for distinct A-numbers (no collisions in a sample)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 999_999_999 }), { minLength: 50, maxLength: 50 }), (numbers) => {
        const indexes = numbers.map((n) => blindIndex(key, 'a_number', String(n).padStart(9, '0')));
        expect(new Set(indexes).size).toBe(numbers.length);
      }),
      { numRuns: 20 },
    );
  });

  it('accepts whatever the normalizers produce', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const name = normalizePersonName(text);
        if (name !== null) expect(() => blindIndex(key, 'party_name', name)).not.toThrow();
        const phone = normalizePhone(text);
        if (phone !== null) expect(() => blindIndex(key, 'phone', phone)).not.toThrow();
      }),
    );
  });
});
