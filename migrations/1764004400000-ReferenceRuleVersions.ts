import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `reference_rules`: the version of each rule that derived stored reference data (`facility_jail_flag`: the facilities'
 * 287(g) flags). A start of a release whose rule is newer derives the data again; an older release, during a rolling
 * deploy or after a rollback, leaves what a newer one derived.
 */
export class ReferenceRuleVersions1764004400000 implements MigrationInterface {
  name = 'ReferenceRuleVersions1764004400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE reference_rules (name text PRIMARY KEY, version integer NOT NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE reference_rules`);
  }
}
