import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why an attorney was taken off an accepted case on request (`POST /api/cases/:id/release`): the reason code given,
 * kept on the acceptance it withdrew. A release for a `conflict` bars the attorney from the client as a decline for
 * one does (this case, and the same client's other intakes), where before only the audit trail kept the reason and
 * routing offered them the client's next intake. Earlier releases take the reason of the first `case.unassign` event
 * of that case and attorney recorded at or after the acceptance was withdrawn, unless the attorney accepted that case
 * again later (a coordinator gave it back to them by name: the conflict had been cleared).
 */
export class ReleaseReasons1764005800000 implements MigrationInterface {
  name = 'ReleaseReasons1764005800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals ADD COLUMN release_reason text`);
    await q.query(
      `UPDATE referrals r SET release_reason = (
         SELECT e.details->>'reason' FROM audit_events e
          WHERE e.case_id = r.case_id AND e.action = 'case.unassign' AND e.details->>'attorneyId' = r.attorney_id::text
            AND e.occurred_at >= r.responded_at
          ORDER BY e.occurred_at, e.id LIMIT 1)
        WHERE r.status = 'withdrawn' AND r.withdrawn_why = 'STEPPED_DOWN'
          -- Not one a coordinator set aside since, by giving the case back to that attorney (they accepted it again).
          AND NOT EXISTS (SELECT 1 FROM referrals l WHERE l.case_id = r.case_id AND l.attorney_id = r.attorney_id
                             AND l.accepted_at > r.responded_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE referrals DROP COLUMN release_reason`);
  }
}
