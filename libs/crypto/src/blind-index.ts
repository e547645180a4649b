import { createHmac } from 'node:crypto';
import { IndexKey, secretOfIndexKey } from './keys';
import { normalizeANumber, normalizeNameDob, normalizeNameShortDob, normalizeNameTokensDob, normalizePersonName, normalizePhone } from './normalize';

// Blind indexes as in CipherSweet: HMAC-SHA-256 under the index key (never stored beside the data), with a
// sub-key per kind so equal strings of different kinds give unrelated indexes.
//
// Length: 16 bytes (128 bits), hex. Equality checks (lookup, duplicate detection) need no false positives,
// and at 128 bits a collision is out of reach for any table size (birthday bound ~2^64). Shorter, deliberately
// colliding indexes (CipherSweet's defence for small input spaces) would not help here: an A-number has ~10^9
// values, so whoever holds the index key can enumerate them at any length; what protects it is keeping the key
// out of the database, rate-limiting and auditing lookups. Full 32 bytes would add storage without adding safety.
export const BLIND_INDEX_BYTES = 16;

export type BlindIndexKind = 'a_number' | 'phone' | 'name_dob' | 'name_tokens_dob' | 'name_short_dob' | 'party_name';

// Each kind accepts only what its normalizer would produce, so a raw "A123-456-789" is refused, not indexed
// to a value that never matches.
const IS_NORMALIZED: Record<BlindIndexKind, (value: string) => boolean> = {
  a_number: (v) => normalizeANumber(v) === v,
  phone: (v) => normalizePhone(v) === v,
  name_dob: (v) => {
    const [last, first, dob, ...rest] = v.split('|');
    return rest.length === 0 && normalizeNameDob(first, last, dob) === v;
  },
  name_tokens_dob: (v) => {
    const [names, dob, ...rest] = v.split('|');
    return rest.length === 0 && normalizeNameTokensDob(names, null, dob) === v;
  },
  name_short_dob: (v) => {
    const [first, last, dob, ...rest] = v.split('|');
    return rest.length === 0 && normalizeNameShortDob(first, last, dob) === v;
  },
  party_name: (v) => normalizePersonName(v) === v,
};

// The per-kind sub-keys, derived once per index key (they live as long as the key object, in the same memory).
const SUB_KEYS = new WeakMap<IndexKey, Map<string, Buffer>>();

/** A sub-key of the index key for one purpose (`amparo/blind-index/v1/<kind>`, `amparo/request-digest/v1`). */
function subKeyOf(key: IndexKey, purpose: string): Buffer {
  let byPurpose = SUB_KEYS.get(key);
  if (!byPurpose) SUB_KEYS.set(key, (byPurpose = new Map()));
  let subKey = byPurpose.get(purpose);
  if (!subKey) {
    subKey = createHmac('sha256', secretOfIndexKey(key)).update(purpose).digest();
    byPurpose.set(purpose, subKey);
  }
  return subKey;
}

/**
 * A keyed digest of a request body (HMAC-SHA-256 under its own sub-key of the index key), for telling a retry from a
 * different request with the same idempotency key. Keyed, because the body holds names, an A-number and a date of
 * birth: a plain hash of it, kept in the database, could be confirmed by guessing them.
 */
export function requestDigest(key: IndexKey, canonicalBody: string): Buffer {
  return createHmac('sha256', subKeyOf(key, 'amparo/request-digest/v1')).update(canonicalBody, 'utf8').digest();
}

/**
 * The key of a sign-in counter (an email, a client address): HMAC-SHA-256 under its own sub-key of the index key. A
 * plain hash of an address or an email, kept in the database, is reversed by hashing the guesses (all of IPv4 in
 * seconds, an email from a list).
 */
export function signInCounterKey(key: IndexKey, value: string): Buffer {
  return createHmac('sha256', subKeyOf(key, 'amparo/sign-in-counter/v1')).update(value, 'utf8').digest();
}

/**
 * What identifies the index key without revealing it (a MAC of a fixed text under its own sub-key), stored beside the
 * indexes it computed: an instance started with another key would find no duplicate, no A-number and no conflict.
 */
export function indexKeyCheck(key: IndexKey): Buffer {
  return createHmac('sha256', subKeyOf(key, 'amparo/index-key-check/v1')).update('amparo').digest().subarray(0, BLIND_INDEX_BYTES);
}

export function blindIndex(key: IndexKey, kind: BlindIndexKind, normalizedValue: string): string {
  const isNormalized = Object.hasOwn(IS_NORMALIZED, kind) ? IS_NORMALIZED[kind] : undefined;
  if (!isNormalized) throw new TypeError(`unknown blind index kind "${String(kind)}"`);
  if (typeof normalizedValue !== 'string' || !isNormalized(normalizedValue)) {
    throw new TypeError(`value is not normalized for blind index kind "${kind}"`);
  }
  const mac = createHmac('sha256', subKeyOf(key, `amparo/blind-index/v1/${kind}`)).update(normalizedValue, 'utf8').digest();
  return mac.subarray(0, BLIND_INDEX_BYTES).toString('hex');
}
