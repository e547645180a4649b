import { MigrationInterface, QueryRunner } from 'typeorm';

export class Notifications1764000300000 implements MigrationInterface {
  name = 'Notifications1764000300000';

  async up(q: QueryRunner): Promise<void> {
    // Transactional outbox: a notification is written in the same transaction as the fact it reports, and the
    // unique dedupe key makes "one reminder, never two" hold however many scheduler instances run.
    await q.query(`
      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL,
        recipient_id uuid NOT NULL REFERENCES users(id),
        kind text NOT NULL,
        dedupe_key text NOT NULL UNIQUE,
        case_id uuid,
        subject text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        last_error text
      )`);
    await q.query(`CREATE INDEX notifications_pending_idx ON notifications (next_attempt_at) WHERE sent_at IS NULL`);
    await q.query(`
      CREATE TABLE calendar_tokens (
        user_id uuid PRIMARY KEY REFERENCES users(id),
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE calendar_tokens`);
    await q.query(`DROP TABLE notifications`);
  }
}
