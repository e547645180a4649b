import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.9 (in force from 2026-11-27, Eastern) gives each bond decision its own appeal; 2026.8 kept only the
 * latest decision's. The open cases where that can change an answer (two bond decisions or more recorded) are due for
 * the urgency review now, which recomputes them under 2026.9: an earlier decision's appeal still running comes back on
 * the board. A review already overdue keeps its place.
 */
export class BondDecisionReviews1764005500000 implements MigrationInterface {
  name = 'BondDecisionReviews1764005500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND c.id IN (SELECT e.case_id FROM case_events e WHERE e.type = 'bond_decision' AND e.retracted_at IS NULL
                        GROUP BY e.case_id HAVING count(*) > 1)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
