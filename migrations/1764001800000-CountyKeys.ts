import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The county 287(g) flag of a case placed by state and county is read from the agreements at every recomputation, not
 * frozen at intake (1764001600000 stored a boolean, which went stale when agreements changed): the case keeps its
 * county's matching key (countyKey), each agreement its own and whether it is a county's participating Jail
 * Enforcement Model one. countyKey is not SQL: the keys of rows written before are filled by the application at start
 * (ReferenceService for agreements, CountyKeyBackfill for open cases, through the partial index below).
 */
export class CountyKeys1764001800000 implements MigrationInterface {
  name = 'CountyKeys1764001800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN IF EXISTS county_jail_287g`);
    await q.query(`ALTER TABLE cases ADD COLUMN IF NOT EXISTS county_key text`);
    await q.query(`ALTER TABLE agreements_287g ADD COLUMN IF NOT EXISTS county_key text, ADD COLUMN IF NOT EXISTS jail_enforcement boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX IF NOT EXISTS agreements_287g_jail_county_idx ON agreements_287g (state, county_key) WHERE jail_enforcement`);
    // The open county-jail cases an agreement concerns (marked for the urgency review when it changes).
    await q.query(
      `CREATE INDEX IF NOT EXISTS cases_county_jail_idx ON cases (state, county_key)
        WHERE custody_status = 'local_jail' AND facility_code IS NULL AND status NOT IN ('closed', 'purged')`,
    );
    // Open cases placed by state and county whose key is still to be filled (empty once done).
    await q.query(
      `CREATE INDEX IF NOT EXISTS cases_county_key_missing_idx ON cases (id)
        WHERE county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL AND status NOT IN ('closed', 'purged')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS cases_county_key_missing_idx`);
    await q.query(`DROP INDEX IF EXISTS cases_county_jail_idx`);
    await q.query(`DROP INDEX IF EXISTS agreements_287g_jail_county_idx`);
    await q.query(`ALTER TABLE agreements_287g DROP COLUMN IF EXISTS county_key, DROP COLUMN IF EXISTS jail_enforcement`);
    await q.query(`ALTER TABLE cases DROP COLUMN IF EXISTS county_key`);
    await q.query(`ALTER TABLE cases ADD COLUMN IF NOT EXISTS county_jail_287g boolean`);
  }
}
