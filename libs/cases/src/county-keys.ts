import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '@amparo/audit';
import { isDatabaseUnavailable } from '@amparo/database';
import { countyKey, resolveTimeZone, stateWideZones, uncertainDayZone } from '@amparo/reference';
import { followCaseZone } from './case-zones';

/** Any number: the advisory lock that lets one instance at a time fill the keys. */
const BACKFILL_LOCK = 1_764_001_800;
/** How long before a run again, while cases are left to read. */
const BACKFILL_RETRY_MS = 60_000;

/**
 * The zone a case placed by `state` and `county` gets now, when it is in a zone its state gives without a county
 * (placed by the state alone, by an older reading of counties) and the county now reads as another: else null. A zone
 * that is neither was sent by hand, and is kept; so is one beside a county typed bare ("El Paso", "Davidson"), which
 * every release has read as it reads it now: it differs from the county's because it was sent so.
 */
export function betterZone(state: string, county: string, zone: string): string | null {
  let placed: ReturnType<typeof resolveTimeZone>;
  try {
    placed = resolveTimeZone(state, county);
  } catch {
    return null; // a state the tables do not know: as it was
  }
  // Accents are letters every release read (NFD), full-width letters (Ｅｌ Ｐａｓｏ) are not: releases before 1764006100000
  // read them as no county at all, and placed the case by its state.
  const letters = county.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase().replace(/[^A-Z0-9]/g, '');
  const bare = placed.basis === 'county' && countyKey(county, state) === letters;
  return placed.zone !== zone && !bare && stateWideZones(state).includes(zone) ? placed.zone : null;
}

/** A case placed by `state` and `county` whose county is to be read again (its key empty), with the zone it has. */
export interface CountyPlacedCase {
  id: string;
  county: string;
  state: string;
  time_zone: string;
}

/**
 * Reads these cases' counties again, as this release reads them (call with the rows locked, their keys empty): their
 * keys, their zone when an older reading left them in their state's (`betterZone`), and the events read in their zone
 * since their last transfer, with the day zone of a place whose zone is uncertain. Due for the urgency review when moved,
 * given a day zone, or in a county jail of a county with a participating 287(g) Jail Enforcement Model agreement.
 * Returns the ids of those moved to another zone (for the caller's audit).
 */
export async function readCountiesAgain(tx: EntityManager, rows: CountyPlacedCase[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const zones = rows.map((r) => betterZone(r.state, r.county, r.time_zone));
  // Where each one's events' days are read when its place's zone is uncertain (a city in Tennessee or Oregon).
  const dayZones = Object.fromEntries(rows.map((r, i) => [r.id, uncertainDayZone(r.state, r.county, zones[i] ?? r.time_zone)]));
  // Only where the county is still the one read (a correction meanwhile wrote its own key).
  const updated: { id: string; moved: boolean }[] = await tx.query(
    `WITH u AS (UPDATE cases c SET county_key = k.key, time_zone = COALESCE(k.zone, c.time_zone),
            urgency_review_at = CASE
              WHEN k.zone IS NOT NULL OR k.day_zone IS NOT NULL OR (c.custody_status = 'local_jail' AND EXISTS (
                SELECT 1 FROM agreements_287g a WHERE a.jail_enforcement AND a.state = c.state AND a.county_key = k.key))
              THEN now() ELSE c.urgency_review_at END
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS k(id, county, key, zone, day_zone)
      WHERE c.id = k.id AND c.county_key IS NULL AND c.county = k.county
      RETURNING c.id, k.zone IS NOT NULL AS moved)
     SELECT * FROM u`,
    [rows.map((r) => r.id), rows.map((r) => r.county), rows.map((r) => countyKey(r.county, r.state)), zones, rows.map((r) => dayZones[r.id] ?? null)],
  );
  // The events read in each one's zone since its last transfer: in its zone now, their days where its place says.
  await followCaseZone(tx, updated.map((u) => u.id), dayZones);
  return new Set(updated.filter((u) => u.moved).map((u) => u.id));
}

/**
 * Open cases placed by state and county whose county's key is to be read again (cases before they kept one, migration
 * 1764001800000; a new reading of counties, 1764003500000 and 1764006100000): their keys, in the background after start,
 * in batches, one instance at a time; those in a county jail of a county with a participating 287(g) Jail Enforcement
 * Model agreement are due for the urgency review, which then flags them. A case the county now places in another zone
 * than its state's (El Paso County Jail, TX: Mountain, where an older reading gave Central) moves there with the events
 * read in its zone since its last transfer, is due for the review (which recomputes its deadlines), and its trail says
 * so. The partial index `cases_county_key_missing_idx` holds exactly the rows still to do: empty once done, so a start
 * costs one index probe. Closed cases are read when reopened (`readCountiesAgain`, from CasesService.reopen).
 */
@Injectable()
export class CountyKeyBackfill implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('CountyKeyBackfill');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.pass();
  }

  /**
   * No batch after this, and the one under way finishes before the pool closes: cut by the close, it was logged as an
   * error with its stack (after a CLI command that had succeeded, one run in five).
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.retry);
    this.retry = undefined;
    this.stopped = true;
    await this.running;
  }

  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<void> | undefined;

  /**
   * A run, then another a minute later while rows are left: held by a request when the run came to them (passed over,
   * they kept no key, and a recompute dropped their 287(g) flag until the next start), or the run failed (a database
   * that went away for a moment). Once none is left, nothing more until the next start.
   */
  private pass(): void {
    const again = () => {
      if (!this.stopped) this.retry = setTimeout(() => this.pass(), BACKFILL_RETRY_MS).unref();
    };
    const running: Promise<void> = this.run()
      .then(async () => {
        if (!this.stopped && await this.remaining()) again();
      })
      .catch((error: unknown) => {
        if (!isDatabaseUnavailable(error)) this.logger.error({ err: error }, 'Filling county keys failed; trying again in a minute');
        again();
      })
      .finally(() => {
        if (this.running === running) this.running = undefined;
      });
    this.running = running;
  }

  /** Whether a case is still to be read (held rows too: the run passed over them). */
  async remaining(): Promise<boolean> {
    const [{ left }] = await this.db.query(
      `SELECT EXISTS (SELECT 1 FROM cases WHERE county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
                        AND status NOT IN ('closed', 'purged')) AS left`,
    );
    return left;
  }

  /** Fills batch after batch; false when another instance holds the lock (it does the work). Returns the rows filled. */
  async run(): Promise<number> {
    let filled = 0;
    while (!this.stopped) {
      const batch = await this.db.transaction(async (tx) => {
        const [{ mine }] = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS mine`, [BACKFILL_LOCK]);
        if (!mine) return null;
        const rows: { id: string; county: string; state: string; time_zone: string; organization_id: string; reference: string }[] = await tx.query(
          `SELECT id, county, state, time_zone, organization_id, reference FROM cases
            WHERE county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
              AND status NOT IN ('closed', 'purged')
            ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED`,
        );
        if (rows.length === 0) return 0;
        const moved = await readCountiesAgain(tx, rows);
        if (moved.size > 0) {
          await this.audit.appendingLast(tx, async () => {
            for (const c of rows.filter((r) => moved.has(r.id))) {
              await this.audit.record(tx, {
                organizationId: c.organization_id, actorId: null, actorRole: 'system', action: 'case.update', caseId: c.id,
                caseReference: c.reference, fields: ['custody.timeZone'], details: { via: 'county_reread' },
              });
            }
          });
          this.logger.log(`Moved ${moved.size} case(s) placed by their state alone to their county's time zone`);
        }
        return rows.length;
      });
      if (!batch) return filled;
      filled += batch;
    }
    return filled;
  }
}
