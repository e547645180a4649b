import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the county jail of a case given by state and county (no ICE facility code: the most common hotline call,
 * "booked into the county jail") works with ICE under a 287(g) Jail Enforcement Model agreement. Until now only a
 * facility row carried it. The case keeps its county's matching key (countyKey), each agreement its own and whether
 * it is a county's participating Jail Enforcement Model one, so a recomputation reads the agreements as they are now.
 * The keys of rows written before are filled by the application at start (countyKey is not SQL).
 */
export class CountyJail287g1764001600000 implements MigrationInterface {
  name = 'CountyJail287g1764001600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN county_key text`);
    await q.query(`ALTER TABLE agreements_287g ADD COLUMN county_key text, ADD COLUMN jail_enforcement boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX agreements_287g_jail_county_idx ON agreements_287g (state, county_key) WHERE jail_enforcement`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agreements_287g_jail_county_idx`);
    await q.query(`ALTER TABLE agreements_287g DROP COLUMN county_key, DROP COLUMN jail_enforcement`);
    await q.query(`ALTER TABLE cases DROP COLUMN county_key`);
  }
}
