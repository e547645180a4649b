import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { conflict, notFound, DomainError } from '@amparo/common';
import { isUniqueViolation } from '@amparo/database';
import { AuthService } from './auth.service';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import { User, UserView, toUserView } from './entities/user.entity';
import { PasswordService } from './password.service';
import type { Principal } from './roles';
import { HttpStatus } from '@nestjs/common';

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly passwords: PasswordService,
    private readonly auth: AuthService,
  ) {}

  async create(actor: Principal, dto: CreateUserDto): Promise<UserView> {
    const passwordHash = await this.passwords.hash(dto.password);
    try {
      const user = await this.db.getRepository(User).save(
        this.db.getRepository(User).create({
          organizationId: actor.organizationId,
          email: dto.email.trim().toLowerCase(),
          name: dto.name.trim(),
          role: dto.role,
          passwordHash,
          active: true,
        }),
      );
      return toUserView(user);
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
  async resetPassword(email: string): Promise<{ userId: string; organizationId: string; email: string; password: string } | null> {
    const password = randomBytes(18).toString('base64url');
    const hash = await this.passwords.hash(password);
    return this.db.transaction(async (tx) => {
      // Wrapped in a SELECT: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
      const [user]: { id: string; email: string; organization_id: string }[] = await tx.query(
        `WITH updated AS (UPDATE users SET password_hash = $2 WHERE lower(email) = lower($1) RETURNING id, email, organization_id)
         SELECT id, email, organization_id FROM updated`,
        [email.trim(), hash],
      );
      if (!user) return null;
      await this.auth.endAllAccess(tx, user.id, 'password reset by the operator');
      return { userId: user.id, organizationId: user.organization_id, email: user.email, password };
    });
  }

  async update(actor: Principal, id: string, dto: UpdateUserDto): Promise<UserView> {
    if (id === actor.userId && (dto.active === false || (dto.role && dto.role !== 'admin'))) {
      // An organization must not lock itself out by its only admin demoting or deactivating themself.
      throw new DomainError(HttpStatus.CONFLICT, 'SELF_LOCKOUT', 'Admins cannot deactivate or demote themselves');
    }
    return this.db.transaction(async (tx) => {
      const repo = tx.getRepository(User);
      const user = await repo.findOne({ where: { id, organizationId: actor.organizationId }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw notFound('User');
      if (dto.name !== undefined) user.name = dto.name.trim();
      if (dto.role !== undefined) user.role = dto.role;
      if (dto.active !== undefined) user.active = dto.active;
      await repo.save(user);
      if (dto.active === false) await this.auth.revokeAllForUser(tx, user.id, 'deactivated');
      if (dto.role !== undefined) await this.auth.revokeAllForUser(tx, user.id, 'role changed');
      return toUserView(user);
    });
  }
}
