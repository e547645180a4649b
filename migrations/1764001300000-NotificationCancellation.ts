import { MigrationInterface, QueryRunner } from 'typeorm';

/** A queued notification that no longer applies (deadline met, offer answered, case closed) is cancelled, not sent. */
export class NotificationCancellation1764001300000 implements MigrationInterface {
  name = 'NotificationCancellation1764001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications ADD COLUMN cancelled_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE notifications DROP COLUMN cancelled_at`);
  }
}
