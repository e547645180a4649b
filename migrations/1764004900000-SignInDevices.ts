import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `sign_in_devices`: a token per device an account signed in on (only its SHA-256; 30 days from its last sign-in),
 * `auth_sessions.device_hash` (the device a session was signed in on), and sign-in counters per device (`login_throttle`
 * scope `device`). A device's failed attempts are counted apart from a
 * stranger's: the account lock that anyone who knows an email could renew forever no longer keeps its owner out on a
 * device they signed in on (libs/auth/src/login-throttle.service.ts).
 */
export class SignInDevices1764004900000 implements MigrationInterface {
  name = 'SignInDevices1764004900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE sign_in_devices (
         token_hash bytea PRIMARY KEY,
         user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
         created_at timestamptz NOT NULL,
         last_used_at timestamptz NOT NULL
       )`,
    );
    await q.query(`CREATE INDEX sign_in_devices_user_idx ON sign_in_devices (user_id, last_used_at DESC)`);
    // The device a session was signed in on: a password change from it keeps that device's token.
    await q.query(`ALTER TABLE auth_sessions ADD COLUMN device_hash bytea`);
    await q.query(`ALTER TABLE login_throttle DROP CONSTRAINT IF EXISTS login_throttle_scope_check`);
    await q.query(`ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'device', 'ip'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM login_throttle WHERE scope = 'device'`);
    await q.query(`ALTER TABLE login_throttle DROP CONSTRAINT IF EXISTS login_throttle_scope_check`);
    await q.query(`ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'ip'))`);
    await q.query(`ALTER TABLE auth_sessions DROP COLUMN IF EXISTS device_hash`);
    await q.query(`DROP TABLE sign_in_devices`);
  }
}
