import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A closed case's deadlines are no longer followed, so the open board leaves them out. It did so by the case's status,
 * which the board's index cannot see: with most cases of a large organization closed, the first page walked hundreds
 * of deadlines of closed cases. Each deadline now says whether its case is closed (set when the case closes), and the
 * open board reads an index of the followed open deadlines only.
 */
export class ClosedCaseDeadlines1764001900000 implements MigrationInterface {
  name = 'ClosedCaseDeadlines1764001900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deadlines ADD COLUMN case_closed boolean NOT NULL DEFAULT false`);
    await q.query(
      `UPDATE deadlines d SET case_closed = true FROM cases c WHERE c.id = d.case_id AND c.status IN ('closed', 'purged')`,
    );
    await q.query(
      `CREATE INDEX deadlines_open_board_idx ON deadlines (organization_id, due_at, id)
        WHERE status = 'open' AND superseded_at IS NULL AND NOT case_closed`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deadlines_open_board_idx`);
    await q.query(`ALTER TABLE deadlines DROP COLUMN case_closed`);
  }
}
