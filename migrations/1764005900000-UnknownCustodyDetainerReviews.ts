import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.11 (in force from 2026-11-27, Eastern) counts a detainer in unknown custody as detention for the
 * flags: such a case with no attorney is `detained_without_counsel` (high), where 2026.10 read it low when no release
 * time was known. The open cases it can change (in unknown custody, not assigned, with a detainer stated or recorded)
 * are due for the urgency review now, which recomputes them under 2026.11; not every case in unknown custody, a
 * backlog the few it is for would wait behind. A review already overdue keeps its place.
 */
export class UnknownCustodyDetainerReviews1764005900000 implements MigrationInterface {
  name = 'UnknownCustodyDetainerReviews1764005900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged', 'assigned') AND custody_status = 'unknown'
          AND (detainer_lodged OR EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = cases.id AND e.retracted_at IS NULL
                                           AND e.type IN ('detainer_lodged', 'detainer_lifted')))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
