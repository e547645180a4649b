import { MigrationInterface, QueryRunner } from 'typeorm';

const URGENT_INDEX = (kinds: string[]) =>
  `CREATE INDEX notifications_urgent_idx ON notifications (next_attempt_at)
    WHERE sent_at IS NULL AND cancelled_at IS NULL AND kind IN (${kinds.map((k) => `'${k}'`).join(', ')})`;
const BEFORE = ['referral.offer', 'deadline.missed', 'case.unplaced', 'case.unassigned', 'case.released', 'case.conflict'];

/**
 * A deadline's "open again" (`deadline.reopened`: emailed as missed, still ahead at the case's corrected place) is
 * claimed with the urgent kinds: behind a backlog of reminders it could reach the coordinators after the time it says
 * there is still to act. The urgent claim's index (1764004000000) is built again with it, as the delivery's
 * `URGENT_KINDS` now lists it (the claim's predicate must imply the index's).
 */
export class ReopenedUrgent1764006900000 implements MigrationInterface {
  name = 'ReopenedUrgent1764006900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notifications_urgent_idx`);
    await q.query(URGENT_INDEX([...BEFORE, 'deadline.reopened']));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS notifications_urgent_idx`);
    await q.query(URGENT_INDEX(BEFORE));
  }
}
