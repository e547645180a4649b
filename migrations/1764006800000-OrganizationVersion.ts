import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organization's settings get a version (`updated_at`, its ETag), so that `PATCH /api/organization` can refuse a
 * change sent from an old read (`If-Match`): with all four offer windows from a form read before another admin's
 * change, the second admin would put back what the first changed. Existing organizations start at the migration's time.
 */
export class OrganizationVersion1764006800000 implements MigrationInterface {
  name = 'OrganizationVersion1764006800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN IF NOT EXISTS updated_at timestamptz NOT NULL DEFAULT now()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN IF EXISTS updated_at`);
  }
}
