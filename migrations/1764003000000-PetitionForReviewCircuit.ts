import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.3 ends a petition for review's last day at the circuit clerk's midnight (FRAP 26(a)(4)(B)), which can
 * be hours before the court's: the open cases with an open one computed before are due for the urgency review, whose
 * recomputation moves it (a deadline counted in another zone follows the rule set in force).
 */
export class PetitionForReviewCircuit1764003000000 implements MigrationInterface {
  name = 'PetitionForReviewCircuit1764003000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = now()
        WHERE status NOT IN ('closed', 'purged')
          AND id IN (SELECT case_id FROM deadlines
                      WHERE rule = 'petition_for_review' AND status = 'open' AND superseded_at IS NULL AND rule_version IN ('2026.1', '2026.2'))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
