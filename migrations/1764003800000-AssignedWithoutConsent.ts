import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent withdrawn once a case was assigned now takes the case from its attorney. Cases an earlier release left
 * assigned without consent are released by the offer-expiry pass (`releaseStranded`), which looks for them every
 * minute: this partial index (empty once they are released) keeps that look cheap on a large table.
 */
export class AssignedWithoutConsent1764003800000 implements MigrationInterface {
  name = 'AssignedWithoutConsent1764003800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS cases_assigned_without_consent_idx ON cases (id) WHERE status = 'assigned' AND NOT consent_share`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS cases_assigned_without_consent_idx`);
  }
}
