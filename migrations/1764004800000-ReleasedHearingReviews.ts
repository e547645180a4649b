import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.8 (in force from 2026-11-26, Eastern, the day 2026.7 took effect) ends a bond hearing once the person
 * is released from ICE after it was set and before its time. The open cases where that can change an answer (a bond
 * hearing open, or missed: 2026.7 marked a released person's hearing missed and made the case critical; with a
 * release from ICE recorded) are due for the urgency review now, which recomputes them under 2026.8. A review
 * already overdue keeps its place.
 */
export class ReleasedHearingReviews1764004800000 implements MigrationInterface {
  name = 'ReleasedHearingReviews1764004800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.rule = 'bond_hearing' AND d.status IN ('open', 'missed')
                         AND d.superseded_at IS NULL)
          AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'released' AND e.data->>'from' = 'ice'
                         AND e.retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
