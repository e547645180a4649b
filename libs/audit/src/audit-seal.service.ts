import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { storedTime } from './audit-chain';
import { AuditSealKeys, FIRST_SEAL_PREV, StoredSeal } from './audit-seal';

/** However often the jobs run, an event may wait this long for its seal before verify calls its chain unsealed. */
const MIN_SEAL_GRACE_MS = 15 * 60_000;

interface SealRow {
  organization_id: string;
  chain: number;
  seq: string;
  prev_mac: Buffer;
  event_id: string;
  event_hash: Buffer;
  sealed_at: Date | number;
  key_id: string;
  mac: Buffer;
}

export const toSeal = (row: SealRow): StoredSeal => ({
  organizationId: row.organization_id,
  chain: row.chain,
  seq: Number(row.seq),
  seqText: String(row.seq),
  prevMac: row.prev_mac,
  eventId: row.event_id,
  eventHash: row.event_hash,
  sealedAt: storedTime(row.sealed_at),
  keyId: row.key_id,
  mac: row.mac,
});

/** Advisory lock class of an organization's sealing (the key is its id's hashtext): one pass at a time per organization. */
const SEAL_LOCK_CLASS = 7_264_004;

const SEAL_COLUMNS = 'organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac';

/**
 * Seals the newest event of every audit chain whose head moved since its last seal: at start, then on every jobs pass
 * (and from tests, by hand). Each organization in a transaction of its own under an advisory lock of its own, so
 * instances sealing at once take turns and number the organization's seals without a gap.
 */
@Injectable()
export class AuditSealService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuditSeals');
  private stop?: () => Promise<void>;
  private running: Promise<number> | null = null;
  readonly keys: AuditSealKeys;
  /** How long an event may stay unsealed before verify says sealing is not running: three jobs passes, at least 15 minutes. */
  readonly graceMs: number;
  /** The number of the newest seal this process wrote or saw, per organization: seals that vanish are logged. */
  private readonly lastSeen = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.keys = AuditSealKeys.parse(config.secrets.auditKeys);
    this.graceMs = Math.max(MIN_SEAL_GRACE_MS, 3 * config.jobs.intervalSeconds * 1000);
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    // At once, not one interval later: what was recorded before a restart (or by the CLI meanwhile) is sealed first.
    this.sealChains().catch((error: unknown) => this.logger.error({ err: error }, 'Audit sealing failed'));
    this.stop = every(this.config.jobs.intervalSeconds, () => this.sealChains(), this.logger, 'Audit sealing');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
    // The pass started at boot, outside the timer: waited for as the timer's are, 5 seconds at most (a database that
    // stopped answering would hold the shutdown until the platform kills the process). A seal not written is written
    // by the next pass, of this instance or another.
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timeout = setTimeout(resolve, 5000)));
    await Promise.race([this.running?.catch(() => undefined), late]);
    clearTimeout(timeout);
  }

  /** Seals what moved, one pass at a time in this process; returns how many seals were written. */
  sealChains(): Promise<number> {
    this.running ??= this.sealPass().finally(() => (this.running = null));
    return this.running;
  }

  private async sealPass(): Promise<number> {
    // Each head against its chain's newest seal (one index probe each): the organizations with a chain that moved.
    const heads: { organization_id: string; moved: boolean }[] = await this.db.query(
      `SELECT h.organization_id, bool_or(s.event_hash IS DISTINCT FROM h.hash) AS moved
         FROM audit_heads h
         LEFT JOIN LATERAL (SELECT event_hash FROM audit_seals s WHERE s.organization_id = h.organization_id AND s.chain = h.chain
                             ORDER BY event_id DESC LIMIT 1) s ON true
        GROUP BY h.organization_id ORDER BY h.organization_id`,
    );
    let written = 0;
    for (const org of heads.filter((h) => h.moved)) {
      try {
        written += await this.sealOrganization(org.organization_id);
      } catch (error) {
        // One organization that cannot be sealed does not hold up the others.
        this.logger.error({ err: error, organizationId: org.organization_id }, 'Audit sealing failed for an organization; going on with the rest');
      }
    }
    return written;
  }

  private async sealOrganization(organizationId: string): Promise<number> {
    const result = await this.db.transaction(async (tx): Promise<{ written: number; newestSeq: number }> => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2::text))`, [SEAL_LOCK_CLASS, organizationId]);
      const [newestRow]: SealRow[] = await tx.query(
        `SELECT ${SEAL_COLUMNS} FROM audit_seals WHERE organization_id = $1 ORDER BY seq DESC NULLS LAST LIMIT 1`,
        [organizationId],
      );
      const newest = newestRow ? toSeal(newestRow) : null;
      this.noteVanishedSeals(organizationId, newest?.seq ?? 0);
      // Chained only onto a seal that checks out: one forged (or under a key no longer configured) would make every
      // later seal vouch for it. A number no real sequence reaches is forged too (the MAC covers the number).
      if (newest && (!Number.isSafeInteger(newest.seq) || this.keys.check(newest, newest.keyId, newest.mac) !== 'valid')) {
        this.logger.error({ organizationId, seq: newest.seqText }, 'Audit sealing stopped for an organization: its newest seal does not check out (forged, or under a key AMPARO_AUDIT_KEYS no longer holds); see GET /api/audit/verify');
        return { written: 0, newestSeq: 0 };
      }
      const moved: { chain: number; id: string; hash: Buffer }[] = await tx.query(
        `SELECT h.chain, e.id, e.hash
           FROM audit_heads h
           CROSS JOIN LATERAL (SELECT id, hash FROM audit_events e WHERE e.organization_id = h.organization_id AND e.chain = h.chain
                                ORDER BY id DESC LIMIT 1) e
           LEFT JOIN LATERAL (SELECT event_id FROM audit_seals s WHERE s.organization_id = h.organization_id AND s.chain = h.chain
                               ORDER BY event_id DESC LIMIT 1) s ON true
          WHERE h.organization_id = $1 AND s.event_id IS DISTINCT FROM e.id
          ORDER BY h.chain`,
        [organizationId],
      );
      if (moved.length === 0) return { written: 0, newestSeq: newest?.seq ?? 0 };
      const now = this.clock.now();
      const sealedAt = now.toISOString();
      let previous = newest ? { seq: newest.seq, mac: newest.mac } : null;
      const seals = moved.map((m) => {
        const point = {
          organizationId, chain: m.chain, seq: (previous?.seq ?? 0) + 1, prevMac: previous?.mac ?? FIRST_SEAL_PREV,
          eventId: m.id, eventHash: m.hash, sealedAt,
        };
        const sealed = { ...point, ...this.keys.seal(point) };
        previous = { seq: sealed.seq, mac: sealed.mac };
        return sealed;
      });
      await tx.query(
        `INSERT INTO audit_seals (${SEAL_COLUMNS})
         SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::bigint[], $4::bytea[], $5::bigint[], $6::bytea[], $7::timestamptz[], $8::text[], $9::bytea[])`,
        [
          seals.map((x) => x.organizationId), seals.map((x) => x.chain), seals.map((x) => x.seq), seals.map((x) => x.prevMac),
          seals.map((x) => x.eventId), seals.map((x) => x.eventHash), seals.map(() => sealedAt), seals.map((x) => x.keyId), seals.map((x) => x.mac),
        ],
      );
      if (!newest) {
        // The organization's first seal vouches for everything before it. That is right once, at the first sealing after
        // the upgrade that added seals (or of a new organization); later, over old events, it follows every seal of the
        // organization deleted, which only this log shows.
        const [oldest]: { occurred_at: unknown }[] = await tx.query(
          `SELECT occurred_at FROM audit_events WHERE organization_id = $1 ORDER BY id LIMIT 1`,
          [organizationId],
        );
        const oldestAt = oldest ? storedTime(oldest.occurred_at) : null;
        if (oldestAt && !(now.getTime() - Date.parse(oldestAt) <= this.graceMs)) {
          this.logger.warn(
            { organizationId, oldestEvent: oldestAt },
            'Audit trail of an organization sealed for the first time over events older than the grace period: expected once after the upgrade that added seals; otherwise its seals were removed (check the exported heads)',
          );
        }
      }
      return { written: seals.length, newestSeq: previous!.seq };
    });
    // Once committed: a pass rolled back must not make the next one think its seals vanished.
    if (result.newestSeq > 0) this.lastSeen.set(organizationId, Math.max(result.newestSeq, this.lastSeen.get(organizationId) ?? 0));
    return result.written;
  }

  /** Seals this process wrote or saw that are no longer there: the newest seals of the organization were deleted. */
  private noteVanishedSeals(organizationId: string, newestSeq: number): void {
    const seen = this.lastSeen.get(organizationId) ?? 0;
    if (newestSeq < seen) {
      this.logger.error(
        { organizationId, lastSeal: seen, now: newestSeq },
        'Audit seals this instance wrote or saw are gone from the database (deleted, or a backup restored): check GET /api/audit/verify and the exported heads',
      );
      this.lastSeen.set(organizationId, newestSeq);
    }
  }

  /** The seals of one chain for events with ids in (afterId, throughId]; afterId null: from the first. */
  async sealsBetween(organizationId: string, chain: number, afterId: string | null, throughId: string): Promise<StoredSeal[]> {
    const rows: SealRow[] = await this.db.query(
      `SELECT ${SEAL_COLUMNS} FROM audit_seals
        WHERE organization_id = $1 AND chain = $2 AND ($3::bigint IS NULL OR event_id > $3) AND event_id <= $4 ORDER BY event_id`,
      [organizationId, chain, afterId, throughId],
    );
    return rows.map(toSeal);
  }

  /** The organization's seals with numbers in (afterSeq, throughSeq] (exact, as text), in order, at most `limit`. */
  async sealsInSequence(organizationId: string, afterSeq: string, throughSeq: string, limit: number): Promise<StoredSeal[]> {
    const rows: SealRow[] = await this.db.query(
      `SELECT ${SEAL_COLUMNS} FROM audit_seals WHERE organization_id = $1 AND seq > $2::bigint AND seq <= $3::bigint ORDER BY seq LIMIT $4`,
      [organizationId, afterSeq, throughSeq, limit],
    );
    return rows.map(toSeal);
  }

  /**
   * Read before a verification, like the heads: the newest seal number and how many seals there are (a numbered walk
   * that visits fewer met rows out of any sequence), the seals with no valid number, the newest sealed event id of
   * each chain, and when the organization was first sealed. Seals written while the walk runs are not judged.
   */
  async sealState(organizationId: string): Promise<{
    throughSeq: string;
    count: number;
    unnumbered: string[];
    throughId: Map<number, string>;
    firstSealedAt: string | null;
  }> {
    const [totals]: { through: string | null; n: number; first: Date | null }[] = await this.db.query(
      `SELECT max(seq)::text AS through, count(*)::int AS n, min(sealed_at) FILTER (WHERE isfinite(sealed_at)) AS first
         FROM audit_seals WHERE organization_id = $1`,
      [organizationId],
    );
    const unnumbered: { event_id: string }[] = await this.db.query(
      `SELECT event_id::text FROM audit_seals WHERE organization_id = $1 AND (seq IS NULL OR seq < 1)`,
      [organizationId],
    );
    const chains: { chain: number; through: string }[] = await this.db.query(
      `SELECT chain, max(event_id)::text AS through FROM audit_seals WHERE organization_id = $1 GROUP BY chain`,
      [organizationId],
    );
    return {
      throughSeq: totals.through ?? '0',
      count: totals.n,
      unnumbered: unnumbered.map((r) => r.event_id),
      throughId: new Map(chains.map((r) => [r.chain, r.through])),
      firstSealedAt: totals.first ? storedTime(totals.first) : null,
    };
  }
}
