import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who set each account's current password: `user` (their own), `admin` (given when an admin created the account, or
 * set again by one before the user chose theirs) or `operator` (the first admin's, the operator's reset). An admin may
 * set a password again only while it is one an admin set: never over one the user chose, nor over the operator's reset
 * (which would let an admin take over an account whose owner had chosen their own). Passwords stored before are taken
 * as the user's, but a temporary one (the system made it: the first admin's, or a reset), which is the operator's.
 */
export class PasswordSetBy1764005600000 implements MigrationInterface {
  name = 'PasswordSetBy1764005600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE users ADD COLUMN password_set_by text NOT NULL DEFAULT 'user'
         CONSTRAINT users_password_set_by_check CHECK (password_set_by IN ('user', 'admin', 'operator'))`,
    );
    await q.query(`UPDATE users SET password_set_by = 'operator' WHERE password_expires_at IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN password_set_by`);
  }
}
