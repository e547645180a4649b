import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { AuditSealKeys, StoredSeal } from './audit-seal';

/** However often the jobs run, an event may wait this long for its seal before verify calls its chain unsealed. */
const MIN_SEAL_GRACE_MS = 15 * 60_000;

interface SealRow {
  organization_id: string;
  chain: number;
  event_id: string;
  event_hash: Buffer;
  sealed_at: Date;
  key_id: string;
  mac: Buffer;
}

export const toSeal = (row: SealRow): StoredSeal => ({
  organizationId: row.organization_id,
  chain: row.chain,
  eventId: row.event_id,
  eventHash: row.event_hash,
  sealedAt: row.sealed_at.toISOString(),
  keyId: row.key_id,
  mac: row.mac,
});

/**
 * Seals the newest event of every audit chain that has changed since its last seal, on every jobs pass (and from tests,
 * by hand). Instances that seal at the same time write one seal per event (the unique key).
 */
@Injectable()
export class AuditSealService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditSeals');
  private stop?: () => void;
  readonly keys: AuditSealKeys;
  /** How long an event may stay unsealed: three jobs passes, at least 15 minutes. */
  readonly graceMs: number;

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
    this.stop = every(this.config.jobs.intervalSeconds, () => this.sealChains(), this.logger, 'Audit sealing');
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Seals each chain's newest event where it is not sealed yet; returns how many seals were written. */
  async sealChains(): Promise<number> {
    const heads: { organization_id: string; chain: number; id: string; hash: Buffer; first: boolean; oldest: Date }[] = await this.db.query(
      `SELECT h.organization_id, h.chain, e.id, e.hash,
              NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.organization_id = h.organization_id AND s.chain = h.chain) AS first,
              (SELECT occurred_at FROM audit_events o WHERE o.organization_id = h.organization_id AND o.chain = h.chain ORDER BY id LIMIT 1) AS oldest
         FROM audit_heads h
         CROSS JOIN LATERAL (SELECT id, hash FROM audit_events e WHERE e.organization_id = h.organization_id AND e.chain = h.chain
                              ORDER BY id DESC LIMIT 1) e
        WHERE NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.organization_id = h.organization_id AND s.chain = h.chain AND s.event_id = e.id)`,
    );
    if (heads.length === 0) return 0;
    const now = this.clock.now();
    const sealedAt = now.toISOString();
    const seals = heads.map((head) => {
      const point = { organizationId: head.organization_id, chain: head.chain, eventId: head.id, eventHash: head.hash, sealedAt };
      return { ...point, ...this.keys.seal(point) };
    });
    const written: unknown[] = await this.db.query(
      `INSERT INTO audit_seals (organization_id, chain, event_id, event_hash, sealed_at, key_id, mac)
       SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::bigint[], $4::bytea[], $5::timestamptz[], $6::text[], $7::bytea[])
       ON CONFLICT (organization_id, chain, event_id) DO NOTHING RETURNING id`,
      [
        seals.map((s) => s.organizationId), seals.map((s) => s.chain), seals.map((s) => s.eventId), seals.map((s) => s.eventHash),
        seals.map(() => sealedAt), seals.map((s) => s.keyId), seals.map((s) => s.mac),
      ],
    );
    // A chain's first seal vouches for everything before it, however old. That is right once, at the first sealing after
    // an upgrade; a later one over old events may follow seals deleted in the database, which only this log can show.
    const old = heads.filter((h) => h.first && now.getTime() - h.oldest.getTime() > this.graceMs);
    if (old.length) {
      this.logger.warn(
        { chains: old.map((h) => ({ organizationId: h.organization_id, chain: h.chain, oldestEvent: h.oldest.toISOString() })) },
        'Audit chains sealed for the first time over events older than the grace period: expected once after the upgrade that added seals; otherwise their seals were removed (check with GET /api/audit/verify and the exported heads)',
      );
    }
    return written.length;
  }

  /** The seals of one chain for events with ids in (afterId, throughId]; throughId null: to the end. */
  async sealsBetween(organizationId: string, chain: number, afterId: string, throughId: string | null): Promise<StoredSeal[]> {
    const rows: SealRow[] = await this.db.query(
      `SELECT organization_id, chain, event_id, event_hash, sealed_at, key_id, mac FROM audit_seals
        WHERE organization_id = $1 AND chain = $2 AND event_id > $3 AND ($4::bigint IS NULL OR event_id <= $4) ORDER BY event_id`,
      [organizationId, chain, afterId, throughId],
    );
    return rows.map(toSeal);
  }
}
