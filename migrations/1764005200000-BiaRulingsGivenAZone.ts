import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ruling of the BIA (`issuedBy: 'bia'`) recorded with a zone other than Falls Church's kept that zone, and its day
 * was read there: in Guam or Saipan a decision of a Virginia morning was the next day, and its deadlines (a motion to
 * reconsider, a petition for review) came a day late. From now on every BIA ruling is recorded in Eastern time, and so
 * are the ones stored. The stored time is kept as it was sent (a date alone is that date in Falls Church). The open
 * cases where that changed the zone are due for the urgency review now, which recomputes them (a review already
 * overdue keeps its place).
 */
export class BiaRulingsGivenAZone1764005200000 implements MigrationInterface {
  name = 'BiaRulingsGivenAZone1764005200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `WITH moved AS (
         UPDATE case_events SET data = (data - 'timeZoneFromCase') || '{"timeZone": "America/New_York"}'::jsonb
          WHERE data->>'issuedBy' = 'bia' AND data->>'timeZone' IS DISTINCT FROM 'America/New_York'
          RETURNING case_id, retracted_at
       )
       UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged') AND id IN (SELECT case_id FROM moved WHERE retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Not undone: which zone each ruling came with is not kept, and Eastern is where it happened.
  }
}
