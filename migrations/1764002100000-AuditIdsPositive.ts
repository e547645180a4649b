import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit event ids come from audit_events_id_seq and start at 1. The application's role may insert (appending is its
 * job), and an id below every real one was a row the verification never walked: such ids are now refused.
 */
export class AuditIdsPositive1764002100000 implements MigrationInterface {
  name = 'AuditIdsPositive1764002100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_id_positive CHECK (id > 0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_id_positive`);
  }
}
