import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { countyKey } from '@amparo/reference';

/**
 * Open cases placed by state and county before cases kept their county's key (migration 1764001600000): their keys,
 * at start, in batches, and those in a county jail are due for the urgency review, which then reads the 287(g)
 * agreements for them. Nothing to do once done (every such row has a key, possibly empty).
 */
@Injectable()
export class CountyKeyBackfill implements OnApplicationBootstrap {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    for (;;) {
      const rows: { id: string; county: string; state: string }[] = await this.db.query(
        `SELECT id, county, state FROM cases
          WHERE county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
            AND status NOT IN ('closed', 'purged')
          LIMIT 1000`,
      );
      if (rows.length === 0) return;
      await this.db.query(
        `UPDATE cases c SET county_key = k.key,
                urgency_review_at = CASE WHEN c.custody_status = 'local_jail' THEN now() ELSE c.urgency_review_at END
           FROM unnest($1::uuid[], $2::text[]) AS k(id, key) WHERE c.id = k.id`,
        [rows.map((r) => r.id), rows.map((r) => countyKey(r.county, r.state))],
      );
    }
  }
}
