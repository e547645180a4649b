import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An attorney's load counts only offers still answerable (`respond_by` ahead): one past its time holds no slot though
 * the expiry job has not marked it yet. The open-offers index carries `respond_by`, so the count stays index-only.
 */
export class OpenOffersByAnswerTime1764002500000 implements MigrationInterface {
  name = 'OpenOffersByAnswerTime1764002500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS referrals_open_offers_idx`);
    await q.query(`CREATE INDEX referrals_open_offers_idx ON referrals (organization_id, attorney_id) INCLUDE (respond_by) WHERE status = 'offered'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX referrals_open_offers_idx`);
    await q.query(`CREATE INDEX referrals_open_offers_idx ON referrals (organization_id, attorney_id) WHERE status = 'offered'`);
  }
}
