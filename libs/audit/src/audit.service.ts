import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, DomainError, Page, countMatches } from '@amparo/common';
import { preparedQuery, transactionWithRetry } from '@amparo/database';
import { AUDIT_CHAINS, ChainedFields, GENESIS_HASH, StoredLink, chainFor, chainTextAfterId, findFirstBrokenLink, storedTime } from './audit-chain';
import { SealCheck, SealFindings, SealSequenceCheck } from './audit-seal';
import { AuditSealService } from './audit-seal.service';

/** Every action the audit trail records (the audit list filters by them). */
export const AUDIT_ACTIONS = [
  'case.create', 'case.update', 'case.read_sensitive', 'case.reveal', 'case.lookup', 'case.close', 'case.reopen', 'case.purge',
  'case.access_denied', 'case.update_refused', 'case.event', 'case.event_retract', 'deadline.update', 'referral.offer', 'referral.accept',
  'referral.decline', 'referral.withdraw', 'referral.expire', 'referral.shorten', 'referral.unplaced', 'keys.rotate', 'keys.reindex', 'attorney.profile',
  'organization.update', 'user.create', 'user.update', 'user.password_reset', 'case.unassign', 'calendar.token_issue',
  'calendar.token_revoke', 'case.conflict_alert',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** What happened, by whom, to which case, which fields: never the values. */
export interface AuditEntry {
  organizationId: string;
  actorId: string | null;
  actorRole: string | null;
  action: AuditAction;
  caseId?: string | null;
  caseReference?: string | null;
  fields?: string[];
  reason?: string | null;
  details?: Record<string, unknown>;
}

/**
 * A refusal (e.g. a 404 for a case the caller may not see) that must be audited even though the change it refuses
 * rolls back. Thrown inside `AuditService.transaction` (or `refusalsAudited`), which records the entry in a transaction
 * of its own once the caller's transaction has ended, then rethrows: recording it from inside the caller's transaction
 * would need a second pool connection while the first is held, and with every connection held that way, each request
 * would stall until the pool's checkout timeout. It is the refusal's DomainError, so the client gets the same answer
 * wherever it is caught.
 */
export class AuditedRefusal extends DomainError {
  /** Set once the entry is recorded, so that nested wrappers record it once. */
  recorded = false;

  constructor(
    readonly entry: AuditEntry,
    refusal: DomainError,
  ) {
    super(refusal.status, refusal.code, refusal.message, refusal.fields);
    this.name = 'AuditedRefusal';
  }
}

/** An audit event as the API lists it: the chained fields, without the organization and chain bookkeeping. */
export type AuditEventView = Omit<ChainedFields, 'organizationId' | 'chain'>;

interface AuditRow {
  id: string;
  organization_id: string;
  chain: number;
  occurred_at: Date | number;
  actor_id: string | null;
  actor_role: string | null;
  action: string;
  case_id: string | null;
  case_reference: string | null;
  fields: string[];
  reason: string | null;
  details: Record<string, unknown>;
  prev_hash: Buffer;
  hash: Buffer;
}

const toLink = (row: AuditRow): StoredLink => ({
  id: row.id,
  organizationId: row.organization_id,
  chain: row.chain,
  occurredAt: storedTime(row.occurred_at),
  actorId: row.actor_id,
  actorRole: row.actor_role,
  action: row.action,
  caseId: row.case_id,
  caseReference: row.case_reference,
  fields: row.fields,
  reason: row.reason,
  details: row.details,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** An entry `record` held back, with the time it was recorded. */
interface HeldEntry {
  entry: AuditEntry;
  occurredAt: string;
}

/** The one-statement append (see append()); prepared, as nearly every write runs it. */
const APPEND_SQL = `WITH head AS (
  SELECT hash FROM audit_heads WHERE organization_id = $1 AND chain = $2 FOR UPDATE
), link AS (
  SELECT id, prev_hash, sha256(prev_hash || convert_to('["' || id || '",', 'UTF8') || $3::bytea) AS hash
    FROM (SELECT nextval('audit_events_id_seq') AS id, hash AS prev_hash FROM head) AS next
), appended AS (
  INSERT INTO audit_events (id, organization_id, chain, occurred_at, actor_id, actor_role, action, case_id,
                            case_reference, fields, reason, details, prev_hash, hash)
  SELECT id, $1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, prev_hash, hash FROM link
), moved AS (
  UPDATE audit_heads AS h SET hash = link.hash FROM link WHERE h.organization_id = $1 AND h.chain = $2
)
SELECT id FROM link`;

const VERIFY_BATCH = 5000;

/**
 * Details as the list answers them. The application writes small flat objects; a row written by hand with details
 * nested past what JSON serialization can walk would make the whole page a 500, so it is shown as unreadable (and
 * verify names the row).
 */
function answerable(details: Record<string, unknown>): Record<string, unknown> {
  try {
    JSON.stringify(details);
    return details;
  } catch {
    return { unreadable: 'nested too deep to show' };
  }
}

/** What verify answers: `ok` only when every link, head and seal checks out. */
export interface AuditVerification {
  ok: boolean;
  checked: number;
  /** The lowest id over all chains whose link or hash does not check out. */
  firstBrokenId?: string;
  /** Chains whose newest events were deleted. */
  truncatedChains?: number[];
  /** Ids of sealed events whose hash is not the sealed one (the chain was rewritten and recomputed), or that are gone. */
  brokenSeals?: string[];
  /** Chains with events older than the grace period that no seal covered in time. */
  unsealedChains?: { chain: number; since: string }[];
  /** Key ids of seals that AMPARO_AUDIT_KEYS no longer holds: those seals cannot be checked. */
  unknownSealKeys?: string[];
  /** Seal rows no numbered walk of the organization's sequence reaches: written by hand. */
  sealsOutOfSequence?: boolean;
  /** When the organization's trail was first sealed (its oldest seal). */
  sealedSince?: string;
}

@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly seals: AuditSealService,
  ) {}

  /** Per transaction (keyed by its query runner): the entries `record` holds back until `appendingLast` appends them. */
  private readonly heldBack = new WeakMap<object, HeldEntry[]>();

  /**
   * Appends to one of the organization's chains (by case) inside the caller's transaction, so the event commits with
   * the change it records or not at all. The lock on the chain's head row keeps each chain linear. Inside
   * `transaction` (or `appendingLast`) the append waits for the end of the work, so that the head is the last lock
   * the transaction takes.
   */
  async record(manager: EntityManager, given: AuditEntry): Promise<void> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('AuditService.record must run inside a transaction');
    // The uuid columns come back in lower case: hashed (and chained) as written, an upper-case id from a URL would
    // break the link for good.
    const entry = { ...given, actorId: given.actorId?.toLowerCase() ?? null, caseId: given.caseId?.toLowerCase() ?? null };
    const occurredAt = this.clock.now().toISOString();
    const held = this.heldBack.get(runner);
    if (held) held.push({ entry, occurredAt });
    else await this.appendCreatingHead(manager, entry, occurredAt);
  }

  /**
   * Runs `work` in `tx` and then appends the events it recorded: all of them at the end, ordered by organization and
   * chain (each chain's own events in the order recorded). Every transaction that goes through here therefore takes
   * the audit heads last, and takes them in one order, so none of them waits for a row lock while holding a head that
   * another holds while waiting for that row (an attorney's profile in routing, say): no deadlock between them.
   */
  async appendingLast<T>(tx: EntityManager, work: () => Promise<T>): Promise<T> {
    const runner = tx.queryRunner;
    if (!runner?.isTransactionActive) throw new Error('AuditService.appendingLast must run inside a transaction');
    if (this.heldBack.has(runner)) return work(); // nested: the outer one appends
    const held: HeldEntry[] = [];
    this.heldBack.set(runner, held);
    try {
      const result = await work();
      this.heldBack.delete(runner);
      const ordered = held
        .map((h, order) => ({ ...h, order, chain: chainFor(h.entry.caseId) }))
        .sort((a, b) => a.entry.organizationId.localeCompare(b.entry.organizationId) || a.chain - b.chain || a.order - b.order);
      for (const { entry, occurredAt } of ordered) await this.appendCreatingHead(tx, entry, occurredAt);
      return result;
    } finally {
      this.heldBack.delete(runner);
    }
  }

  private async appendCreatingHead(manager: EntityManager, entry: AuditEntry, occurredAt: string): Promise<void> {
    if (await this.append(manager, entry, occurredAt)) return;
    // The chain's first event: create its head (the genesis hash), then append.
    await manager.query(`INSERT INTO audit_heads (organization_id, chain, hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      entry.organizationId, chainFor(entry.caseId), GENESIS_HASH,
    ]);
    if (!(await this.append(manager, entry, occurredAt))) throw new Error('audit chain head missing after it was created');
  }

  /** Appends the event after the chain's head; false (nothing written) when the chain has no head row yet. */
  private async append(manager: EntityManager, entry: AuditEntry, occurredAt: string): Promise<boolean> {
    const chain = chainFor(entry.caseId);
    const fields: Omit<ChainedFields, 'id'> = {
      organizationId: entry.organizationId,
      chain,
      occurredAt,
      actorId: entry.actorId,
      actorRole: entry.actorRole,
      action: entry.action,
      caseId: entry.caseId ?? null,
      caseReference: entry.caseReference ?? null,
      fields: [...(entry.fields ?? [])].sort(),
      reason: entry.reason ?? null,
      details: entry.details ?? {},
    };
    const params = [
      fields.organizationId,
      chain,
      chainTextAfterId(fields),
      occurredAt,
      fields.actorId,
      fields.actorRole,
      fields.action,
      fields.caseId,
      fields.caseReference,
      fields.fields,
      fields.reason,
      JSON.stringify(fields.details),
    ];
    // One statement: lock the chain's head row, take the next id, hash the link (chainHash's definition, finished in
    // SQL because only the database knows the id), insert the event and move the head. A concurrent append to the same
    // chain waits on the head row and then reads the head that one wrote (READ COMMITTED re-reads a locked row).
    const appended = await preparedQuery(manager, APPEND_SQL, params);
    return appended.length > 0;
  }

  /**
   * Records in its own transaction (for events that are not part of a larger change). Never call it while holding a
   * connection (inside a transaction): throw an AuditedRefusal there instead.
   */
  recordAlone(entry: AuditEntry): Promise<void> {
    return this.db.transaction((tx) => this.record(tx, entry));
  }

  /**
   * `work` in a transaction, run again if PostgreSQL aborts it for a concurrent one (transactionWithRetry: `work` must
   * do nothing but database work in `tx`), with its audit events appended at its end (appendingLast); an
   * AuditedRefusal thrown in it is recorded after the rollback.
   */
  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.refusalsAudited(() => transactionWithRetry(this.db, (tx) => this.appendingLast(tx, () => work(tx))));
  }

  /** Runs `work`; an AuditedRefusal it throws is recorded on its own, then rethrown. */
  async refusalsAudited<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AuditedRefusal && !error.recorded) {
        await this.recordAlone(error.entry);
        error.recorded = true;
      }
      throw error;
    }
  }

  async list(
    organizationId: string,
    filter: { caseId?: string; actorId?: string; action?: string },
    page: number,
    limit: number,
  ): Promise<Page<AuditEventView>> {
    const where = ['organization_id = $1'];
    const params: unknown[] = [organizationId];
    if (filter.caseId) where.push(`case_id = $${params.push(filter.caseId)}`);
    if (filter.actorId) where.push(`actor_id = $${params.push(filter.actorId)}`);
    if (filter.action) where.push(`action = $${params.push(filter.action)}`);
    const counted = await countMatches(this.db, `audit_events WHERE ${where.join(' AND ')}`, params, page, limit);
    const rows: AuditRow[] = await this.db.query(
      `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, (page - 1) * limit],
    );
    const items = rows.map((row) => {
      const { prevHash: _p, hash: _h, organizationId: _o, chain: _c, ...view } = toLink(row);
      return { ...view, details: answerable(view.details) };
    });
    return { items, page, limit, ...counted };
  }

  /**
   * Re-computes every chain of the organization from the start, in batches; names the first broken row, the chains
   * whose newest events are gone (the walk never reaches the hash the chain's head row holds), every seal out of the
   * organization's sequence or whose MAC does not check, every sealed event whose hash changed (a chain rewritten and
   * recomputed past it), and the chains with old events no seal covers.
   */
  async verify(organizationId: string): Promise<AuditVerification> {
    const now = this.clock.now();
    let checked = 0;
    const broken: string[] = [];
    const truncated: number[] = [];
    const brokenSeals: string[] = [];
    const unsealed: { chain: number; since: string }[] = [];
    const unknownKeys = new Set<string>();
    let outOfSequence = false;
    // Read first, like the heads: seals written while the walk runs (for events it may not reach) are not judged.
    const sealState = await this.seals.sealState(organizationId);
    const sequence = new SealSequenceCheck(this.seals.keys);
    for (let afterSeq = '0'; BigInt(afterSeq) < BigInt(sealState.throughSeq); ) {
      const batch = await this.seals.sealsInSequence(organizationId, afterSeq, sealState.throughSeq, VERIFY_BATCH);
      if (batch.length === 0) break;
      batch.forEach((seal) => sequence.visit(seal));
      afterSeq = batch[batch.length - 1].seqText;
    }
    brokenSeals.push(...sequence.broken, ...sealState.unnumbered);
    // Rows the numbered walk did not reach (no number, or one outside any sequence): someone wrote them by hand.
    if (sequence.visited + sealState.unnumbered.length !== sealState.count) outOfSequence = true;
    sequence.unknownKeys.forEach((k) => unknownKeys.add(k));
    // Events outside the chains the walk knows (a CHECK or NOT NULL dropped) would be listed but never verified.
    const [stray]: { id: string | null }[] = await this.db.query(
      `SELECT min(id)::text AS id FROM audit_events WHERE organization_id = $1 AND (chain = ANY($2::int[])) IS NOT TRUE`,
      [organizationId, Array.from({ length: AUDIT_CHAINS }, (_, i) => i)],
    );
    if (stray.id !== null) broken.push(stray.id);
    for (let chain = 0; chain < AUDIT_CHAINS; chain++) {
      const result = await this.verifyChain(organizationId, chain, now, sealState.throughId.get(chain) ?? null);
      checked += result.checked;
      if (result.firstBrokenId) broken.push(result.firstBrokenId);
      else if (result.truncated) truncated.push(chain);
      const { seals } = result;
      brokenSeals.push(...seals.broken);
      if (seals.unsealedSince) unsealed.push({ chain, since: seals.unsealedSince });
    }
    const sealedSince = sealState.firstSealedAt ?? undefined;
    const first = broken.length ? broken.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b)) : undefined;
    const ok = !first && !truncated.length && !brokenSeals.length && !outOfSequence && !unsealed.length && !unknownKeys.size;
    return {
      ok,
      checked,
      ...(first ? { firstBrokenId: first } : {}),
      ...(truncated.length ? { truncatedChains: truncated } : {}),
      ...(brokenSeals.length ? { brokenSeals: [...new Set(brokenSeals)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0)) } : {}),
      ...(unsealed.length ? { unsealedChains: unsealed } : {}),
      ...(unknownKeys.size ? { unknownSealKeys: [...unknownKeys] } : {}),
      ...(outOfSequence ? { sealsOutOfSequence: true } : {}),
      ...(sealedSince ? { sealedSince } : {}),
    };
  }

  /**
   * One chain, in id order. The head row is read first: appends only move it forward, so the walk must pass the hash it
   * held then, whatever is appended meanwhile. A walk that ends before it (or rows with no head at all) means events
   * were deleted from the end, which no link in the remaining rows can show. Seals are read batch by batch beside the
   * events they name; those naming ids past the last event name events that are gone.
   */
  private async verifyChain(
    organizationId: string,
    chain: number,
    now: Date,
    sealedThrough: string | null,
  ): Promise<{ checked: number; firstBrokenId?: string; truncated?: boolean; seals: SealFindings }> {
    const [head]: { hash: Buffer }[] = await this.db.query(`SELECT hash FROM audit_heads WHERE organization_id = $1 AND chain = $2`, [
      organizationId, chain,
    ]);
    const sealCheck = new SealCheck(this.seals.keys, now, this.seals.graceMs);
    const sealsUpTo = (afterId: string | null, lastId: string | null) =>
      sealedThrough === null || (afterId !== null && BigInt(sealedThrough) <= BigInt(afterId))
        ? Promise.resolve([])
        : this.seals.sealsBetween(organizationId, chain, afterId, lastId !== null && BigInt(lastId) < BigInt(sealedThrough) ? lastId : sealedThrough);
    let reachedHead = head ? head.hash.equals(GENESIS_HASH) : true;
    let checked = 0;
    let previous: Buffer = GENESIS_HASH;
    // From the first row, whatever its id: a row forged with an id below every real one is walked too.
    let afterId: string | null = null;
    for (;;) {
      const rows: AuditRow[] = await this.db.query(
        `SELECT * FROM audit_events WHERE organization_id = $1 AND chain = $2 AND ($3::bigint IS NULL OR id > $3) ORDER BY id LIMIT $4`,
        [organizationId, chain, afterId, VERIFY_BATCH],
      );
      if (rows.length === 0) {
        sealCheck.addSeals(await sealsUpTo(afterId, null));
        return { checked, truncated: !reachedHead || (checked > 0 && !head), seals: sealCheck.finish() };
      }
      const links = rows.map(toLink);
      const result = findFirstBrokenLink(links, previous);
      if (result.firstBrokenId) return { checked: checked + result.checked, firstBrokenId: result.firstBrokenId, seals: sealCheck.finish() };
      sealCheck.addSeals(await sealsUpTo(afterId, links[links.length - 1].id));
      for (const link of links) sealCheck.visit(link);
      if (!reachedHead) reachedHead = links.some((link) => link.hash.equals(head!.hash));
      checked += result.checked;
      previous = links[links.length - 1].hash;
      afterId = links[links.length - 1].id;
    }
  }
}
