import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { Clock, RateLimitService, validationFailed, canonicalEmail, legacyEmail } from '@amparo/common';
import { AuthSession, RefreshToken } from './entities/auth-session.entity';
import { User, UserView, toUserView } from './entities/user.entity';
import { DEVICES_PER_USER, LoginThrottleService, deviceTokenHash, ipKey, sessionThrottleKey } from './login-throttle.service';
import { passwordExpired, temporaryPasswordExpired } from './temporary-password';
import { PasswordService } from './password.service';
import { PASSWORD_CHECKS, passwordWeakness } from './password-strength';
import { TokenService, hashRefreshToken } from './token.service';
import type { Principal } from './roles';
import { UserChanges } from './user-changes';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: Omit<UserView, 'active'>;
  /** Sign-in only: this device's token, to send with its next sign-ins (LoginThrottleService). */
  deviceToken?: string;
}

const BAD_CREDENTIALS = 'Invalid email or password';

@Injectable()
export class AuthService {
  /**
   * Sign-ins, refusals, sign-outs and a refresh token used twice, one line each: who (the user id, null for an email no
   * account has; never the email), from where (the address as the throttle counts it), and how it ended. The request
   * log has no user on a sign-in, and the audit trail is the organizations' record of what was done to cases.
   */
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly passwords: PasswordService,
    private readonly tokens: TokenService,
    private readonly throttle: LoginThrottleService,
    private readonly clock: Clock,
    private readonly changes: UserChanges,
    private readonly rateLimit: RateLimitService,
  ) {}

  async login(emailInput: string, password: string, ip: string, deviceToken?: string): Promise<TokenPair> {
    const typed = legacyEmail(emailInput);
    const user = await this.db
      .getRepository(User)
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      // In the canonical form, or as an older release stored it, for a row migration 1764005100000 could not rewrite
      // (its canonical form taken by a look-alike account): typed exactly so, that row; else the canonical one.
      .where('lower(u.email) IN (:...emails)', { emails: [...new Set([canonicalEmail(emailInput), typed])] })
      .orderBy('lower(u.email) = :typed', 'DESC')
      .setParameter('typed', typed)
      .getOne();
    // The account's attempts are counted under the address of the row the password is checked against (two look-alike
    // accounts are two counters: a success on one does not clear the other's), an unknown one under its canonical form.
    const email = user ? user.email : canonicalEmail(emailInput);
    // Counted before the password is checked (see LoginThrottleService), on the device's own counter when it holds this
    // account's token; a success takes it back.
    const device = await this.throttle.deviceOf(email, deviceToken);
    const counted = await this.throttle.claimAttempt(email, ip, device ? { hash: device, kind: 'device' } : null);
    // Inactive and unknown accounts get the same answer, and the same hashing cost, as a wrong password.
    const ok = await this.passwords.verify(user?.active ? user.passwordHash : null, password);
    const from = { ip: ipKey(ip), counter: counted.kind };
    if (!user || !ok) {
      const reason = !user ? 'no such account' : !user.active ? 'account deactivated' : 'wrong password';
      this.logger.warn({ event: 'sign_in_refused', userId: user?.id ?? null, reason, ...from }, 'Sign-in refused');
      await this.throttle.failed(counted, email);
      throw new UnauthorizedException(BAD_CREDENTIALS);
    }
    // A temporary password (the system made it) past its time is no credential any more: counted as a failure, and
    // said so only to whoever typed it right.
    if (temporaryPasswordExpired(user.passwordExpiresAt, this.clock.now())) {
      this.logger.warn({ event: 'sign_in_refused', userId: user.id, reason: 'temporary password expired', ...from }, 'Sign-in refused');
      await this.throttle.failed(counted, email);
      throw passwordExpired();
    }
    const pair = await this.db.transaction(async (tx) => {
      // The account as the password was checked against it, share-locked: a password change or reset (or a
      // deactivation) that committed meanwhile revoked every session there was, and this one must not come after it;
      // one still to come waits for this, then revokes it too.
      const [still]: { password_hash: string; active: boolean }[] = await tx.query(
        `SELECT password_hash, active FROM users WHERE id = $1 FOR SHARE`, [user.id],
      );
      if (!still?.active || still.password_hash !== user.passwordHash) throw new UnauthorizedException(BAD_CREDENTIALS);
      const token = await this.rememberDevice(tx, user.id, device ? deviceToken! : null);
      const session = await tx.getRepository(AuthSession).save(
        tx.getRepository(AuthSession).create({
          userId: user.id,
          expiresAt: new Date(this.clock.now().getTime() + this.config.auth.refreshTtlSeconds * 1000),
          // The device it was made on: a password change from this session keeps that device's token.
          deviceHash: deviceTokenHash(token),
        }),
      );
      return { pair: { ...(await this.issue(tx, user, session)), deviceToken: token }, sessionId: session.id };
    });
    // Only once the sign-in is made (not one a password reset overtook while the password was checked).
    await this.throttle.recordSuccess(counted, ip);
    this.logger.log({ event: 'sign_in', userId: user.id, sessionId: pair.sessionId, ...from }, 'Signed in');
    return pair.pair;
  }

  /**
   * The device's token after a sign-in: the one it sent, if it is this account's and still stored (its use noted: it
   * may have gone since it was checked, with a password change or the trim below), else a new one. An account keeps
   * `DEVICES_PER_USER`: first to go are tokens never sent back (a client that ignores them, signing in again and again,
   * does not push out the owner's phone), then the least recently used.
   */
  private async rememberDevice(tx: EntityManager, userId: string, known: string | null): Promise<string> {
    const now = this.clock.now();
    if (known) {
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
      const used = await tx.query(
        `WITH used AS (UPDATE sign_in_devices SET last_used_at = $3 WHERE token_hash = $1 AND user_id = $2 RETURNING 1) SELECT * FROM used`,
        [deviceTokenHash(known), userId, now],
      );
      if (used.length > 0) return known;
    }
    const token = randomBytes(32).toString('base64url');
    const hash = deviceTokenHash(token);
    await tx.query(`INSERT INTO sign_in_devices (token_hash, user_id, created_at, last_used_at) VALUES ($1, $2, $3, $3)`, [hash, userId, now]);
    // The one being handed out stays, whatever the others.
    await tx.query(
      `DELETE FROM sign_in_devices WHERE user_id = $1 AND token_hash NOT IN (
         SELECT token_hash FROM sign_in_devices WHERE user_id = $1
          ORDER BY token_hash = $3 DESC, last_used_at > created_at DESC, last_used_at DESC LIMIT $2)`,
      [userId, DEVICES_PER_USER, hash],
    );
    return token;
  }

  /**
   * Rotation with reuse detection: each refresh token works once. Presenting a used one means it was copied, so the
   * whole session (every token descended from that login) is revoked.
   */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const hash = hashRefreshToken(refreshToken);
    const outcome = await this.db.transaction(async (tx): Promise<{ pair?: TokenPair; reusedSession?: string; expired?: true } | null> => {
      const consumed: { session_id: string }[] = await tx.query(
        // TypeORM returns [rows, count] for a bare UPDATE; the CTE makes it a plain row set.
        `WITH consumed AS (
           UPDATE refresh_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL RETURNING session_id
         ) SELECT session_id FROM consumed`,
        [hash],
      );
      if (consumed.length === 0) {
        const reused = await tx.getRepository(RefreshToken).findOne({ where: { tokenHash: hash } });
        return reused ? { reusedSession: reused.sessionId } : null;
      }
      const session = await tx
        .getRepository(AuthSession)
        .createQueryBuilder('s')
        .where('s.id = :id AND s.revokedAt IS NULL AND s.expiresAt > :now', { id: consumed[0].session_id, now: this.clock.now() })
        .getOne();
      const user = session ? await tx.getRepository(User).findOne({ where: { id: session.userId, active: true } }) : null;
      if (!session || !user) return null;
      // A session opened with a temporary password lives no longer than the password does, unchanged.
      if (temporaryPasswordExpired(user.passwordExpiresAt, this.clock.now())) return { expired: true };
      return { pair: await this.issue(tx, user, session) };
    });
    if (outcome?.reusedSession) {
      // A copy of the token was used (by whoever holds the other one): the session ends for both.
      const [owner]: { user_id: string }[] = await this.db.query(`SELECT user_id FROM auth_sessions WHERE id = $1`, [outcome.reusedSession]);
      this.logger.warn({ event: 'refresh_token_reuse', userId: owner?.user_id ?? null, sessionId: outcome.reusedSession },
        'A refresh token was used twice: the session is ended');
      await this.revokeSession(outcome.reusedSession, 'refresh token reuse');
    }
    if (outcome?.expired) throw passwordExpired();
    if (!outcome?.pair) throw new UnauthorizedException('Invalid refresh token');
    return outcome.pair;
  }

  /** Why a new password of this account is too easy to guess, or null: judged with its email, name and organization. */
  async passwordWeaknessFor(password: string, account: { email: string; name: string; organizationId: string }): Promise<string | null> {
    const [org]: { name: string }[] = await this.db.query(`SELECT name FROM organizations WHERE id = $1`, [account.organizationId]);
    return passwordWeakness(password, [account.email, account.name, org?.name ?? '']);
  }

  /**
   * The signed-in user changes their password: the current one is checked (and counted by the sign-in throttle, so a
   * stolen session cannot guess it), and every other session of the user ends; this one goes on. Audited as a
   * `user.update` of the field `password` by the user themself.
   */
  async changePassword(actor: Principal, currentPassword: string, newPassword: string, ip: string): Promise<void> {
    const user = await this.db.getRepository(User).createQueryBuilder('u').addSelect('u.passwordHash').where('u.id = :id', { id: actor.userId }).getOne();
    if (!user) throw new UnauthorizedException();
    const email = user.email.toLowerCase();
    // Refused before the current password is checked: a weak choice costs no sign-in attempt (but counts towards how
    // often this session may have passwords judged). Per session, not per user: a stolen session, which does not know
    // the current password, could otherwise spend the owner's allowance and keep them from changing it (the one way
    // they end the other sessions themselves). Sessions come only from a sign-in, which is throttled.
    await this.rateLimit.hit(`password-check:${actor.sessionId}`, PASSWORD_CHECKS.max, PASSWORD_CHECKS.windowSeconds, 'Too many new passwords tried; try again later');
    const weak = await this.passwordWeaknessFor(newPassword, user);
    if (weak) throw validationFailed({ newPassword: [weak] });
    // Counted for the session, not the account: a stranger's lock on the account does not keep its signed-in owner from
    // changing the password, and a stolen session still has only a handful of guesses at it.
    const counted = await this.throttle.claimAttempt(email, ip, { hash: sessionThrottleKey(actor.sessionId), kind: 'session' });
    if (!(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.throttle.failed(counted, email);
      throw validationFailed({ currentPassword: ['is not your current password'] });
    }
    await this.throttle.recordSuccess(counted, ip);
    // In form C both (as hashed): the current password typed decomposed is not a new one.
    if (newPassword.normalize('NFC') === currentPassword.normalize('NFC')) throw validationFailed({ newPassword: ['must differ from the current password'] });
    const hash = await this.passwords.hash(newPassword);
    await this.db.transaction(async (tx) => {
      // The account as its current password was checked, locked: an operator's reset (or another change) that
      // committed meanwhile, or this session revoked since, and this change must not overwrite the new password.
      const [still]: { password_hash: string; active: boolean }[] = await tx.query(`SELECT password_hash, active FROM users WHERE id = $1 FOR UPDATE`, [user.id]);
      const live = await tx.query(`SELECT 1 FROM auth_sessions WHERE id = $1 AND revoked_at IS NULL`, [actor.sessionId]);
      if (!still?.active || still.password_hash !== user.passwordHash || live.length === 0) throw new UnauthorizedException();
      // A password of the user's own: a temporary one ends here.
      await tx.query(`UPDATE users SET password_hash = $2, password_expires_at = NULL, password_set_by = 'user' WHERE id = $1`, [user.id, hash]);
      await tx.query(
        `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'password changed' WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL`,
        [user.id, actor.sessionId],
      );
      // A changed password is often a compromised account: its calendar-feed URL (a credential of its own) ends too, and
      // so do its device tokens (a thief's device would keep its own sign-in counter), but the one of the device making
      // the change (whoever can change the password owns the account: its owner, perhaps locked out elsewhere).
      await tx.query(`DELETE FROM calendar_tokens WHERE user_id = $1`, [user.id]);
      await tx.query(
        `DELETE FROM sign_in_devices WHERE user_id = $1
            AND token_hash IS DISTINCT FROM (SELECT device_hash FROM auth_sessions WHERE id = $2)`,
        [user.id, actor.sessionId],
      );
      // Read under the row's lock: an admin's change at the same moment is recorded before or after this one, not lost.
      const [current]: { role: User['role']; active: boolean }[] = await tx.query(`SELECT role, active FROM users WHERE id = $1 FOR UPDATE`, [user.id]);
      const state = { role: current.role, active: current.active };
      await this.changes.publish(tx, { actor, userId: user.id, organizationId: user.organizationId, before: state, after: state, fields: ['password'] });
    });
  }

  async logout(sessionId: string, userId?: string): Promise<void> {
    await this.revokeSession(sessionId, 'logout');
    this.logger.log({ event: 'sign_out', userId: userId ?? null, sessionId }, 'Signed out');
  }

  async revokeSession(sessionId: string, reason: string): Promise<void> {
    await this.db.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL`,
      [sessionId, reason],
    );
  }

  /**
   * Every session and the calendar-feed token of the user end; with `devices` (a reset, a deactivation: not a role
   * change, which says nothing about who signed in), its device tokens too: whoever signed in with the old password
   * is a stranger again.
   */
  async endAllAccess(manager: EntityManager, userId: string, reason: string, options: { devices?: boolean } = {}): Promise<void> {
    await this.revokeAllForUser(manager, userId, reason);
    await manager.query(`DELETE FROM calendar_tokens WHERE user_id = $1`, [userId]);
    if (options.devices) await manager.query(`DELETE FROM sign_in_devices WHERE user_id = $1`, [userId]);
  }

  async revokeAllForUser(manager: EntityManager, userId: string, reason: string): Promise<void> {
    await manager.query(
      `UPDATE auth_sessions SET revoked_at = now(), revoked_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL`,
      [userId, reason],
    );
  }

  private async issue(tx: EntityManager, user: User, session: AuthSession): Promise<TokenPair> {
    const refresh = this.tokens.newRefreshToken();
    await tx.getRepository(RefreshToken).insert({ sessionId: session.id, tokenHash: refresh.hash });
    const accessToken = await this.tokens.signAccess({
      sub: user.id,
      sid: session.id,
      org: user.organizationId,
      role: user.role,
    });
    const { active: _active, ...view } = toUserView(user);
    return { accessToken, refreshToken: refresh.token, expiresIn: this.tokens.accessTtlSeconds, user: view };
  }
}
