import { randomBytes } from 'node:crypto';
import { CryptoIntegrityError } from './errors';
import { open, parseEnvelope, seal } from './envelope';

const key = randomBytes(32);
const context = ['test/v1', 'here'];

describe('open', () => {
  it('refuses a short tag even when it is a true prefix of the real one (authTagLength: 16)', () => {
    const envelope = parseEnvelope(seal(key, 'k', Buffer.from('secret'), context));
    for (const length of [4, 8, 12, 15]) {
      const short = { ...envelope, tag: envelope.tag.subarray(0, length) };
      expect(() => open(key, short, context)).toThrow(CryptoIntegrityError);
    }
    expect(open(key, envelope, context).toString()).toBe('secret');
  });

  it('rejects a zero-length or non-printable key id', () => {
    const sealed = seal(key, 'k', Buffer.from('secret'), context);
    const noKid = Buffer.concat([Buffer.from([1, 0]), sealed.subarray(3)]);
    expect(() => parseEnvelope(noKid)).toThrow(CryptoIntegrityError);
    const control = Buffer.from(sealed);
    control[2] = 0x07;
    expect(() => parseEnvelope(control)).toThrow(/malformed key id/);
  });
});

describe('seal', () => {
  it('never reuses a nonce, across refills of the nonce buffer, and every envelope opens', () => {
    const seen = new Set<string>();
    const count = 256 * 3 + 17; // several refills, ending mid-buffer
    const sealed = Array.from({ length: count }, (_, i) => seal(key, 'k', Buffer.from(`value ${i}`), context));
    for (const [i, bytes] of sealed.entries()) {
      const envelope = parseEnvelope(bytes);
      seen.add(envelope.nonce.toString('hex'));
      expect(open(key, envelope, context).toString()).toBe(`value ${i}`);
    }
    expect(seen.size).toBe(count);
  });
});
