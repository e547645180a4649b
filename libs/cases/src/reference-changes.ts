import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { ReferenceChanges, ReferenceService } from '@amparo/reference';
import { healRezonedFacilities, rezoneFacilityCases } from './case-zones';

/** How long after an import rezoned a facility the jobs look for cases placed there in its old zone meanwhile. */
const HEAL_WINDOW_MS = 3600_000;

/**
 * What a reference-data import changes for the open cases placed by it, in the import's transaction: the county-jail
 * cases whose 287(g) flag may have changed are due for the urgency review now (which reads the agreements itself),
 * and the cases held at a facility placed in another zone move with it. For an hour after such an import, each jobs
 * pass moves the cases a request placed there in the old zone while the import ran.
 */
@Injectable()
export class ReferenceChangesForCases implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ReferenceChanges');
  private stop?: () => void;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reference: ReferenceService,
  ) {}

  onModuleInit(): void {
    this.reference.onChanges((tx, changes) => this.apply(tx, changes));
  }

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.intervalSeconds, async () => {
      const healed = await this.healRezoned();
      if (healed > 0) this.logger.log(`Moved ${healed} case(s) placed at a rezoned facility in its old zone`);
    }, this.logger, 'Rezoned facilities');
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }

  async apply(tx: EntityManager, changes: ReferenceChanges): Promise<{ rezonedCases: number }> {
    // Placed by state and county, in a county whose agreement began or ended.
    if (changes.countyPairs.length > 0) {
      await tx.query(
        `UPDATE cases SET urgency_review_at = now()
          WHERE custody_status = 'local_jail' AND facility_code IS NULL AND status NOT IN ('closed', 'purged')
            AND (state, county_key) IN (SELECT split_part(p, ':', 1), split_part(p, ':', 2) FROM unnest($1::text[]) AS p)`,
        [changes.countyPairs],
      );
    }
    // Placed at a facility whose flag changed.
    if (changes.flippedFacilities.length > 0) {
      await tx.query(
        `UPDATE cases SET urgency_review_at = now()
          WHERE custody_status = 'local_jail' AND facility_code = ANY($1) AND status NOT IN ('closed', 'purged')`,
        [changes.flippedFacilities],
      );
    }
    return { rezonedCases: (await rezoneFacilityCases(tx, changes.rezoned)).length };
  }

  /** The cases placed at a recently rezoned facility in its old zone, moved (see healRezonedFacilities). */
  healRezoned(): Promise<number> {
    return healRezonedFacilities(this.db, HEAL_WINDOW_MS);
  }
}
