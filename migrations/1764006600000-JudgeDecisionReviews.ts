import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.12 (in force from 2026-11-27, Eastern) gives each judge's decision its own BIA appeal (2026.11 kept the
 * latest decision's alone: the written decision recorded after the oral one hid the oral one's appeal, a week earlier),
 * and tells one-a-day entries apart by the day they count from at a place whose zone is uncertain. The open cases where
 * that can change an answer are due for the urgency review now, which recomputes them under 2026.12: two judge's
 * decisions or more recorded, or two entries or more of a one-a-day rule with a day zone of their own. A review
 * already overdue keeps its place.
 */
export class JudgeDecisionReviews1764006600000 implements MigrationInterface {
  name = 'JudgeDecisionReviews1764006600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND c.id IN (SELECT e.case_id FROM case_events e WHERE e.type = 'ij_decision' AND e.retracted_at IS NULL
                        GROUP BY e.case_id HAVING count(*) > 1
                       UNION
                       SELECT e.case_id FROM case_events e
                        WHERE e.type IN ('bond_decision', 'motion_decided', 'address_changed') AND e.retracted_at IS NULL AND e.data ? 'dayZone'
                        GROUP BY e.case_id, e.type HAVING count(*) > 1)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
