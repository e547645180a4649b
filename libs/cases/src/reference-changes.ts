import { Injectable, OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReferenceChanges, ReferenceService } from '@amparo/reference';
import { rezoneFacilityCases } from './case-zones';

/**
 * What a reference-data import changes for the open cases placed by it, in the import's transaction: the county-jail
 * cases whose 287(g) flag may have changed are due for the urgency review now (which reads the agreements itself),
 * and the cases held at a facility placed in another zone move with it.
 */
@Injectable()
export class ReferenceChangesForCases implements OnModuleInit {
  constructor(private readonly reference: ReferenceService) {}

  onModuleInit(): void {
    this.reference.onChanges((tx, changes) => this.apply(tx, changes));
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
}
