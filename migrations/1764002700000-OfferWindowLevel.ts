import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The urgency level an offer's answer time was given for. A case that becomes more urgent than that shortens the offer
 * (once per level); a change of the organization's windows, or a recomputation at the same level, does not. Open
 * offers made before get their case's level now.
 */
export class OfferWindowLevel1764002700000 implements MigrationInterface {
  name = 'OfferWindowLevel1764002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN IF NOT EXISTS window_level text`);
    await q.query(
      `UPDATE referrals r SET window_level = c.urgency_level FROM cases c WHERE c.id = r.case_id AND r.status = 'offered' AND r.window_level IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals DROP COLUMN window_level`);
  }
}
