import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sign-in counters of two more kinds (libs/auth/src/login-throttle.service.ts): `known`, an address an account signed
 * in from (kept 30 days from the last sign-in there), and `account_known`, the account's failed attempts from such an
 * address, counted apart from a stranger's: the account lock that anyone who knows an email could renew forever no
 * longer keeps its owner out.
 */
export class KnownSignInSources1764004900000 implements MigrationInterface {
  name = 'KnownSignInSources1764004900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE login_throttle DROP CONSTRAINT IF EXISTS login_throttle_scope_check`);
    await q.query(`ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'account_known', 'ip', 'known'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM login_throttle WHERE scope IN ('account_known', 'known')`);
    await q.query(`ALTER TABLE login_throttle DROP CONSTRAINT IF EXISTS login_throttle_scope_check`);
    await q.query(`ALTER TABLE login_throttle ADD CONSTRAINT login_throttle_scope_check CHECK (scope IN ('account', 'ip'))`);
  }
}
