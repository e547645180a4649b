import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, Page } from '@amparo/common';
import { AUDIT_CHAINS, ChainedFields, GENESIS_HASH, StoredLink, chainFor, chainHash, findFirstBrokenLink } from './audit-chain';

export type AuditAction =
  | 'case.create'
  | 'case.update'
  | 'case.read_sensitive'
  | 'case.reveal'
  | 'case.lookup'
  | 'case.close'
  | 'case.purge'
  | 'case.access_denied'
  | 'case.event'
  | 'deadline.update'
  | 'referral.offer'
  | 'referral.accept'
  | 'referral.decline'
  | 'referral.withdraw'
  | 'referral.expire'
  | 'keys.rotate'
  | 'attorney.profile';

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

/** An audit event as the API lists it: the chained fields, without the organization and chain bookkeeping. */
export type AuditEventView = Omit<ChainedFields, 'organizationId' | 'chain'>;

interface AuditRow {
  id: string;
  organization_id: string;
  chain: number;
  occurred_at: Date;
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
  occurredAt: row.occurred_at.toISOString(),
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

const VERIFY_BATCH = 5000;

@Injectable()
export class AuditService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends to one of the organization's chains (by case) inside the caller's transaction, so the event commits with
   * the change it records or not at all. The lock on the chain's head row keeps each chain linear; record last in a
   * transaction to hold it briefly.
   */
  async record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('AuditService.record must run inside a transaction');
    const chain = chainFor(entry.caseId);
    // Locks the chain's head row (creating it for a new chain) and reads it, in one statement: a concurrent append
    // to the same chain waits here and then sees the head that one wrote.
    const [{ id, head }] = await manager.query(
      `INSERT INTO audit_heads AS h (organization_id, chain, hash) VALUES ($1, $2, $3)
       ON CONFLICT (organization_id, chain) DO UPDATE SET hash = h.hash
       RETURNING h.hash AS head, nextval('audit_events_id_seq')::text AS id`,
      [entry.organizationId, chain, GENESIS_HASH],
    );
    const prevHash: Buffer = head;
    const occurredAt = this.clock.now().toISOString();
    const fields = {
      id,
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
    const hash = chainHash(prevHash, fields);
    await manager.query(
      `WITH appended AS (
         INSERT INTO audit_events (id, organization_id, chain, occurred_at, actor_id, actor_role, action, case_id,
                                   case_reference, fields, reason, details, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       )
       UPDATE audit_heads SET hash = $14 WHERE organization_id = $2 AND chain = $3`,
      [
        id,
        fields.organizationId,
        chain,
        occurredAt,
        fields.actorId,
        fields.actorRole,
        fields.action,
        fields.caseId,
        fields.caseReference,
        fields.fields,
        fields.reason,
        JSON.stringify(fields.details),
        prevHash,
        hash,
      ],
    );
  }

  /** Records in its own transaction (for events that are not part of a larger change, e.g. a denied access). */
  recordAlone(entry: AuditEntry): Promise<void> {
    return this.db.transaction((tx) => this.record(tx, entry));
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
    const [{ total }] = await this.db.query(`SELECT count(*)::int AS total FROM audit_events WHERE ${where.join(' AND ')}`, params);
    const rows: AuditRow[] = await this.db.query(
      `SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, (page - 1) * limit],
    );
    const items = rows.map((row) => {
      const { prevHash: _p, hash: _h, organizationId: _o, chain: _c, ...view } = toLink(row);
      return view;
    });
    return { items, page, limit, total };
  }

  /** Re-computes every chain of the organization from the start, in batches; names the first broken row. */
  async verify(organizationId: string): Promise<{ ok: boolean; checked: number; firstBrokenId?: string }> {
    let checked = 0;
    const broken: string[] = [];
    for (let chain = 0; chain < AUDIT_CHAINS; chain++) {
      const result = await this.verifyChain(organizationId, chain);
      checked += result.checked;
      if (result.firstBrokenId) broken.push(result.firstBrokenId);
    }
    if (broken.length === 0) return { ok: true, checked };
    const first = broken.reduce((a, b) => (BigInt(a) < BigInt(b) ? a : b));
    return { ok: false, checked, firstBrokenId: first };
  }

  private async verifyChain(organizationId: string, chain: number): Promise<{ checked: number; firstBrokenId?: string }> {
    let checked = 0;
    let previous: Buffer = GENESIS_HASH;
    let afterId = '0';
    for (;;) {
      const rows: AuditRow[] = await this.db.query(
        `SELECT * FROM audit_events WHERE organization_id = $1 AND chain = $2 AND id > $3 ORDER BY id LIMIT $4`,
        [organizationId, chain, afterId, VERIFY_BATCH],
      );
      if (rows.length === 0) return { checked };
      const links = rows.map(toLink);
      const result = findFirstBrokenLink(links, previous);
      if (result.firstBrokenId) return { checked: checked + result.checked, firstBrokenId: result.firstBrokenId };
      checked += result.checked;
      previous = links[links.length - 1].hash;
      afterId = links[links.length - 1].id;
    }
  }
}
