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
  /**
   * The organization's seals, whatever their chain, are numbered from 1, each MAC covering the one before: a seal
   * removed (one chain's, or any but the newest) breaks the sequence.
   */
  seq: number;
  /** The MAC of the organization's previous seal (32 zero bytes for the first). */
  prevMac: Buffer;
  eventId: string;
  eventHash: Buffer;
  sealedAt: string;
}

const SEAL_VERSION = 'amparo.audit-seal.v1';
export const FIRST_SEAL_PREV: Buffer = Buffer.alloc(32);

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

  /** The key ids, the sealing one first. */
  ids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * A value only this key gives, to record and compare at each start (`key_checks`, `audit:<id>`): a key id given other
   * bytes (a paste error on one instance) would otherwise start, seal nothing, and show every genuine seal as forged.
   */
  checkValue(id: string): Buffer {
    const key = this.#keys.get(id);
    if (!key) throw new Error(`no audit key "${id}"`);
    return createHmac('sha256', key).update('amparo.audit-key-check.v1').digest();
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
  /** The stored number exactly (a bigint column): `seq` is what the MAC covers, and only small numbers are real. */
  seqText: string;
}

/** An event as the seal check reads it: its id, hash and time. */
export interface WalkedEvent {
  id: string;
  hash: Buffer;
  occurredAt: string;
}

export interface SealFindings {
  /**
   * Ids of sealed events whose hash is no longer the sealed one (the chain was rewritten and recomputed past it) or
   * that are gone; of seals whose MAC does not check; and of seals out of the organization's sequence (a seal removed
   * before them, or the first ones removed).
   */
  broken: string[];
  /** Key ids named by seals but not configured. */
  unknownKeys: string[];
  /** The time of the oldest event that no seal covers, when older than the grace period: sealing is not running. */
  unsealedSince?: string;
}

/**
 * An organization's seals in sequence order: numbered from 1 without a gap, each linked to the MAC of the one before,
 * each MAC valid. Whoever deletes seals to hide a rewrite breaks this unless they delete only the newest ones
 * (docs/security.md, "Seals": what seals do not show).
 */
export class SealSequenceCheck {
  private previous: { seq: bigint; mac: Buffer } | null = null;
  readonly broken: string[] = [];
  readonly unknownKeys = new Set<string>();
  /** How many seals were visited: verify compares it with the organization's count (rows no numbered walk reaches). */
  visited = 0;

  constructor(private readonly keys: AuditSealKeys) {}

  visit(seal: StoredSeal): void {
    this.visited += 1;
    const expectedSeq = (this.previous?.seq ?? 0n) + 1n;
    const expectedPrev = this.previous?.mac ?? FIRST_SEAL_PREV;
    const verdict = this.keys.check(seal, seal.keyId, seal.mac);
    if (verdict === 'unknown-key') this.unknownKeys.add(seal.keyId);
    if (verdict === 'forged' || BigInt(seal.seqText) !== expectedSeq || !seal.prevMac.equals(expectedPrev)) this.broken.push(seal.eventId);
    this.previous = { seq: BigInt(seal.seqText), mac: seal.mac };
  }
}

/**
 * Checks one chain's seals while its events are walked in id order (the links already checked): the sealed hash at
 * each sealed id (of a seal whose MAC checks), no seal naming an event that is gone, and no event older than `graceMs`
 * left unsealed. Seals are
 * given batch by batch, those up to the last event of the batch, before its events. The sequence of the
 * organization's seals (numbers, links, MACs) is SealSequenceCheck's.
 *
 * How long after an event its seal came is not judged: an API down for an hour seals what it recorded before when it
 * starts again, and nothing in the database tells that from seals removed.
 */
export class SealCheck {
  private readonly findings: SealFindings = { broken: [], unknownKeys: [] };
  /** Seals not yet reached by the walk, in event id order. */
  private pending: StoredSeal[] = [];
  private oldestUnsealed: string | null = null;

  constructor(
    private readonly keys: AuditSealKeys,
    private readonly now: Date,
    private readonly graceMs: number,
  ) {}

  /** A seal whose MAC does not check vouches for nothing: it is broken, and does not count as covering its event. */
  addSeals(seals: StoredSeal[]): void {
    for (const seal of seals) {
      if (this.keys.check(seal, seal.keyId, seal.mac) === 'forged') this.findings.broken.push(seal.eventId);
      else this.pending.push(seal);
    }
    this.pending.sort((a, b) => compareIds(a.eventId, b.eventId));
  }

  visit(event: WalkedEvent): void {
    // A seal for an id the walk has passed names an event that is gone.
    while (this.pending.length && compareIds(this.pending[0].eventId, event.id) < 0) this.findings.broken.push(this.pending.shift()!.eventId);
    // By time, not by text: a year past 9999 would sort first as text.
    if (!this.oldestUnsealed || !(Date.parse(event.occurredAt) >= Date.parse(this.oldestUnsealed))) this.oldestUnsealed = event.occurredAt;
    if (!this.pending.length || this.pending[0].eventId !== event.id) return;
    const seal = this.pending.shift()!;
    if (!seal.eventHash.equals(event.hash)) this.findings.broken.push(seal.eventId);
    this.oldestUnsealed = null;
  }

  finish(): SealFindings {
    for (const seal of this.pending) this.findings.broken.push(seal.eventId);
    this.pending = [];
    if (this.oldestUnsealed && this.now.getTime() - Date.parse(this.oldestUnsealed) > this.graceMs) this.findings.unsealedSince = this.oldestUnsealed;
    return this.findings;
  }
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
