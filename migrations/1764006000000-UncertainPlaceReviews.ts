import { MigrationInterface, QueryRunner } from 'typeorm';

/** The open cases placed in Tennessee or Oregon by the state alone (no county, no facility): the zone is uncertain. */
const STATE_ALONE = `c.status NOT IN ('closed', 'purged') AND c.facility_code IS NULL AND c.county IS NULL
  AND (c.state, c.time_zone) IN (('TN', 'America/New_York'), ('OR', 'America/Boise'))`;

/**
 * A place in Tennessee or Oregon the county tables cannot put in either of the state's zones is counted in the zone whose
 * day ends first; until this release its events' days were read there too, so an event in the last hour of a Central
 * (Pacific) day counted from the next day, and its deadline ended a day late. An event recorded there now keeps where
 * its day is read (`data.dayZone`: where the day starts last). Here, for the open cases placed by the state alone, the
 * events read in the case's zone since its last transfer get theirs, and those cases are due for the urgency review,
 * which recomputes their deadlines; the cases placed by a county typed by hand get theirs at start, when their counties
 * are read again (1764006100000, CountyKeyBackfill). A review already overdue keeps its place.
 */
export class UncertainPlaceReviews1764006000000 implements MigrationInterface {
  name = 'UncertainPlaceReviews1764006000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE case_events e SET data = e.data || jsonb_build_object('dayZone', CASE c.state WHEN 'TN' THEN 'America/Chicago' ELSE 'America/Los_Angeles' END)
         FROM cases c
        WHERE e.case_id = c.id AND ${STATE_ALONE}
          AND (e.data->>'timeZoneFromCase')::boolean AND e.data->>'timeZone' = c.time_zone
          AND e.seq > COALESCE((SELECT max(t.seq) FROM case_events t
                                 WHERE t.case_id = c.id AND t.type = 'transferred' AND t.retracted_at IS NULL), 0)`,
    );
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE ${STATE_ALONE} AND EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a day zone kept with an event reads it where it was read before, at worst.
  }
}
