import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The bond-eligibility flag's label no longer names the facts that raised it ("Bond eligibility contested (entered
 * without inspection): ..."): labels sit in plain columns and summaries. Stored copies lose the parenthesis: the
 * case's flags and urgency reasons, and intake answers kept for idempotent replays. Cannot be undone.
 */
export class FlagLabelsWithoutFacts1764001000000 implements MigrationInterface {
  name = 'FlagLabelsWithoutFacts1764001000000';

  async up(q: QueryRunner): Promise<void> {
    // The parenthesis only ever held the three fact phrases, joined by "; " (no parentheses inside).
    const strip = (column: string) => `regexp_replace(${column}::text, 'Bond eligibility contested \\([^)]*\\)', 'Bond eligibility contested', 'g')::jsonb`;
    await q.query(
      `UPDATE cases SET flags = ${strip('flags')}, urgency_reasons = ${strip('urgency_reasons')}
        WHERE flags::text LIKE '%Bond eligibility contested (%' OR urgency_reasons::text LIKE '%Bond eligibility contested (%'`,
    );
    await q.query(`UPDATE idempotency_keys SET response = ${strip('response')} WHERE response::text LIKE '%Bond eligibility contested (%'`);
  }

  async down(): Promise<void> {
    // The facts are not kept in the label any more; nothing to restore.
  }
}
