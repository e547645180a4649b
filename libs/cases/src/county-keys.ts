import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '@amparo/database';
import { countyKey } from '@amparo/reference';

/** Any number: the advisory lock that lets one instance at a time fill the keys. */
const BACKFILL_LOCK = 1_764_001_800;

/**
 * Open cases placed by state and county before cases kept their county's key (migration 1764001800000): their keys,
 * in the background after start, in batches, one instance at a time; those in a county jail of a county with a
 * participating 287(g) Jail Enforcement Model agreement are due for the urgency review, which then flags them. The
 * partial index `cases_county_key_missing_idx` holds exactly the rows still to do: empty once done, so a start costs
 * one index probe.
 */
@Injectable()
export class CountyKeyBackfill implements OnApplicationBootstrap {
  private readonly logger = new Logger('CountyKeyBackfill');

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  onApplicationBootstrap(): void {
    void this.run().catch((error: unknown) => {
      if (!isDatabaseUnavailable(error)) this.logger.error({ err: error }, 'Filling county keys failed; the next start goes on');
    });
  }

  /** Fills batch after batch; false when another instance holds the lock (it does the work). Returns the rows filled. */
  async run(): Promise<number> {
    let filled = 0;
    for (;;) {
      const batch = await this.db.transaction(async (tx) => {
        const [{ mine }] = await tx.query(`SELECT pg_try_advisory_xact_lock($1) AS mine`, [BACKFILL_LOCK]);
        if (!mine) return null;
        const rows: { id: string; county: string; state: string }[] = await tx.query(
          `SELECT id, county, state FROM cases
            WHERE county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
              AND status NOT IN ('closed', 'purged')
            ORDER BY id LIMIT 1000 FOR UPDATE SKIP LOCKED`,
        );
        if (rows.length === 0) return 0;
        // Only where the county is still the one read (a correction meanwhile wrote its own key).
        await tx.query(
          `UPDATE cases c SET county_key = k.key,
                  urgency_review_at = CASE
                    WHEN c.custody_status = 'local_jail' AND EXISTS (
                      SELECT 1 FROM agreements_287g a WHERE a.jail_enforcement AND a.state = c.state AND a.county_key = k.key)
                    THEN now() ELSE c.urgency_review_at END
             FROM unnest($1::uuid[], $2::text[], $3::text[]) AS k(id, county, key)
            WHERE c.id = k.id AND c.county_key IS NULL AND c.county = k.county`,
          [rows.map((r) => r.id), rows.map((r) => r.county), rows.map((r) => countyKey(r.county, r.state))],
        );
        return rows.length;
      });
      if (!batch) return filled;
      filled += batch;
    }
  }
}
