import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { CryptoIntegrityError } from './errors';

// Wire format shared by field ciphertexts and wrapped data keys:
//   version(1 = 0x01) | kidLength(1) | kid (ASCII) | nonce(12) | ciphertext | tag(16)
// AES-256-GCM with a random 96-bit nonce. Keys are per case (fields) or per KEK (a few thousand wraps),
// far below the 2^32 messages per key where random GCM nonces become a concern.
export const FORMAT_VERSION = 0x01;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const KID = /^[\x21-\x7e]{1,255}$/; // printable ASCII, no spaces

export interface Envelope {
  header: Buffer; // version | kidLength | kid: authenticated as part of the AAD
  keyId: string;
  nonce: Buffer;
  body: Buffer;
  tag: Buffer;
}

// Nonces are cut from a buffer of CSPRNG output, refilled when used up (as Node's randomUUID caches its entropy): one
// randomBytes call per 256 nonces instead of one per field, which was a measurable share of an intake's CPU. Each
// nonce is handed out once; cluster workers are separate processes with their own buffers.
const NONCES_PER_FILL = 256;
let noncePool = Buffer.alloc(0);
let nonceOffset = 0;

function nextNonce(): Buffer {
  if (nonceOffset + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCES_PER_FILL * NONCE_BYTES);
    nonceOffset = 0;
  }
  const nonce = noncePool.subarray(nonceOffset, nonceOffset + NONCE_BYTES);
  nonceOffset += NONCE_BYTES;
  return nonce;
}

/**
 * Encrypts under `key`, naming it `keyId` in the header. `context` is the purpose label followed by the
 * place the value belongs to (e.g. table, column, row id); it is authenticated, not stored.
 */
export function seal(key: Buffer, keyId: string, plaintext: Buffer, context: readonly string[]): Buffer {
  const header = encodeHeader(keyId);
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(header, context));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, body, cipher.getAuthTag()]);
}

/** Splits the wire format; rejects short input, unknown versions and malformed key ids. Does not authenticate. */
export function parseEnvelope(data: Uint8Array): Envelope {
  if (!(data instanceof Uint8Array)) throw new TypeError('expected a Buffer');
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length < 2) throw new CryptoIntegrityError('truncated');
  if (bytes[0] !== FORMAT_VERSION) throw new CryptoIntegrityError('unsupported format version');
  const kidEnd = 2 + bytes[1];
  if (bytes[1] === 0 || bytes.length < kidEnd + NONCE_BYTES + TAG_BYTES) throw new CryptoIntegrityError('truncated');
  const keyId = bytes.subarray(2, kidEnd).toString('latin1');
  if (!KID.test(keyId)) throw new CryptoIntegrityError('malformed key id');
  return {
    header: bytes.subarray(0, kidEnd),
    keyId,
    nonce: bytes.subarray(kidEnd, kidEnd + NONCE_BYTES),
    body: bytes.subarray(kidEnd + NONCE_BYTES, bytes.length - TAG_BYTES),
    tag: bytes.subarray(bytes.length - TAG_BYTES),
  };
}

export function open(key: Buffer, envelope: Envelope, context: readonly string[]): Buffer {
  // authTagLength pins the tag to 16 bytes: without it Node 20 accepts a truncated tag.
  const decipher = createDecipheriv('aes-256-gcm', key, envelope.nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(envelope.header, context));
  try {
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.body), decipher.final()]);
  } catch {
    throw new CryptoIntegrityError('authentication failed (wrong key, wrong place or tampered)');
  }
}

export function assertKeyId(keyId: string): void {
  if (typeof keyId !== 'string' || !KID.test(keyId)) {
    throw new TypeError('key id must be 1-255 printable ASCII characters without spaces');
  }
}

function encodeHeader(keyId: string): Buffer {
  assertKeyId(keyId);
  const kid = Buffer.from(keyId, 'latin1');
  return Buffer.concat([Buffer.from([FORMAT_VERSION, kid.length]), kid]);
}

// header || for each context part: uint32 big-endian byte length || UTF-8 bytes.
// Length prefixes keep it unambiguous ("a|b","c" and "a","b|c" differ), unlike a joined string.
function associatedData(header: Buffer, context: readonly string[]): Buffer {
  const parts: Buffer[] = [header];
  for (const part of context) {
    if (typeof part !== 'string' || part === '') throw new TypeError('associated data parts must be non-empty strings');
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}
