import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open board and the calendar feed keep a detainer hold missed at its 48 hours while its outer limit is ahead.
 * Found among the organization's missed deadlines of the last two weeks, the board's first page read 135,000 of them
 * at a million cases (700 ms). The missed holds (the only deadlines with an outer limit) are few: indexed in the
 * board's order, the first page reads them from the lookback on, with no sort (an index by the outer limit made the
 * planner sort them in parallel workers, whose start cost more than the read).
 */
export class MissedHoldIndex1764006200000 implements MigrationInterface {
  name = 'MissedHoldIndex1764006200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX deadlines_missed_hold_idx ON deadlines (organization_id, due_at, id)
        WHERE status = 'missed' AND outer_limit_at IS NOT NULL AND superseded_at IS NULL AND NOT case_closed`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deadlines_missed_hold_idx`);
  }
}
