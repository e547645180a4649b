import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The conflict check counts former clients: an attorney who accepted a case and was released from it (deactivated, or
 * given another role) has seen the client's record. A released acceptance is marked withdrawn, like an offer that was
 * never accepted, so each referral now records when it was accepted. Acceptances released before this migration
 * cannot be told from withdrawn offers, and stay uncounted.
 */
export class FormerClients1764002200000 implements MigrationInterface {
  name = 'FormerClients1764002200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN accepted_at timestamptz`);
    await q.query(`UPDATE referrals SET accepted_at = responded_at WHERE status = 'accepted'`);
    await q.query(`CREATE INDEX referrals_accepted_idx ON referrals (case_id) WHERE accepted_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX referrals_accepted_idx`);
    await q.query(`ALTER TABLE referrals DROP COLUMN accepted_at`);
  }
}
