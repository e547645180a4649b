import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an import last placed a facility in another time zone. The cases held there move with it in the import's
 * transaction; an intake or a transfer that read the facility's old zone while the import ran commits with it, and the
 * jobs move those too, for a while after such an import (ReferenceChangesForCases).
 */
export class FacilityRezonedAt1764002900000 implements MigrationInterface {
  name = 'FacilityRezonedAt1764002900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE facilities ADD COLUMN IF NOT EXISTS rezoned_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE facilities DROP COLUMN rezoned_at`);
  }
}
