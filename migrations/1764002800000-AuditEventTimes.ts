import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An audit event's time is one the application can write: finite, before the year 10000. PostgreSQL accepts
 * `infinity` and far years, which no ISO string of JavaScript's round-trips; the API's role appending such a row made
 * the verification and the audit list fail (they now report such a row as broken, and this refuses it).
 */
export class AuditEventTimes1764002800000 implements MigrationInterface {
  name = 'AuditEventTimes1764002800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE audit_events ADD CONSTRAINT audit_events_occurred_at_real CHECK (isfinite(occurred_at) AND occurred_at < '10000-01-01') NOT VALID`,
    );
    await q.query(`ALTER TABLE audit_events VALIDATE CONSTRAINT audit_events_occurred_at_real`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_occurred_at_real`);
  }
}
