import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ruling of the BIA (`issuedBy: 'bia'`: a final order, a ruling on a motion) recorded without a zone was read in the
 * case's zone. It happened in Falls Church, Virginia: from now on it is recorded in Eastern time, and so are the ones
 * stored, no longer marked as the case's zone (a correction of the case's place does not move them). The open cases
 * where that changed the zone are due for the urgency review now, which recomputes them (a review already overdue
 * keeps its place). In Guam or Saipan, a decision of a Virginia morning was read as the next day, and its deadlines
 * came a day late.
 */
export class BiaRulingsInFallsChurch1764003300000 implements MigrationInterface {
  name = 'BiaRulingsInFallsChurch1764003300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `WITH moved AS (
         UPDATE case_events SET data = (data - 'timeZoneFromCase') || '{"timeZone": "America/New_York"}'::jsonb
          WHERE data->>'issuedBy' = 'bia' AND (data->>'timeZoneFromCase')::boolean
          RETURNING case_id, retracted_at
       )
       UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged') AND id IN (SELECT case_id FROM moved WHERE retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Not undone: which zone each ruling had been read in is not kept, and Eastern is where it happened.
  }
}
