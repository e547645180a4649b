import { createHmac } from 'node:crypto';
import { CryptoIntegrityError, UnknownKeyError } from './errors';
import { open, parseEnvelope, seal } from './envelope';
import { DataKey, dataKeyFromBytes, KEY_BYTES, Keyring, secretOfDataKey, secretOfKek } from './keys';

// Envelope encryption (AWS Encryption SDK style): each case has its own DEK, stored wrapped by a KEK from
// the keyring. `context` (e.g. "case:<uuid>") is authenticated, so a wrapped DEK copied to another case fails.
const PURPOSE = 'amparo/dek/v1';

export function wrapDataKey(ring: Keyring, dek: DataKey, context: string): Buffer {
  const kek = secretOfKek(ring, ring.activeId) as Buffer;
  return seal(kek, ring.activeId, secretOfDataKey(dek), [PURPOSE, context]);
}

export function unwrapDataKey(ring: Keyring, wrapped: Uint8Array, context: string): DataKey {
  const envelope = parseEnvelope(wrapped);
  const kek = secretOfKek(ring, envelope.keyId);
  if (!kek) throw new UnknownKeyError(envelope.keyId);
  const bytes = open(kek, envelope, [PURPOSE, context]);
  if (bytes.length !== KEY_BYTES) throw new CryptoIntegrityError('wrapped key has the wrong length');
  return dataKeyFromBytes(bytes);
}

/**
 * Rotation step: unwrap with whichever KEK wrapped it, wrap under the active one. A value already under the
 * active KEK is still authenticated, then returned with the same bytes, so the caller can skip the write.
 */
export function rewrap(ring: Keyring, wrapped: Uint8Array, context: string): Buffer {
  const dek = unwrapDataKey(ring, wrapped, context);
  if (wrappedKeyId(wrapped) === ring.activeId) return Buffer.from(wrapped);
  return wrapDataKey(ring, dek, context);
}

/**
 * What identifies a key of the keyring without revealing it (a MAC of a fixed text under it): recorded beside the data
 * keys it wraps, so that the same id given other bytes (a mistyped key, another environment's) is told apart.
 */
export function kekCheck(ring: Keyring, id: string): Buffer {
  const kek = secretOfKek(ring, id);
  if (!kek) throw new UnknownKeyError(id);
  return createHmac('sha256', kek).update('amparo/kek-check/v1').digest().subarray(0, 16);
}

/** Which KEK wraps this DEK (read from the header, not authenticated): for the rotation report. */
export function wrappedKeyId(wrapped: Uint8Array): string {
  return parseEnvelope(wrapped).keyId;
}
