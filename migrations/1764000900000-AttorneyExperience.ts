import { MigrationInterface, QueryRunner } from 'typeorm';

/** Attorneys declare experience with case histories (in absentia orders, prior removal orders) that routing prefers. */
export class AttorneyExperience1764000900000 implements MigrationInterface {
  name = 'AttorneyExperience1764000900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attorney_profiles ADD COLUMN experience text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE attorney_profiles DROP COLUMN experience`);
  }
}
