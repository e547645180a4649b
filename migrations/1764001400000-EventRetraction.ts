import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An event recorded by mistake (a wrong date, the wrong case) is retracted, not deleted: the row stays, marked, and
 * no longer counts for deadlines, flags or routing.
 */
export class EventRetraction1764001400000 implements MigrationInterface {
  name = 'EventRetraction1764001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_events ADD COLUMN retracted_at timestamptz, ADD COLUMN retracted_by uuid REFERENCES users(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE case_events DROP COLUMN retracted_at, DROP COLUMN retracted_by`);
  }
}
