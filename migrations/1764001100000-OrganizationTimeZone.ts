import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The organization's time zone: where time is counted for a case whose place nobody knows yet (a hotline call about
 * someone taken by ICE, whereabouts unknown). Eastern until the admin sets it: of the contiguous states' zones, its
 * days end first, so a day-counted deadline is never later than it would be where the person is.
 */
export class OrganizationTimeZone1764001100000 implements MigrationInterface {
  name = 'OrganizationTimeZone1764001100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations ADD COLUMN time_zone text NOT NULL DEFAULT 'America/New_York'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE organizations DROP COLUMN time_zone`);
  }
}
