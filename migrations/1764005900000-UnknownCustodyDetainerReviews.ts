import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.11 (in force from 2026-11-27, Eastern) counts a detainer in unknown custody as detention for the
 * flags: such a case with no attorney is `detained_without_counsel` (high), where 2026.10 read it low when no release
 * time was known. The open cases in unknown custody are due for the urgency review now, which recomputes them under
 * 2026.11. A review already overdue keeps its place.
 */
export class UnknownCustodyDetainerReviews1764005900000 implements MigrationInterface {
  name = 'UnknownCustodyDetainerReviews1764005900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged') AND custody_status = 'unknown'`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
