import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The reminder planner reads the reminders already sent of a deadline's replaced rows (the same hearing recorded
 * again), of one case: this partial index finds a case's reminders, whatever the database's collation (a range over
 * their keys holds only under C).
 */
export class RemindersByCase1764005000000 implements MigrationInterface {
  name = 'RemindersByCase1764005000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS notifications_case_reminders_idx ON notifications (case_id) WHERE kind = 'deadline.reminder'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notifications_case_reminders_idx`);
  }
}
