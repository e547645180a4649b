export { CryptoIntegrityError, KeyConfigError, UnknownKeyError } from './errors';
export type { CryptoIntegrityCode, KeyConfigCode } from './errors';
export { DataKey, IndexKey, Keyring, generateKeyMaterial, newDataKey, parseIndexKey } from './keys';
export { rewrap, unwrapDataKey, wrapDataKey, wrappedKeyId } from './data-keys';
export { decryptField, encryptField, fieldKeyId } from './fields';
export type { FieldLocation } from './fields';
export { BLIND_INDEX_BYTES, blindIndex } from './blind-index';
export type { BlindIndexKind } from './blind-index';
export { normalizeANumber, normalizeNameDob, normalizePersonName, normalizePhone } from './normalize';
