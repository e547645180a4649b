import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Clock, conflict, forbidden, notFound, validationFailed, DomainError, canonicalEmail, legacyEmail } from '@amparo/common';
import { isUniqueViolation, transactionWithRetry } from '@amparo/database';
import { temporaryPasswordExpiry } from './temporary-password';
import { AuthService } from './auth.service';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { User, UserView, toUserView } from './entities/user.entity';
import { LoginThrottleService } from './login-throttle.service';
import { PasswordService } from './password.service';
import { UserChanges } from './user-changes';
import type { Principal } from './roles';
import { HttpStatus } from '@nestjs/common';

/**
 * An admin sets a password only over one an admin set (the account's first, not yet replaced by the user): one the user
 * chose is theirs alone, and so is the operator's reset of it (an admin setting one then would take the account over).
 */
const passwordSetByUser = () =>
  new DomainError(HttpStatus.CONFLICT, 'PASSWORD_SET_BY_USER',
    'This user has chosen their own password, or the operator has reset it: an admin cannot set it (the operator resets a forgotten one: users:reset-password)');

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly passwords: PasswordService,
    private readonly auth: AuthService,
    private readonly changes: UserChanges,
    private readonly throttle: LoginThrottleService,
    private readonly clock: Clock,
  ) {}

  async create(actor: Principal, dto: CreateUserDto): Promise<UserView> {
    const weak = await this.auth.passwordWeaknessFor(dto.password, { email: dto.email, name: dto.name, organizationId: actor.organizationId });
    if (weak) throw validationFailed({ password: [weak] });
    const passwordHash = await this.passwords.hash(dto.password);
    try {
      return await this.db.transaction(async (tx) => {
        const repo = tx.getRepository(User);
        const user = await repo.save(
          repo.create({
            organizationId: actor.organizationId,
            email: canonicalEmail(dto.email),
            name: dto.name.trim(),
            role: dto.role,
            passwordHash,
            // Chosen by the admin, so known to them: temporary (ASVS 6.4.1), as the system's own are. The user chooses
            // their own at the first sign-in, and an admin who knows this one cannot go on signing in as them.
            passwordExpiresAt: temporaryPasswordExpiry(this.clock.now()),
            passwordSetBy: 'admin',
            active: true,
          }),
        );
        await this.changes.publish(tx, {
          actor, userId: user.id, organizationId: user.organizationId, before: null, after: { role: user.role, active: true },
          fields: ['name', 'role', 'active'],
        });
        return toUserView(user);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw conflict('EMAIL_TAKEN', 'A user with this email exists');
      throw error;
    }
  }

  async list(actor: Principal): Promise<UserView[]> {
    const users = await this.db
      .getRepository(User)
      .find({ where: { organizationId: actor.organizationId }, order: { name: 'ASC' } });
    return users.map(toUserView);
  }

  async get(actor: Principal, id: string): Promise<UserView> {
    const user = await this.db.getRepository(User).findOne({ where: { id, organizationId: actor.organizationId } });
    if (!user) throw notFound('User');
    return toUserView(user);
  }

  /**
   * For the operator (CLI, on the server) when a user lost their password: a new random one, shown once to the caller;
   * every session and the calendar-feed token of the user end. Not an API route: an admin who could set a user's
   * password could sign in as them and read their cases. Null when no user has that email.
   */
  async resetPassword(
    email: string,
    /** Runs in the reset's transaction once it is done (the CLI's audit event: both are kept, or neither). */
    within?: (tx: EntityManager, reset: { userId: string; organizationId: string }) => Promise<void>,
  ): Promise<{ userId: string; organizationId: string; email: string; password: string } | null> {
    const password = randomBytes(18).toString('base64url');
    const hash = await this.passwords.hash(password);
    return this.db.transaction(async (tx) => {
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
      const [user]: { id: string; email: string; organization_id: string }[] = await tx.query(
        // Lowered here as sign-in lowers it: the database's lower() leaves letters beyond ASCII as they are (locale C).
        // In the canonical form, or as an older release stored it (a row migration 1764005100000 left, its canonical
        // form taken by a look-alike): typed exactly so, that row; else the canonical one. One row only.
        `WITH target AS (SELECT id FROM users WHERE lower(email) IN ($1, $3) ORDER BY lower(email) = $3 DESC LIMIT 1),
              updated AS (UPDATE users SET password_hash = $2, password_expires_at = $4, password_set_by = 'operator' WHERE id = (SELECT id FROM target) RETURNING id, email, organization_id)
         SELECT id, email, organization_id FROM updated`,
        // Temporary: the user changes it at their first sign-in, before anything else, and it expires unused.
        [canonicalEmail(email), hash, legacyEmail(email), temporaryPasswordExpiry(this.clock.now())],
      );
      if (!user) return null;
      await this.auth.endAllAccess(tx, user.id, 'password reset by the operator', { devices: true });
      // Reset, often, because the account was locked by failed attempts: it may sign in with the new one at once (its
      // device tokens went with its access: someone else may have signed in with the old password).
      await this.throttle.forgetAccount(user.email, tx);
      await within?.(tx, { userId: user.id, organizationId: user.organization_id });
      return { userId: user.id, organizationId: user.organization_id, email: user.email, password };
    });
  }

  async update(actor: Principal, id: string, dto: UpdateUserDto): Promise<UserView> {
    if (id === actor.userId && (dto.active === false || (dto.role && dto.role !== 'admin'))) {
      // An organization must not lock itself out by its only admin demoting or deactivating themself.
      throw new DomainError(HttpStatus.CONFLICT, 'SELF_LOCKOUT', 'Admins cannot deactivate or demote themselves');
    }
    // A new temporary password: judged and hashed before the transaction (slow), for the account as it is now.
    const passwordHash = dto.password === undefined ? undefined : await this.temporaryPasswordFor(actor, id, dto);
    // Retried when PostgreSQL aborts it for a concurrent transaction: a deactivation must not fail for that.
    return transactionWithRetry(this.db, async (tx) => {
      const repo = tx.getRepository(User);
      if (dto.active === false || (dto.role !== undefined && dto.role !== 'admin')) await this.stillAdmin(tx, actor);
      // FOR NO KEY UPDATE: a concurrent accept, which points a case at this user, checks its foreign key with FOR KEY
      // SHARE, which FOR UPDATE would block while this transaction waits for that accept's referral (a deadlock).
      const user = await repo.findOne({ where: { id, organizationId: actor.organizationId }, lock: { mode: 'for_no_key_update' } });
      if (!user) throw notFound('User');
      const before = { role: user.role, active: user.active };
      const fields = [
        ...(dto.name !== undefined && dto.name.trim() !== user.name ? ['name'] : []),
        ...(dto.role !== undefined && dto.role !== user.role ? ['role'] : []),
        ...(dto.active !== undefined && dto.active !== user.active ? ['active'] : []),
        ...(passwordHash !== undefined ? ['password'] : []),
      ];
      if (passwordHash !== undefined && user.passwordSetBy !== 'admin') throw passwordSetByUser();
      if (dto.name !== undefined) user.name = dto.name.trim();
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.active !== undefined) user.active = dto.active;
      if (fields.length === 0) return toUserView(user);
      if (passwordHash !== undefined) {
        user.passwordHash = passwordHash;
        user.passwordExpiresAt = temporaryPasswordExpiry(this.clock.now());
      }
      await repo.save(user);
      // What the user could reach changes: their sessions end, and their calendar-feed URL, which would otherwise
      // keep listing what the old role saw (an attorney made coordinator would see every case's deadlines). A PATCH
      // that sends the same role (a form sending every field) changes nothing and ends nothing.
      if (fields.includes('active') && !user.active) await this.auth.endAllAccess(tx, user.id, 'deactivated', { devices: true });
      else if (fields.includes('password')) {
        // As the operator's reset: whoever signed in with the one before (its expiry, or an admin who knew it) is out,
        // and an account locked by failed attempts may sign in with the new one at once.
        await this.auth.endAllAccess(tx, user.id, 'temporary password set again by an admin', { devices: true });
        await this.throttle.forgetAccount(user.email, tx);
      } else if (fields.includes('role')) await this.auth.endAllAccess(tx, user.id, 'role changed');
      await this.changes.publish(tx, {
        actor, userId: user.id, organizationId: user.organizationId, before, after: { role: user.role, active: user.active }, fields,
      });
      return toUserView(user);
    });
  }

  /**
   * The hash of a new temporary password for a user of the actor's organization who has not chosen their own (judged
   * as their own would be, with their email and name); 409 once they have (checked again under the row's lock).
   */
  private async temporaryPasswordFor(actor: Principal, id: string, dto: UpdateUserDto): Promise<string> {
    const user = await this.db.getRepository(User).findOne({ where: { id, organizationId: actor.organizationId } });
    if (!user) throw notFound('User');
    if (user.passwordSetBy !== 'admin') throw passwordSetByUser();
    const weak = await this.auth.passwordWeaknessFor(dto.password!, { email: user.email, name: dto.name ?? user.name, organizationId: user.organizationId });
    if (weak) throw validationFailed({ password: [weak] });
    return this.passwords.hash(dto.password!);
  }

  /**
   * Before a change that can take an admin away: the organization's admins locked (in one order, before the target's
   * row), and the actor among them. Two admins demoting or deactivating each other at the same moment would otherwise
   * both succeed and leave the organization with none; the second now waits for the first, and finds itself no longer
   * an admin. The actor cannot be the target (refused above), so an admin always remains.
   */
  private async stillAdmin(tx: EntityManager, actor: Principal): Promise<void> {
    const admins: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'admin' AND active ORDER BY id FOR NO KEY UPDATE`,
      [actor.organizationId],
    );
    if (!admins.some((admin) => admin.id === actor.userId)) {
      throw forbidden('You are no longer an admin of this organization');
    }
  }
}
