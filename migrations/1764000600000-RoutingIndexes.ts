import { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes for routing at scale: attorney load by index only, and the organization's open offers. */
export class RoutingIndexes1764000600000 implements MigrationInterface {
  name = 'RoutingIndexes1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_attorney_load_idx ON cases (organization_id, assigned_attorney_id) WHERE status = 'assigned'`);
    await q.query(`CREATE INDEX referrals_open_offers_idx ON referrals (organization_id, attorney_id) WHERE status = 'offered'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX referrals_open_offers_idx`);
    await q.query(`DROP INDEX cases_attorney_load_idx`);
  }
}
