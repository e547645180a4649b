import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the custody was last stated by the intake or a correction, not by an event: its status (`custody_stated_at`,
 * any status but unknown) and a detainer lodged (`detainer_stated_at`). A release or a transfer from before the day
 * the status was stated, or a detainer lifted before the day one was stated lodged, is refused
 * (EVENT_BEFORE_CUSTODY_STATED): recorded, it took a detained client out of custody or their hold deadline away. An
 * event that changes the custody clears the statement it contradicts. Filled for the cases whose custody no event has
 * changed: their values are the intake's or a correction's, stated at the latest when the case was opened (an earlier
 * time only refuses fewer events).
 */
export class CustodyStatements1764004100000 implements MigrationInterface {
  name = 'CustodyStatements1764004100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases ADD COLUMN custody_stated_at timestamptz, ADD COLUMN detainer_stated_at timestamptz`);
    await q.query(
      `UPDATE cases c SET custody_stated_at = c.created_at
        WHERE c.custody_status <> 'unknown'
          AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type IN ('released', 'transferred'))`,
    );
    await q.query(
      `UPDATE cases c SET detainer_stated_at = c.created_at
        WHERE c.detainer_lodged
          AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.type IN ('detainer_lodged', 'detainer_lifted'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cases DROP COLUMN custody_stated_at, DROP COLUMN detainer_stated_at`);
  }
}
