import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.13 (in force from 2026-11-28, Eastern) orders a release (or transfer) and a release-eligible time of
 * the same day as they were recorded when one of them is given by its date alone: released that day and booked again,
 * the new booking's time recorded after the release is a new 48-hour hold, which 2026.12 did not compute. The open
 * cases where that can change an answer (a `release_eligible` event and a `released` or `transferred` event, neither
 * retracted) are due for the urgency review now (not before 2026.13 is in force), which recomputes them. A review
 * already overdue keeps its place.
 */
export class SameDayRebookingReviews1764006700000 implements MigrationInterface {
  name = 'SameDayRebookingReviews1764006700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      // Not before the set is in force (run earlier, the review would count under 2026.12 and find nothing to change).
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'),
                                                    GREATEST(now(), timestamptz '2026-11-28 00:00:00 America/New_York'))
        WHERE c.status NOT IN ('closed', 'purged')
          AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type = 'release_eligible' AND e.retracted_at IS NULL)
          AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type IN ('released', 'transferred') AND e.retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set and urgency policy are in force.
  }
}
