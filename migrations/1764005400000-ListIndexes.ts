import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the lists a large organization's coordinators page through (measured at 1,000,000 cases, 3,000,000
 * deadlines and 3,000,000 audit events; docs/performance.md):
 * - the case list, most urgent first (`CasesService.page`'s order): its first page sorted every case of the
 *   organization (1.8 s; a deep page 4.3 s, with temporary files);
 * - the deadline board with `status=all` (every followed deadline by due time: the open board's index holds open ones
 *   only): a hash join of every deadline, 5.8 s;
 * - the referral list, newest first: no index by organization, a scan and a sort on disk (0.8 s);
 * - the audit trail filtered by action: a backward scan of the whole trail (0.3-0.7 s).
 */
export class ListIndexes1764005400000 implements MigrationInterface {
  name = 'ListIndexes1764005400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX IF NOT EXISTS cases_list_idx ON cases (organization_id,
         (CASE urgency_level WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END),
         urgency_order_at, created_at DESC, id DESC)`,
    );
    await q.query(`CREATE INDEX IF NOT EXISTS deadlines_board_all_idx ON deadlines (organization_id, due_at, id) WHERE superseded_at IS NULL`);
    await q.query(`CREATE INDEX IF NOT EXISTS referrals_org_list_idx ON referrals (organization_id, offered_at DESC, id DESC)`);
    await q.query(`CREATE INDEX IF NOT EXISTS audit_events_org_action_idx ON audit_events (organization_id, action, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const index of ['cases_list_idx', 'deadlines_board_all_idx', 'referrals_org_list_idx', 'audit_events_org_action_idx']) {
      await q.query(`DROP INDEX IF EXISTS ${index}`);
    }
  }
}
