import { createHmac, timingSafeEqual } from 'node:crypto';
import { inspect } from 'node:util';
import { canonicalJson } from './audit-chain';

/**
 * A seal vouches, under a key kept outside the database (AMPARO_AUDIT_KEYS), for the hash one chain had at one event.
 * The chain's plain SHA-256 links show an edited row, unless whoever edited it also recomputed every later link and
 * the head: a database superuser can. A sealed hash cannot be recomputed that way, since the seal's MAC needs the key.
 */
export interface SealedPoint {
  organizationId: string;
  chain: number;
  /** The chain's seals are numbered from 1, each MAC covering the one before: a seal removed from the middle shows. */
  seq: number;
  /** The MAC of the chain's previous seal (32 zero bytes for the first). */
  prevMac: Buffer;
  eventId: string;
  eventHash: Buffer;
  sealedAt: string;
}

const SEAL_VERSION = 'amparo.audit-seal.v1';
export const FIRST_SEAL_PREV: Buffer = Buffer.alloc(32);

/**
 * A chain first sealed after the organization's first sealing must hold no event from before it (it would have been
 * sealed then), give or take an event appended while that pass ran.
 */
const NEW_CHAIN_TOLERANCE_MS = 60_000;

function sealText(point: SealedPoint): string {
  return canonicalJson([
    SEAL_VERSION, point.organizationId, point.chain, point.seq, point.prevMac.toString('hex'), point.eventId,
    point.eventHash.toString('hex'), point.sealedAt,
  ]);
}

/** The audit keys (`id:<base64 32 bytes>,…`): the first seals, each verifies what it sealed. Never printed. */
export class AuditSealKeys {
  readonly #keys: Map<string, Buffer>;
  readonly activeId: string;

  private constructor(keys: Map<string, Buffer>) {
    this.#keys = keys;
    this.activeId = keys.keys().next().value!;
  }

  /** Parses a keyring the configuration has already validated. */
  static parse(spec: string): AuditSealKeys {
    const keys = new Map<string, Buffer>();
    for (const entry of spec.split(',')) {
      const separator = entry.indexOf(':');
      keys.set(entry.slice(0, separator).trim(), Buffer.from(entry.slice(separator + 1).trim(), 'base64'));
    }
    if (keys.size === 0) throw new Error('AMPARO_AUDIT_KEYS holds no key');
    return new AuditSealKeys(keys);
  }

  seal(point: SealedPoint): { keyId: string; mac: Buffer } {
    return { keyId: this.activeId, mac: createHmac('sha256', this.#keys.get(this.activeId)!).update(sealText(point)).digest() };
  }

  /** 'unknown-key' when the seal names a key that is not configured (a removed old key): it can be neither trusted nor refuted. */
  check(point: SealedPoint, keyId: string, mac: Buffer): 'valid' | 'forged' | 'unknown-key' {
    const key = this.#keys.get(keyId);
    if (!key) return 'unknown-key';
    const expected = createHmac('sha256', key).update(sealText(point)).digest();
    return mac.length === expected.length && timingSafeEqual(mac, expected) ? 'valid' : 'forged';
  }

  toString(): string {
    return `AuditSealKeys(${[...this.#keys.keys()].join(',')}: <redacted>)`;
  }
  toJSON(): string {
    return this.toString();
  }
  [inspect.custom](): string {
    return this.toString();
  }
}

export interface StoredSeal extends SealedPoint {
  keyId: string;
  mac: Buffer;
}

/** An event as the seal check reads it: its id, hash and time. */
export interface WalkedEvent {
  id: string;
  hash: Buffer;
  occurredAt: string;
}

export interface SealFindings {
  /**
   * Ids of sealed events whose hash is no longer the sealed one, or that are gone; of seals whose MAC does not check,
   * or that do not follow the chain's previous seal (one removed between them), or a chain's first seal that is not
   * number 1 (the first ones removed) or that came after the organization's first sealing over events older than it
   * (the chain's seals removed and written again).
   */
  broken: string[];
  /** Key ids named by seals but not configured. */
  unknownKeys: string[];
  /** The time of the oldest event that no seal covers, when older than the grace period: sealing is not running. */
  unsealedSince?: string;
  /** When the chain was first sealed. */
  firstSealedAt?: string;
}

/**
 * Checks one chain's seals while its events are walked in id order (the links already checked): each seal's MAC, its
 * number and link to the seal before, the sealed hash at the sealed id, that a first seal over old events belongs to
 * the organization's first sealing (`orgFirstSealedAt`), and that no event older than `graceMs` is left unsealed.
 * Seals are given batch by batch, those up to the last event of the batch, before its events.
 *
 * How long the seal of an event came after the event is not judged: an API down for an hour seals the events
 * before its fall when it starts again, and nothing tells that from seals removed. What a seal does not show is
 * documented (docs/security.md, "Seals").
 */
export class SealCheck {
  private readonly findings: SealFindings = { broken: [], unknownKeys: [] };
  /** MAC-checked seals not yet reached by the walk, in event id order. */
  private pending: StoredSeal[] = [];
  private previous: StoredSeal | null = null;
  private oldestUnsealed: string | null = null;
  /** The oldest event the next seal covers: whether a first seal covers events older than the organization's sealing. */
  private oldestInStretch: string | null = null;

  constructor(
    private readonly keys: AuditSealKeys,
    private readonly now: Date,
    private readonly graceMs: number,
    private readonly orgFirstSealedAt: string | null,
  ) {}

  addSeals(seals: StoredSeal[]): void {
    for (const seal of seals) {
      const verdict = this.keys.check(seal, seal.keyId, seal.mac);
      if (verdict === 'unknown-key') {
        if (!this.findings.unknownKeys.includes(seal.keyId)) this.findings.unknownKeys.push(seal.keyId);
        // It cannot be checked, but it still holds its place in the chain of seals.
        this.pending.push(seal);
      } else if (verdict === 'forged') {
        this.findings.broken.push(seal.eventId);
      } else {
        this.pending.push(seal);
      }
    }
    this.pending.sort((a, b) => compareIds(a.eventId, b.eventId));
  }

  visit(event: WalkedEvent): void {
    // A seal for an id the walk has passed names an event that is gone.
    while (this.pending.length && compareIds(this.pending[0].eventId, event.id) < 0) {
      const gone = this.pending.shift()!;
      this.findings.broken.push(gone.eventId);
      this.previous = gone; // still the next seal's predecessor: one finding, not one per later seal
    }
    if (!this.oldestInStretch || event.occurredAt < this.oldestInStretch) this.oldestInStretch = event.occurredAt;
    if (!this.oldestUnsealed || event.occurredAt < this.oldestUnsealed) this.oldestUnsealed = event.occurredAt;
    if (!this.pending.length || this.pending[0].eventId !== event.id) return;
    const seal = this.pending.shift()!;
    if (!seal.eventHash.equals(event.hash) || !this.followsPrevious(seal)) this.findings.broken.push(seal.eventId);
    if (!this.previous) this.findings.firstSealedAt = seal.sealedAt;
    this.previous = seal;
    this.oldestUnsealed = null;
    this.oldestInStretch = null;
  }

  finish(): SealFindings {
    for (const seal of this.pending) this.findings.broken.push(seal.eventId);
    this.pending = [];
    if (this.oldestUnsealed && this.now.getTime() - Date.parse(this.oldestUnsealed) > this.graceMs) this.findings.unsealedSince = this.oldestUnsealed;
    return this.findings;
  }

  /** Numbered one after the previous seal and linked to its MAC; a first seal numbered 1, and not a late re-sealing. */
  private followsPrevious(seal: StoredSeal): boolean {
    if (this.previous) return seal.seq === this.previous.seq + 1 && seal.prevMac.equals(this.previous.mac);
    if (seal.seq !== 1 || !seal.prevMac.equals(FIRST_SEAL_PREV)) return false;
    // The first seal of a chain vouches for everything before it. That is right in the organization's first sealing
    // (the upgrade that added seals, or a new organization), and for a chain whose events all came after it; a chain
    // sealed from scratch later, over older events, had its seals removed.
    if (!this.orgFirstSealedAt || Date.parse(seal.sealedAt) - Date.parse(this.orgFirstSealedAt) <= this.graceMs) return true;
    return Date.parse(this.oldestInStretch!) >= Date.parse(this.orgFirstSealedAt) - NEW_CHAIN_TOLERANCE_MS;
  }
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
