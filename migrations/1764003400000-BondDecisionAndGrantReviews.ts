import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.5 (in force from 2026-11-26, Eastern, the day 2026.4 took effect) changes which bond decision ends a
 * bond hearing (one recorded by its date ends a hearing set and held that day; one dated before the hearing ends
 * nothing, so a hearing 2026.4 ended may come back), and ends the BIA appeal of a judge's decision by a granted motion.
 * The open cases where that can change an answer (a bond hearing set and a bond decision recorded, whatever became of
 * the hearing's deadline; an open BIA appeal and a granted motion) are due for the urgency review now, which
 * recomputes them under 2026.5. A review already overdue keeps its place.
 */
export class BondDecisionAndGrantReviews1764003400000 implements MigrationInterface {
  name = 'BondDecisionAndGrantReviews1764003400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND ((EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'bond_decision' AND e.retracted_at IS NULL)
                AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'hearing_scheduled'
                               AND e.data->>'hearingType' = 'bond' AND e.retracted_at IS NULL))
            OR (EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule = 'bia_merits_appeal' AND d.status = 'open'
                           AND d.superseded_at IS NULL)
                AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'motion_decided'
                               AND e.data->>'outcome' = 'granted' AND e.retracted_at IS NULL)))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
