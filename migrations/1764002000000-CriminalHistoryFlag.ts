import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bond-eligibility flag is raised by the manner of entry or by a recorded criminal history, and its label does not
 * say which. Until now only the manner was read, so the flag in a summary told whoever read it that the person had
 * entered without inspection or on parole. The open cases with a criminal history recorded are made due for review:
 * the urgency review job recomputes them (500 a pass) and raises the flag where it applies.
 */
export class CriminalHistoryFlag1764002000000 implements MigrationInterface {
  name = 'CriminalHistoryFlag1764002000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = now()
        WHERE client_criminal_history IS NOT NULL AND status NOT IN ('closed', 'purged') AND custody_status <> 'not_detained'`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review only recomputes.
  }
}
