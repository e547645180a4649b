import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why each withdrawn referral was withdrawn. Only a coordinator's own withdrawal (`COORDINATOR`) keeps the attorney
 * from being offered the case again; the system's (the case closed, consent gone, a correction the attorney no longer
 * fits, their profile changed, a conflict, the attorney released from an accepted case) do not, since the filters
 * judge the attorney afresh. Earlier withdrawals take the reason their audit event recorded. A coordinator's
 * withdrawal was audited from the first release on; one with no event was the system's (a close withdrew its offer
 * without an event of its own before 2026-11-26), `SYSTEM`.
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
    // An acceptance withdrawn (the attorney left, or the case was reopened without them) has no audit event of its own;
    // any other withdrawal without one was the system's.
    await q.query(
      `UPDATE referrals SET withdrawn_why = CASE WHEN accepted_at IS NOT NULL THEN 'RELEASED' ELSE 'SYSTEM' END
        WHERE status = 'withdrawn' AND withdrawn_why IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals DROP COLUMN withdrawn_why`);
  }
}
