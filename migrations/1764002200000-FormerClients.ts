import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The conflict check counts former clients: an attorney who accepted a case and was released from it (deactivated, or
 * given another role) has seen the client's record. A released acceptance is marked withdrawn, like an offer that was
 * never accepted, so each referral now records when it was accepted: for the acceptances made before, the time of
 * their `referral.accept` audit event (every accept has written one, with the referral's id), or, for one still
 * accepted without such an event, its answer time.
 */
export class FormerClients1764002200000 implements MigrationInterface {
  name = 'FormerClients1764002200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN IF NOT EXISTS accepted_at timestamptz`);
    await q.query(
      `UPDATE referrals r SET accepted_at = e.occurred_at
         FROM audit_events e
        WHERE e.action = 'referral.accept' AND e.details->>'referralId' = r.id::text AND e.organization_id = r.organization_id`,
    );
    await q.query(`UPDATE referrals SET accepted_at = responded_at WHERE status = 'accepted' AND accepted_at IS NULL`);
    await q.query(`CREATE INDEX IF NOT EXISTS referrals_accepted_idx ON referrals (case_id) WHERE accepted_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX referrals_accepted_idx`);
    await q.query(`ALTER TABLE referrals DROP COLUMN accepted_at`);
  }
}
