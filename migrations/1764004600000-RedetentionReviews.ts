import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.7 (in force from 2026-11-26, Eastern, the day 2026.6 took effect) ends the 7-day request to change
 * bond conditions after a release from ICE once ICE detains the person again. The open cases where that can change
 * an answer (in ICE detention, with a release from ICE recorded) are due for the urgency review now, which recomputes
 * them under 2026.7. A review already overdue keeps its place.
 */
export class RedetentionReviews1764004600000 implements MigrationInterface {
  name = 'RedetentionReviews1764004600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged') AND c.custody_status = 'ice_detention'
          AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'released' AND e.data->>'from' = 'ice'
                         AND e.retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
