import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The urgency level an offer's answer time was given for. A case that becomes more urgent than that shortens the offer
 * (once per level); a change of the organization's windows, or a recomputation at the same level, does not. Open
 * offers made before get the level their answer time was given for.
 */
export class OfferWindowLevel1764002700000 implements MigrationInterface {
  name = 'OfferWindowLevel1764002700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN IF NOT EXISTS window_level text`);
    // The level whose window (in the organization's settings) is the time the offer was given, the least urgent if
    // several; else the case's level now.
    await q.query(
      `UPDATE referrals r
          SET window_level = COALESCE((
                SELECT w.key FROM organizations o, jsonb_each_text(o.offer_windows_minutes) AS w
                 WHERE o.id = r.organization_id AND w.value::int * 60 = round(extract(epoch FROM r.respond_by - r.offered_at))
                 ORDER BY array_position(ARRAY['low', 'normal', 'high', 'critical'], w.key) LIMIT 1
              ), c.urgency_level)
         FROM cases c
        WHERE c.id = r.case_id AND r.status = 'offered' AND r.window_level IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals DROP COLUMN window_level`);
  }
}
