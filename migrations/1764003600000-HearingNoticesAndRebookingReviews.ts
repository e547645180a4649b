import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.6 (in force from 2026-11-26, Eastern, the day 2026.5 took effect) picks the bond hearing in force by
 * day when a setting is given by its date alone, and ends a release-eligible time whose booking ended (a release or a
 * transfer at or after it), and judges whether a detainer stands by day. The open cases where that can change an answer
 * (two bond hearing settings; while a jail may hold the person, a release-eligible time, as an event or on the
 * custody, and a release or transfer, or a detainer both lodged and lifted by events) are due for the urgency review
 * now, which recomputes them under 2026.6. A review already overdue keeps its place.
 */
export class HearingNoticesAndRebookingReviews1764003600000 implements MigrationInterface {
  name = 'HearingNoticesAndRebookingReviews1764003600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND ((SELECT count(*) FROM case_events e WHERE e.case_id = c.id AND e.type = 'hearing_scheduled'
                   AND e.data->>'hearingType' = 'bond' AND e.retracted_at IS NULL) >= 2
            OR (c.custody_status IN ('local_jail', 'unknown')
                AND (c.release_eligible_at IS NOT NULL
                     OR EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'release_eligible' AND e.retracted_at IS NULL))
                AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type IN ('released', 'transferred') AND e.retracted_at IS NULL))
            OR (c.custody_status IN ('local_jail', 'unknown')
                AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'detainer_lodged' AND e.retracted_at IS NULL)
                AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'detainer_lifted' AND e.retracted_at IS NULL)))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
