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
  eventId: string;
  eventHash: Buffer;
  sealedAt: string;
}

const SEAL_VERSION = 'amparo.audit-seal.v1';

function sealText(point: SealedPoint): string {
  return canonicalJson([SEAL_VERSION, point.organizationId, point.chain, point.eventId, point.eventHash.toString('hex'), point.sealedAt]);
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
  /** Ids of sealed events whose hash is no longer the sealed one, or that are gone, or whose seal's MAC fails. */
  broken: string[];
  /** Key ids named by seals but not configured. */
  unknownKeys: string[];
  /**
   * The time of the oldest event that stayed unsealed longer than the grace period: no seal covers it yet, or the
   * first seal covering it came long after it (the seals in between were removed). A rewrite there would not show.
   */
  unsealedSince?: string;
  /** When the chain was first sealed. */
  firstSealedAt?: string;
}

/**
 * Checks one chain's seals while its events are walked in id order (the links already checked): each seal's MAC, the
 * sealed hash at the sealed id, and that every event older than `graceMs` was sealed within `graceMs` of its time.
 * Seals are given batch by batch, those up to the last event of the batch, before its events. The chain's first seal
 * may cover older events: it is the first sealing after an upgrade (the sealing job logs it, so that a first seal
 * written later, after seals were deleted, shows outside the database).
 */
export class SealCheck {
  private readonly findings: SealFindings = { broken: [], unknownKeys: [] };
  /** MAC-checked seals not yet reached by the walk, in event id order. */
  private pending: StoredSeal[] = [];
  private oldestUncovered: string | null = null;
  private trustedSeals = 0;

  constructor(
    private readonly keys: AuditSealKeys,
    private readonly now: Date,
    private readonly graceMs: number,
  ) {}

  addSeals(seals: StoredSeal[]): void {
    for (const seal of seals) {
      const verdict = this.keys.check(seal, seal.keyId, seal.mac);
      if (verdict === 'unknown-key') {
        if (!this.findings.unknownKeys.includes(seal.keyId)) this.findings.unknownKeys.push(seal.keyId);
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
    while (this.pending.length && compareIds(this.pending[0].eventId, event.id) < 0) this.findings.broken.push(this.pending.shift()!.eventId);
    this.oldestUncovered ??= event.occurredAt;
    if (!this.pending.length || this.pending[0].eventId !== event.id) return;
    const seal = this.pending.shift()!;
    if (!seal.eventHash.equals(event.hash)) {
      this.findings.broken.push(seal.eventId);
      return;
    }
    if (this.trustedSeals === 0) this.findings.firstSealedAt = seal.sealedAt;
    else if (Date.parse(seal.sealedAt) - Date.parse(this.oldestUncovered) > this.graceMs) this.noteUnsealed(this.oldestUncovered);
    this.trustedSeals += 1;
    this.oldestUncovered = null;
  }

  finish(): SealFindings {
    for (const seal of this.pending) this.findings.broken.push(seal.eventId);
    this.pending = [];
    if (this.oldestUncovered && this.now.getTime() - Date.parse(this.oldestUncovered) > this.graceMs) this.noteUnsealed(this.oldestUncovered);
    return this.findings;
  }

  private noteUnsealed(since: string): void {
    this.findings.unsealedSince ??= since;
  }
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
