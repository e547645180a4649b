import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.5 (in force from 2026-11-26, Eastern, the day 2026.4 took effect) ends a bond hearing by a decision
 * recorded by its date on the day the hearing was set, and the BIA appeal of a judge's decision by a granted motion.
 * The open cases where that can change an answer (an open bond hearing and a bond decision; an open BIA appeal and a
 * granted motion) are due for the urgency review now, which recomputes them under 2026.5. A review already overdue
 * keeps its place.
 */
export class BondDecisionAndGrantReviews1764003400000 implements MigrationInterface {
  name = 'BondDecisionAndGrantReviews1764003400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND EXISTS (
            SELECT 1 FROM deadlines d
             WHERE d.case_id = c.id AND d.status = 'open' AND d.superseded_at IS NULL
               AND ((d.rule = 'bond_hearing' AND EXISTS (
                      SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'bond_decision' AND e.retracted_at IS NULL))
                 OR (d.rule = 'bia_merits_appeal' AND EXISTS (
                      SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'motion_decided' AND e.data->>'outcome' = 'granted'
                         AND e.retracted_at IS NULL))))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
