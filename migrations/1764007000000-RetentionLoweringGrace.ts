import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A lowered `retentionDays` takes effect after a grace period: until `retention_kept_until`, closed cases are kept for
 * `retention_kept_days` (the period in force before the lowering). Before, the next hourly purge shredded every closed
 * case past the new value at once: a mistyped retention (30 for 300) could not be undone.
 */
export class RetentionLoweringGrace1764007000000 implements MigrationInterface {
  name = 'RetentionLoweringGrace1764007000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN IF NOT EXISTS retention_kept_days integer, ADD COLUMN IF NOT EXISTS retention_kept_until timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN IF EXISTS retention_kept_days, DROP COLUMN IF EXISTS retention_kept_until`);
  }
}
