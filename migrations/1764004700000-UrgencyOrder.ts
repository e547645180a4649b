import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `cases.urgency_order_at`: the time a case is ordered by within its urgency level (urgencyOrderAt in
 * libs/deadlines/src/domain/urgency.ts), in place of `next_deadline_at`, which counts open deadlines only: a case
 * critical for a missed detainer hold sorted below one with a hearing next week. Filled with the earlier of the next
 * deadline and a missed hold's due time, which is right for every case but one with a hearing in its grace (ordered by
 * the end of the grace); the open cases with a deadline past due or a missed one are due for the urgency review now,
 * which writes their order as the code computes it. A review already overdue keeps its place.
 */
export class UrgencyOrder1764004700000 implements MigrationInterface {
  name = 'UrgencyOrder1764004700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN IF NOT EXISTS urgency_order_at timestamptz`);
    // A missed detainer hold orders its case by its due time (as urgencyOrderAt): written here, not left to the review,
    // whose backlog (thousands of cases at a large organization, 500 a minute) would reach those cases last.
    await q.query(
      `UPDATE cases c SET urgency_order_at = LEAST(c.next_deadline_at,
              (SELECT min(d.due_at) FROM deadlines d WHERE d.case_id = c.id AND d.rule = 'detainer_hold' AND d.status = 'missed'
                  AND d.superseded_at IS NULL))
        WHERE c.status NOT IN ('closed', 'purged') AND c.urgency_order_at IS NULL`,
    );
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND (c.next_deadline_at < now()
               OR EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.status = 'missed' AND d.superseded_at IS NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN IF EXISTS urgency_order_at`);
  }
}
