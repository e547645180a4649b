import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.4 (in force from 2026-11-26, Eastern, the day 2026.3 took effect) ends an order's clocks once a motion
 * about it is granted, and its flags read rulings on motions (a grant ends the order, a denial presupposes one). The
 * open cases with a ruling on a motion recorded, only possible since 2026.3, are due for the urgency review now, which
 * recomputes them under 2026.4. A review already overdue keeps its place.
 */
export class MotionRulingReviews1764003100000 implements MigrationInterface {
  name = 'MotionRulingReviews1764003100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now())
        WHERE status NOT IN ('closed', 'purged')
          AND id IN (SELECT case_id FROM case_events WHERE type = 'motion_decided' AND retracted_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
