import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a facility is in the latest ICE facilities file imported. One a newer file drops (closed, renamed) stays
 * for the cases placed there, but is no longer listed for choosing, nor accepted for a new intake or a transfer.
 */
export class FacilityListing1764002600000 implements MigrationInterface {
  name = 'FacilityListing1764002600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE facilities ADD COLUMN IF NOT EXISTS listed boolean NOT NULL DEFAULT true`);
    // Each import writes all its rows in one transaction (one imported_at): rows an earlier file left behind are older.
    await q.query(`UPDATE facilities SET listed = (imported_at = (SELECT max(imported_at) FROM facilities))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE facilities DROP COLUMN listed`);
  }
}
