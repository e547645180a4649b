import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.4 (from 2026-11-27, Eastern) ends an order's clocks once a motion about it is granted, and the flags
 * read rulings on motions (a granted one vacates the order, a denied one presupposes it). The open cases with a ruling
 * on a motion recorded, only possible since 2026.3, are due for the urgency review when 2026.4 takes effect (at once
 * when it already has), which recomputes them under it. A review due sooner stays as it is.
 */
export class MotionRulingReviews1764003100000 implements MigrationInterface {
  name = 'MotionRulingReviews1764003100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), '2026-11-27T05:00:00Z')
        WHERE status NOT IN ('closed', 'purged')
          AND id IN (SELECT case_id FROM case_events WHERE type = 'motion_decided' AND retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
