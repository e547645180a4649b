import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the county jail of a case given by state and county (no ICE facility code: the most common hotline call,
 * "booked into the county jail") works with ICE under a 287(g) Jail Enforcement Model agreement. Until now only a
 * facility row carried it. Null: not a local jail by county, or a case opened before this (recomputed as before).
 */
export class CountyJail287g1764001600000 implements MigrationInterface {
  name = 'CountyJail287g1764001600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN county_jail_287g boolean`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN county_jail_287g`);
  }
}
