import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { AuditSealKeys, FIRST_SEAL_PREV, StoredSeal } from './audit-seal';

/** However often the jobs run, an event may wait this long for its seal before verify calls its chain unsealed. */
const MIN_SEAL_GRACE_MS = 15 * 60_000;

interface SealRow {
  organization_id: string;
  chain: number;
  seq: number;
  prev_mac: Buffer;
  event_id: string;
  event_hash: Buffer;
  sealed_at: Date;
  key_id: string;
  mac: Buffer;
}

export const toSeal = (row: SealRow): StoredSeal => ({
  organizationId: row.organization_id,
  chain: row.chain,
  seq: row.seq,
  prevMac: row.prev_mac,
  eventId: row.event_id,
  eventHash: row.event_hash,
  sealedAt: row.sealed_at.toISOString(),
  keyId: row.key_id,
  mac: row.mac,
});

/**
 * Seals the newest event of every audit chain that has changed since its last seal: at start, then on every jobs pass
 * (and from tests, by hand). Instances that seal at the same time write one seal per chain and number (the unique keys).
 */
@Injectable()
export class AuditSealService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditSeals');
  private stop?: () => void;
  readonly keys: AuditSealKeys;
  /** How long an event may stay unsealed before verify says sealing is not running: three jobs passes, at least 15 minutes. */
  readonly graceMs: number;
  /** The number of the last seal this process wrote or saw, per chain: a chain whose newest seals vanish is logged. */
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

  onApplicationShutdown(): void {
    this.stop?.();
  }

  /** Seals each chain's newest event where it is not sealed yet; returns how many seals were written. */
  async sealChains(): Promise<number> {
    // Each head against its chain's newest seal (one index probe each): only the chains that moved go further.
    const heads: { organization_id: string; chain: number; seq: number | null; mac: Buffer | null; moved: boolean }[] = await this.db.query(
      `SELECT h.organization_id, h.chain, s.seq, s.mac, s.event_hash IS DISTINCT FROM h.hash AS moved
         FROM audit_heads h
         LEFT JOIN LATERAL (SELECT seq, mac, event_hash FROM audit_seals s WHERE s.organization_id = h.organization_id AND s.chain = h.chain
                             ORDER BY seq DESC LIMIT 1) s ON true`,
    );
    this.noteVanishedSeals(heads);
    const moved = heads.filter((h) => h.moved);
    if (moved.length === 0) return 0;
    const now = this.clock.now();
    const sealedAt = now.toISOString();
    const seals = [];
    const firsts: { organizationId: string; chain: number; oldest: Date }[] = [];
    for (const m of moved) {
      const [newest]: { id: string; hash: Buffer }[] = await this.db.query(
        `SELECT id, hash FROM audit_events WHERE organization_id = $1 AND chain = $2 ORDER BY id DESC LIMIT 1`,
        [m.organization_id, m.chain],
      );
      if (!newest) continue;
      const point = {
        organizationId: m.organization_id, chain: m.chain, seq: (m.seq ?? 0) + 1, prevMac: m.mac ?? FIRST_SEAL_PREV,
        eventId: newest.id, eventHash: newest.hash, sealedAt,
      };
      seals.push({ ...point, ...this.keys.seal(point) });
      if (m.seq === null) {
        const [{ oldest }] = await this.db.query(`SELECT min(occurred_at) AS oldest FROM audit_events WHERE organization_id = $1 AND chain = $2`, [
          m.organization_id, m.chain,
        ]);
        if (now.getTime() - oldest.getTime() > this.graceMs) firsts.push({ organizationId: m.organization_id, chain: m.chain, oldest });
      }
    }
    if (seals.length === 0) return 0;
    const written: { organization_id: string; chain: number; seq: number }[] = await this.db.query(
      `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac)
       SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::int[], $4::bytea[], $5::bigint[], $6::bytea[], $7::timestamptz[], $8::text[], $9::bytea[])
       ON CONFLICT DO NOTHING RETURNING organization_id, chain, seq`,
      [
        seals.map((s) => s.organizationId), seals.map((s) => s.chain), seals.map((s) => s.seq), seals.map((s) => s.prevMac),
        seals.map((s) => s.eventId), seals.map((s) => s.eventHash), seals.map(() => sealedAt), seals.map((s) => s.keyId), seals.map((s) => s.mac),
      ],
    );
    for (const w of written) this.lastSeen.set(`${w.organization_id}:${w.chain}`, Math.max(this.lastSeen.get(`${w.organization_id}:${w.chain}`) ?? 0, w.seq));
    // A chain's first seal vouches for everything before it. That is right once, at the first sealing after the upgrade
    // that added seals; a later one over old events may follow seals deleted in the database (verify reports it when
    // the organization has older seals; when every seal is gone, only this log shows it).
    const loggedFirsts = firsts.filter((f) => written.some((w) => w.organization_id === f.organizationId && w.chain === f.chain));
    if (loggedFirsts.length) {
      this.logger.warn(
        { chains: loggedFirsts.map((f) => ({ organizationId: f.organizationId, chain: f.chain, oldestEvent: f.oldest.toISOString() })) },
        'Audit chains sealed for the first time over events older than the grace period: expected once after the upgrade that added seals; otherwise their seals were removed (check with GET /api/audit/verify and the exported heads)',
      );
    }
    return written.length;
  }

  /** Seals this process wrote or saw that are no longer there: the newest seals of a chain were deleted. */
  private noteVanishedSeals(heads: { organization_id: string; chain: number; seq: number | null }[]): void {
    const now = new Map(heads.map((c) => [`${c.organization_id}:${c.chain}`, c.seq ?? 0]));
    const vanished = [...this.lastSeen].filter(([key, seq]) => (now.get(key) ?? 0) < seq);
    if (vanished.length) {
      this.logger.error(
        { chains: vanished.map(([key, seq]) => ({ chain: key, lastSeal: seq, now: now.get(key) ?? 0 })) },
        'Audit seals this instance wrote or saw are gone from the database: someone with the database owner\'s or a superuser\'s rights deleted them',
      );
    }
    for (const [key, seq] of now) this.lastSeen.set(key, Math.max(seq, this.lastSeen.get(key) ?? 0));
  }

  /** The seals of one chain for events with ids in (afterId, throughId]. */
  async sealsBetween(organizationId: string, chain: number, afterId: string, throughId: string): Promise<StoredSeal[]> {
    const rows: SealRow[] = await this.db.query(
      `SELECT organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac FROM audit_seals
        WHERE organization_id = $1 AND chain = $2 AND event_id > $3 AND event_id <= $4 ORDER BY event_id`,
      [organizationId, chain, afterId, throughId],
    );
    return rows.map(toSeal);
  }

  /** The newest sealed event id of each chain and when the organization was first sealed, read before a verification. */
  async sealState(organizationId: string): Promise<{ throughId: Map<number, string>; firstSealedAt: string | null }> {
    const rows: { chain: number; through: string; first: Date }[] = await this.db.query(
      `SELECT chain, max(event_id)::text AS through, min(sealed_at) AS first FROM audit_seals WHERE organization_id = $1 GROUP BY chain`,
      [organizationId],
    );
    const first = rows.length ? rows.reduce((a, b) => (a.first < b.first ? a : b)).first.toISOString() : null;
    return { throughId: new Map(rows.map((r) => [r.chain, r.through])), firstSealedAt: first };
  }
}
