import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why each withdrawn referral was withdrawn. Only a coordinator's own withdrawal (`COORDINATOR`) keeps the attorney
 * from being offered the case again; the system's (the case closed, consent gone, a correction the attorney no longer
 * fits, their profile changed, a conflict, the attorney released from an accepted case) do not, since the filters
 * judge the attorney afresh. Earlier withdrawals take the reason their audit event recorded; one with no event found
 * stays null and counts as a coordinator's, as before.
 */
export class WithdrawalReasons1764003200000 implements MigrationInterface {
  name = 'WithdrawalReasons1764003200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN withdrawn_why text`);
    await q.query(
      `UPDATE referrals r SET withdrawn_why = CASE WHEN r.accepted_at IS NOT NULL THEN 'RELEASED' ELSE COALESCE(a.why, 'COORDINATOR') END
         FROM (SELECT DISTINCT ON (details->>'referralId') details->>'referralId' AS referral_id, details->>'why' AS why
                 FROM audit_events WHERE action = 'referral.withdraw' ORDER BY details->>'referralId', id DESC) a
        WHERE r.status = 'withdrawn' AND a.referral_id = r.id::text`,
    );
    // An acceptance withdrawn (the attorney left, or the case was reopened without them) has no audit event of its own.
    await q.query(`UPDATE referrals SET withdrawn_why = 'RELEASED' WHERE status = 'withdrawn' AND accepted_at IS NOT NULL AND withdrawn_why IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals DROP COLUMN withdrawn_why`);
  }
}
