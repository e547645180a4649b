import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an import last placed a facility in another time zone, and the zone it had before. The cases held there, or
 * transferred from there, move with it in the import's transaction; one a request placed there in the old zone while
 * the import ran (or transferred away from there meanwhile) is moved by the jobs after (ReferenceChangesForCases).
 * The indexes find those cases without reading every case and every event.
 */
export class FacilityRezonedAt1764002900000 implements MigrationInterface {
  name = 'FacilityRezonedAt1764002900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE facilities ADD COLUMN IF NOT EXISTS rezoned_at timestamptz, ADD COLUMN IF NOT EXISTS rezoned_from text`);
    await q.query(`CREATE INDEX IF NOT EXISTS cases_open_facility_idx ON cases (facility_code) WHERE status NOT IN ('closed', 'purged')`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS case_events_transfer_from_idx ON case_events ((data->>'fromFacilityCode'), created_at) WHERE type = 'transferred'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS case_events_transfer_from_idx`);
    await q.query(`DROP INDEX IF EXISTS cases_open_facility_idx`);
    await q.query(`ALTER TABLE facilities DROP COLUMN rezoned_at, DROP COLUMN rezoned_from`);
  }
}
