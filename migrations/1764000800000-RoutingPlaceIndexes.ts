import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Candidate selection filters on the case's facility or state in SQL: GIN indexes on both arrays, so a case whose
 * client needs an interpreter (no language condition) is not a scan of every profile.
 */
export class RoutingPlaceIndexes1764000800000 implements MigrationInterface {
  name = 'RoutingPlaceIndexes1764000800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX attorney_profiles_facilities_idx ON attorney_profiles USING gin (facility_codes)`);
    await q.query(`CREATE INDEX attorney_profiles_states_idx ON attorney_profiles USING gin (states)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX attorney_profiles_states_idx`);
    await q.query(`DROP INDEX attorney_profiles_facilities_idx`);
  }
}
