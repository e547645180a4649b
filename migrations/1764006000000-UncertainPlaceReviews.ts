import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A place in Tennessee or Oregon the county tables cannot put in either of the state's zones (a city typed where the
 * county goes) is counted in the zone whose day ends first; until this release its events' days were read there too,
 * so an event in the last hour of a Central (Pacific) day counted from the next day, and its deadline ended a day late.
 * Now they are read where the day starts last. The open cases that can be such a place (no facility, in the earlier
 * zone, with an event recorded) are due for the urgency review now, which recomputes their deadlines. A review already
 * overdue keeps its place.
 */
export class UncertainPlaceReviews1764006000000 implements MigrationInterface {
  name = 'UncertainPlaceReviews1764006000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged') AND facility_code IS NULL
          AND (state, time_zone) IN (('TN', 'America/New_York'), ('OR', 'America/Boise'))
          AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes with the code that runs it.
  }
}
