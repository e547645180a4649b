import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idempotency_keys (case_id)`: the purge clears a case's stored answers by its id, which read the whole table (one
 * row per intake ever taken) for every case purged.
 */
export class IdempotencyKeysByCase1764004300000 implements MigrationInterface {
  name = 'IdempotencyKeysByCase1764004300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX idempotency_keys_case_idx ON idempotency_keys (case_id) WHERE case_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idempotency_keys_case_idx`);
  }
}
