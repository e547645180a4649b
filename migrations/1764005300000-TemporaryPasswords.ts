import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A password the system made (the first admin's, printed at first start; the operator's reset) is temporary: it
 * expires at `password_expires_at`, and until the user changes it their sessions may only change it (OWASP ASVS 5.0
 * 6.4.1: an initial secret must not become the long-term password). Null: a password of the user's own. Passwords
 * stored before are left as they are (whether one was generated is not known).
 */
export class TemporaryPasswords1764005300000 implements MigrationInterface {
  name = 'TemporaryPasswords1764005300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN password_expires_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN password_expires_at`);
  }
}
