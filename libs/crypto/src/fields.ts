import { open, parseEnvelope, seal } from './envelope';
import { DataKey, secretOfDataKey } from './keys';

// A field ciphertext is bound to its place: a copy into another table, column or row fails to decrypt.
const PURPOSE = 'amparo/field/v1';

export interface FieldLocation {
  table: string;
  column: string;
  rowId: string;
}

/** `dekId` (e.g. the data key row's id) goes into the header, so a reader can tell which DEK to load. */
export function encryptField(dek: DataKey, dekId: string, plaintext: string, aad: FieldLocation): Buffer {
  if (typeof plaintext !== 'string') throw new TypeError('plaintext must be a string');
  const bytes = Buffer.from(plaintext, 'utf8');
  // UTF-8 replaces lone surrogates with U+FFFD; refuse rather than store something other than what was given.
  if (bytes.toString('utf8') !== plaintext) throw new TypeError('plaintext is not well-formed Unicode');
  return seal(secretOfDataKey(dek), dekId, bytes, context(aad));
}

export function decryptField(dek: DataKey, ciphertext: Uint8Array, aad: FieldLocation): string {
  return open(secretOfDataKey(dek), parseEnvelope(ciphertext), context(aad)).toString('utf8');
}

/** The DEK id from a field ciphertext's header (unauthenticated until decryptField succeeds). */
export function fieldKeyId(ciphertext: Uint8Array): string {
  return parseEnvelope(ciphertext).keyId;
}

function context(aad: FieldLocation): string[] {
  return [PURPOSE, aad.table, aad.column, aad.rowId];
}
