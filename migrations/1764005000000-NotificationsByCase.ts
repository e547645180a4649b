import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A case's emails, found whatever the database's collation (a range over their keys holds only under C): the reminder
 * planner reads the reminders already sent of a deadline's replaced rows (the same hearing recorded again), and the
 * purge the conflict alerts whose keys hold a digest of names. And the stored intake answers that name a case as a
 * possible duplicate (the few that name any), which the purge takes it out of.
 */
export class NotificationsByCase1764005000000 implements MigrationInterface {
  name = 'NotificationsByCase1764005000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS notifications_case_idx ON notifications (case_id)`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS idempotency_possible_duplicates_idx ON idempotency_keys USING gin ((response->'possibleDuplicates'))
        WHERE jsonb_array_length(response->'possibleDuplicates') > 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS idempotency_possible_duplicates_idx`);
    await q.query(`DROP INDEX IF EXISTS notifications_case_idx`);
  }
}
