import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The delivery claims what cannot wait first (an offer's email, a missed deadline, a case left without an attorney or
 * taken from one, a conflict), then the oldest of the rest: this partial index finds the first kind's oldest without
 * reading a backlog of reminders. Its kinds are the delivery's `URGENT_KINDS` (the claim's predicate must imply it).
 */
export class UrgentNotificationsIndex1764004000000 implements MigrationInterface {
  name = 'UrgentNotificationsIndex1764004000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS notifications_urgent_idx ON notifications (next_attempt_at)
        WHERE sent_at IS NULL AND cancelled_at IS NULL
          AND kind IN ('referral.offer', 'deadline.missed', 'case.unplaced', 'case.unassigned', 'case.released', 'case.conflict')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notifications_urgent_idx`);
  }
}
