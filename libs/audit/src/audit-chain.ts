import { createHash } from 'node:crypto';

/** The fields of an audit event that the hash covers, in a fixed order. */
export interface ChainedFields {
  id: string;
  organizationId: string;
  chain: number;
  occurredAt: string;
  actorId: string | null;
  actorRole: string | null;
  action: string;
  caseId: string | null;
  caseReference: string | null;
  fields: string[];
  reason: string | null;
  details: Record<string, unknown>;
}

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

/** How many chains an organization's trail is split into; events of one case always share a chain. */
export const AUDIT_CHAINS = 16;

export function chainFor(caseId: string | null | undefined): number {
  return caseId ? createHash('sha256').update(caseId).digest()[0] % AUDIT_CHAINS : 0;
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.keys(value as object)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(',')}}`;
}

/** hash = SHA-256(prev_hash || canonical(fields)): changing, removing or reordering any row breaks every later link. */
export function chainHash(prevHash: Buffer, fields: ChainedFields): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalJson(chainedValues(fields))).digest();
}

function chainedValues(fields: ChainedFields): unknown[] {
  return [
    fields.id,
    fields.organizationId,
    fields.chain,
    fields.occurredAt,
    fields.actorId,
    fields.actorRole,
    fields.action,
    fields.caseId,
    fields.caseReference,
    fields.fields,
    fields.reason,
    fields.details,
  ];
}

/**
 * The hashed text after the id, as UTF-8, for a database that knows the id only when it appends: there the hash is
 * SHA-256(prev_hash || '["' || id || '",' || this). The id is a sequence number (digits), so its JSON is '"<digits>"'.
 */
export function chainTextAfterId(fields: Omit<ChainedFields, 'id'>): Buffer {
  return Buffer.from(canonicalJson(chainedValues({ ...fields, id: '' })).slice('["",'.length), 'utf8');
}

/** Whether a row's hash is its own; a row that cannot even be hashed (details nested past the stack) is not. */
function hashesTo(row: StoredLink): boolean {
  try {
    return chainHash(row.prevHash, row).equals(row.hash);
  } catch {
    return false;
  }
}

/**
 * A stored time as the chain hashed it (ISO, milliseconds). One the application never writes (infinity, a year past
 * 9999: PostgreSQL accepts both) reads as a marker that hashes to nothing real, so its row is reported, not a 500.
 */
export function storedTime(value: unknown): string {
  return value instanceof Date && Number.isFinite(value.getTime()) && value.getUTCFullYear() <= 9999 ? value.toISOString() : `invalid:${String(value)}`;
}

export interface StoredLink extends ChainedFields {
  prevHash: Buffer;
  hash: Buffer;
}

/** Walks a chain in id order; returns the id of the first row whose link or hash does not check out. */
export function findFirstBrokenLink(rows: Iterable<StoredLink>, startHash: Buffer = GENESIS_HASH): { checked: number; firstBrokenId?: string } {
  let previous: Buffer = startHash;
  let checked = 0;
  for (const row of rows) {
    checked += 1;
    if (!row.prevHash.equals(previous) || !hashesTo(row)) return { checked, firstBrokenId: row.id };
    previous = row.hash;
  }
  return { checked };
}
