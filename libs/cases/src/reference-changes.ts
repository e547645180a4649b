import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { every } from '@amparo/common';
import { AuditService } from '@amparo/audit';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { ReferenceChanges, ReferenceService } from '@amparo/reference';
import { HELD_OR_LEFT_SQL, MovedCases, healRezonedFacilities, mergeMoved, moveLockedCases, placeLockedCases } from './case-zones';

/** How long after an import rezoned a facility the jobs look for cases placed there in its old zone meanwhile. */
const HEAL_WINDOW_MS = 3600_000;
/** ...and at least this many jobs passes. */
const HEAL_PASSES = 3;

/**
 * What a reference-data import changes for the open cases placed by it, in the import's transaction: the county-jail
 * cases whose 287(g) flag may have changed are due for the urgency review now (which reads the agreements itself),
 * and the cases held at, or transferred from, a facility placed in another zone move with it (case-zones.ts). For an
 * hour (and three jobs passes) after such an import, each pass moves the cases a request changed in the old zone
 * while the import ran.
 */
@Injectable()
export class ReferenceChangesForCases implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReferenceChanges');
  private stop?: () => Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reference: ReferenceService,
    private readonly audit: AuditService,
  ) {}

  onModuleInit(): void {
    this.reference.onChanges((tx, changes) => this.apply(tx, changes));
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.intervalSeconds, async () => {
      const healed = await this.healRezoned();
      if (healed > 0) this.logger.log(`Moved ${healed} case(s) left in a rezoned facility's old zone while its import ran`);
    }, this.logger, 'Rezoned facilities');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }

  async apply(tx: EntityManager, changes: ReferenceChanges): Promise<{ rezonedCases: number }> {
    const { countyPairs, flippedFacilities, rezoned, replaced } = changes;
    if (countyPairs.length + flippedFacilities.length + rezoned.length + replaced.length === 0) return { rezonedCases: 0 };
    // Every case concerned, locked first and in id order, as other paths that change several cases lock them. The
    // candidates are found by subqueries, each by an index (a case that moves while the lock waits stays among them; one
    // closed meanwhile drops out). NO KEY: rows referencing a case may still be inserted meanwhile.
    const locked = ((await tx.query(
      `SELECT id FROM cases
        WHERE id IN (SELECT id FROM cases WHERE custody_status = 'local_jail' AND facility_code IS NULL AND status NOT IN ('closed', 'purged')
                        AND (state, county_key) IN (SELECT split_part(p, ':', 1), split_part(p, ':', 2) FROM unnest($1::text[]) AS p)
                     UNION SELECT id FROM cases WHERE custody_status = 'local_jail' AND facility_code = ANY($2::text[]) AND status NOT IN ('closed', 'purged')
                     UNION ${HELD_OR_LEFT_SQL('$3::text[]')})
          AND status NOT IN ('closed', 'purged')
        ORDER BY id FOR NO KEY UPDATE`,
      [countyPairs, flippedFacilities, [...rezoned, ...replaced].map((f) => f.code)],
    )) as { id: string }[]).map((c) => c.id);
    // County-jail cases whose 287(g) flag may have changed (placed by state and county in a county whose agreement
    // began or ended, or at a facility whose flag changed) are due for the urgency review, which reads the agreements.
    await tx.query(
      `UPDATE cases SET urgency_review_at = now()
        WHERE id = ANY($1::uuid[]) AND custody_status = 'local_jail'
          AND ((facility_code IS NULL AND (state, county_key) IN (SELECT split_part(p, ':', 1), split_part(p, ':', 2) FROM unnest($2::text[]) AS p))
               OR facility_code = ANY($3::text[]))`,
      [locked, countyPairs, flippedFacilities],
    );
    // Moved to another zone, or to the facility's corrected state or county: counted once.
    const moved = mergeMoved(await moveLockedCases(tx, locked, rezoned), await placeLockedCases(tx, locked, replaced));
    await this.audited(tx, moved);
    return { rezonedCases: moved.size };
  }

  /** The cases placed at a recently rezoned facility in its old zone, moved (see healRezonedFacilities). */
  healRezoned(): Promise<number> {
    return healRezonedFacilities(this.db, Math.max(HEAL_WINDOW_MS, HEAL_PASSES * this.config.jobs.intervalSeconds * 1000), (tx, moved) => this.audited(tx, moved));
  }

  /**
   * Each case moved, on its organization's trail: a `case.update` by the system, with the names of what changed (its
   * zone, its events' zones, its state and county), never a value. At the end of the work of the import's transaction
   * (or the move's own), whose case rows are locked, and in the audit's order (appendingLast): the heads are taken last.
   */
  private async audited(tx: EntityManager, moved: MovedCases): Promise<void> {
    if (moved.size === 0) return;
    const cases: { id: string; organization_id: string; reference: string }[] = await tx.query(
      `SELECT id, organization_id, reference FROM cases WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[...moved.keys()]],
    );
    await this.audit.appendingLast(tx, async () => {
      for (const c of cases) {
        await this.audit.record(tx, {
          organizationId: c.organization_id, actorId: null, actorRole: 'system', action: 'case.update', caseId: c.id, caseReference: c.reference,
          fields: [...moved.get(c.id)!].sort(), details: { via: 'reference_import' },
        });
      }
    });
  }
}
