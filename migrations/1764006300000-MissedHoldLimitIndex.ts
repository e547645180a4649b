import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open board's and the calendar feed's missed detainer holds, read by their outer limit: those whose limit is ahead
 * are a few of the missed holds of the last two weeks (at a million cases, 496 of 3,728 in one organization), which the
 * index by due time (1764006200000) read all of, each from the table. This one finds them by the limit, with what the
 * board needs to check their case and order them (an index-only scan), in the feed's order. It replaces that one.
 */
export class MissedHoldLimitIndex1764006300000 implements MigrationInterface {
  name = 'MissedHoldLimitIndex1764006300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deadlines_missed_hold_limit_idx ON deadlines (organization_id, outer_limit_at, id) INCLUDE (due_at, case_id)
        WHERE status = 'missed' AND outer_limit_at IS NOT NULL AND superseded_at IS NULL AND NOT case_closed`,
    );
    await q.query(`DROP INDEX deadlines_missed_hold_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deadlines_missed_hold_idx ON deadlines (organization_id, due_at, id)
        WHERE status = 'missed' AND outer_limit_at IS NOT NULL AND superseded_at IS NULL AND NOT case_closed`,
    );
    await q.query(`DROP INDEX deadlines_missed_hold_limit_idx`);
  }
}
