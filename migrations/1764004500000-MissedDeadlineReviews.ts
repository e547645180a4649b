import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two changes to how a missed deadline is graded and worded (libs/deadlines/src/domain/urgency.ts): one due more than
 * 30 days ago is `high`, no longer `critical`, and one of the current year is reviewed when the year turns, so that
 * its reason gains the year. Stored levels and review times came from the old grading, and a case whose only changes
 * ahead were those had no review time at all: the open cases with a missed deadline are due for the urgency review
 * now. A review already overdue keeps its place.
 */
export class MissedDeadlineReviews1764004500000 implements MigrationInterface {
  name = 'MissedDeadlineReviews1764004500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = c.id AND d.status = 'missed' AND d.superseded_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever grading is in force.
  }
}
