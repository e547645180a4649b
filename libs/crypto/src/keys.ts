import { randomBytes, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyConfigError } from './errors';

// Key holders keep their bytes in #private fields: util.inspect, JSON.stringify and spreading see nothing.
// The module-level accessors below are filled in by static blocks and are not re-exported from index.ts.
export const KEY_BYTES = 32;
// At most 32 characters: a pasted 32-byte key (43+ base64 characters) can never pass as an id and be echoed.
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

let dataKeyBytes: (key: DataKey) => Buffer;
let createDataKey: (bytes: Buffer) => DataKey;
let indexKeyBytes: (key: IndexKey) => Buffer;
let createIndexKey: (bytes: Buffer) => IndexKey;
let kekBytes: (ring: Keyring, id: string) => Buffer | undefined;

/** A per-record data key (DEK). Only obtainable from newDataKey() or unwrapDataKey(). */
export class DataKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  static {
    dataKeyBytes = (key) => key.#bytes;
    createDataKey = (bytes) => new DataKey(bytes);
  }

  toString(): string {
    return 'DataKey(<redacted>)';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** The blind-index key (AMPARO_INDEX_KEY). Kept apart from the keyring on purpose. */
export class IndexKey {
  readonly #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  static {
    indexKeyBytes = (key) => key.#bytes;
    createIndexKey = (bytes) => new IndexKey(bytes);
  }

  toString(): string {
    return 'IndexKey(<redacted>)';
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

/** Key-encryption keys (KEKs) by id; the first one listed is active for new wraps. */
export class Keyring {
  readonly activeId: string;
  readonly #keys: ReadonlyMap<string, Buffer>;

  private constructor(keys: Map<string, Buffer>, activeId: string) {
    this.#keys = keys;
    this.activeId = activeId;
  }

  static {
    kekBytes = (ring, id) => ring.#keys.get(id);
  }

  /** `"k2:<base64 32 bytes>,k1:<base64 32 bytes>"`; the first entry is active. */
  static parse(spec: string | undefined, varName = 'AMPARO_KEYS'): Keyring {
    if (spec === undefined || spec.trim() === '') {
      throw new KeyConfigError('KEY_CONFIG_MISSING', varName, 'is not set');
    }
    const keys = new Map<string, Buffer>();
    spec.split(',').forEach((entry, i) => {
      const [id, bytes] = parseEntry(entry, i + 1, varName);
      if (keys.has(id)) throw malformed(varName, `lists key id "${id}" twice`);
      for (const [otherId, other] of keys) {
        if (timingSafeEqual(other, bytes)) throw malformed(varName, `uses the same key for "${otherId}" and "${id}"`);
      }
      keys.set(id, bytes);
    });
    return new Keyring(keys, keys.keys().next().value as string);
  }

  /** Active first, then the others in configured order. */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  has(id: string): boolean {
    return this.#keys.has(id);
  }

  toString(): string {
    return `Keyring(active=${this.activeId}, ids=${this.ids().join(',')})`;
  }
  toJSON(): { activeId: string; ids: string[] } {
    return { activeId: this.activeId, ids: this.ids() };
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export function parseIndexKey(base64: string | undefined, varName = 'AMPARO_INDEX_KEY'): IndexKey {
  if (base64 === undefined || base64.trim() === '') {
    throw new KeyConfigError('KEY_CONFIG_MISSING', varName, 'is not set');
  }
  const bytes = decodeKey(base64);
  if (!bytes) throw malformed(varName, `must be base64 of exactly ${KEY_BYTES} random bytes`);
  return createIndexKey(bytes);
}

export function newDataKey(): DataKey {
  return createDataKey(randomBytes(KEY_BYTES));
}

/** Fresh values in the formats the parsers accept, for the generated dev key file. */
export function generateKeyMaterial(): { keys: string; indexKey: string; jwtSecret: string } {
  const random = () => randomBytes(KEY_BYTES).toString('base64');
  return { keys: `k1:${random()}`, indexKey: random(), jwtSecret: random() };
}

// Internal accessors for the sibling modules (not exported from index.ts).
export function dataKeyFromBytes(bytes: Buffer): DataKey {
  return createDataKey(copyKey(bytes));
}
export function secretOfDataKey(key: DataKey): Buffer {
  if (!(key instanceof DataKey)) throw new TypeError('expected a DataKey');
  return dataKeyBytes(key);
}
export function secretOfIndexKey(key: IndexKey): Buffer {
  if (!(key instanceof IndexKey)) throw new TypeError('expected an IndexKey');
  return indexKeyBytes(key);
}
export function secretOfKek(ring: Keyring, id: string): Buffer | undefined {
  if (!(ring instanceof Keyring)) throw new TypeError('expected a Keyring');
  return kekBytes(ring, id);
}

function parseEntry(entry: string, position: number, varName: string): [string, Buffer] {
  const colon = entry.indexOf(':');
  const shape = `entry ${position} must look like "<id>:<base64 of ${KEY_BYTES} bytes>"`;
  if (colon < 0) throw malformed(varName, shape);
  const id = entry.slice(0, colon).trim();
  // The id is echoed only once it is known to be a plain id, never a pasted key.
  if (!KEY_ID.test(id)) throw malformed(varName, `${shape}; ids use letters, digits, "_" or "-" (at most 32)`);
  const bytes = decodeKey(entry.slice(colon + 1));
  if (!bytes) throw malformed(varName, `key "${id}" must be base64 of exactly ${KEY_BYTES} random bytes`);
  return [id, bytes];
}

/** Strict base64 (standard or URL-safe, padding optional) of exactly 32 bytes, not all zeros. */
function decodeKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const bytes = Buffer.from(trimmed, 'base64');
  const canonical = trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (bytes.length !== KEY_BYTES || bytes.toString('base64').replace(/=+$/, '') !== canonical) return null;
  if (bytes.every((b) => b === 0)) return null; // a placeholder, not a key
  return copyKey(bytes);
}

// Own allocation, so the key does not share Buffer's pooled slab with unrelated data.
function copyKey(bytes: Buffer): Buffer {
  const own = Buffer.alloc(bytes.length);
  bytes.copy(own);
  return own;
}

function malformed(varName: string, detail: string): KeyConfigError {
  return new KeyConfigError('KEY_CONFIG_MALFORMED', varName, detail);
}
