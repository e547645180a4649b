import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `mail_outage`: the mail server's current outage as every instance sees it (one row, while there is one): when it
 * started, its last fault, and its last alert. Kept in memory before, an outage restarted its hour with every restart
 * of the API, and each instance alerted on its own.
 */
export class MailOutage1764004200000 implements MigrationInterface {
  name = 'MailOutage1764004200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE mail_outage (
         id boolean PRIMARY KEY DEFAULT true CHECK (id),
         started_at timestamptz NOT NULL,
         last_fault_at timestamptz NOT NULL,
         last_alert_at timestamptz
       )`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mail_outage`);
  }
}
