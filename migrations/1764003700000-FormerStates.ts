import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The states a case was placed in before a correction of its place (`cases.former_states`): a petition for review ends
 * at the earliest circuit midnight of every state the person was held or placed in, and a correction (the only way
 * to record that a client who is not detained moved) replaced the state and forgot the one before. Earlier
 * corrections cannot be recovered; the list starts empty.
 */
export class FormerStates1764003700000 implements MigrationInterface {
  name = 'FormerStates1764003700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN former_states text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN former_states`);
  }
}
