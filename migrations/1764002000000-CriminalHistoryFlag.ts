import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bond-eligibility flag is raised by the manner of entry or by a recorded criminal history, and its label does not
 * say which. Until now only the manner was read, so the flag in a summary told whoever read it that the person had
 * entered without inspection or on parole. The open cases with a criminal history recorded are made due for review
 * within six hours: the urgency review job recomputes them and raises the flag where it applies.
 */
export class CriminalHistoryFlag1764002000000 implements MigrationInterface {
  name = 'CriminalHistoryFlag1764002000000';

  async up(q: QueryRunner): Promise<void> {
    // Spread over the next six hours (never later than a review already due): all at now() would queue them ahead of
    // every time-driven review (a detainer hold turning critical) until the job had worked through them.
    await q.query(
      `UPDATE cases SET urgency_review_at = LEAST(COALESCE(urgency_review_at, 'infinity'), now() + random() * interval '6 hours')
        WHERE client_criminal_history IS NOT NULL AND status NOT IN ('closed', 'purged') AND custody_status <> 'not_detained'`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review only recomputes.
  }
}
