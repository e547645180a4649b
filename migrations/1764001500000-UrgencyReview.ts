import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A case's urgency changes with time alone (a deadline comes within 72 hours, a detainer hold opens): each case keeps
 * when it is next to be re-assessed, and a job re-assesses it then. Open cases with a deadline ahead are due at once.
 */
export class UrgencyReview1764001500000 implements MigrationInterface {
  name = 'UrgencyReview1764001500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN urgency_review_at timestamptz`);
    await q.query(
      `UPDATE cases SET urgency_review_at = now() WHERE next_deadline_at IS NOT NULL AND status NOT IN ('closed', 'purged')`,
    );
    await q.query(`CREATE INDEX cases_urgency_review_idx ON cases (urgency_review_at) WHERE urgency_review_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX cases_urgency_review_idx`);
    await q.query(`ALTER TABLE cases DROP COLUMN urgency_review_at`);
  }
}
