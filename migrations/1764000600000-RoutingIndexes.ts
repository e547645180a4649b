import { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes for routing at scale: attorney load by index only, the organization's open offers, a case's past offers. */
export class RoutingIndexes1764000600000 implements MigrationInterface {
  name = 'RoutingIndexes1764000600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX cases_attorney_load_idx ON cases (organization_id, assigned_attorney_id) WHERE status = 'assigned'`);
    await q.query(`CREATE INDEX referrals_open_offers_idx ON referrals (organization_id, attorney_id) WHERE status = 'offered'`);
    // A case's own past offers (who declined, let it expire, was withdrawn), read on every routing decision.
    await q.query(`CREATE INDEX referrals_case_idx ON referrals (case_id, attorney_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX referrals_case_idx`);
    await q.query(`DROP INDEX referrals_open_offers_idx`);
    await q.query(`DROP INDEX cases_attorney_load_idx`);
  }
}
