import { ExecutionContext, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { forbidden } from '@amparo/common';
import { preparedQuery } from '@amparo/database';
import { ACCESS_KEY, AccessRule, TEMPORARY_PASSWORD_KEY } from './access.decorator';
import { passwordChangeRequired, passwordExpired } from './temporary-password';
import type { Principal, Role } from './roles';
import type { AccessClaims } from './token.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Is the token's session live, and who is its user now (role as text: a prepared statement keeps its result types). */
const SESSION_SQL = `SELECT u.role::text AS role, u.organization_id, u.password_expires_at IS NOT NULL AS temporary,
       u.password_expires_at <= now() AS expired
  FROM auth_sessions s JOIN users u ON u.id = s.user_id
 WHERE s.id = $1 AND u.id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active`;

/**
 * The global guard. Deny by default: a handler that declares no access rule is refused for everyone. A valid token
 * is not enough: its session must still be open and its user active, so logout and deactivation take effect on the
 * very next request rather than when the token expires.
 */
@Injectable()
export class AccessGuard extends AuthGuard('jwt') {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_KEY, context.getHandler());
    if (!rule) {
      this.logger.error(`${context.getClass().name}.${context.getHandler().name} declares no @Access rule: denied`);
      throw forbidden();
    }
    if (rule.kind === 'public') return true;
    await super.canActivate(context);
    const request = context.switchToHttp().getRequest<{ user: AccessClaims | Principal }>();
    const { principal, temporary, expired } = await this.principal(request.user as AccessClaims);
    request.user = principal;
    // A temporary password past its time is no credential any more, nor is a session it opened (even to change it).
    if (expired) throw passwordExpired();
    if (temporary && !this.reflector.get<boolean | undefined>(TEMPORARY_PASSWORD_KEY, context.getHandler())) throw passwordChangeRequired();
    if (rule.kind === 'roles' && !rule.roles.includes(principal.role)) throw forbidden();
    return true;
  }

  private async principal(claims: AccessClaims): Promise<{ principal: Principal; temporary: boolean; expired: boolean }> {
    if (!UUID.test(claims.sid) || !UUID.test(claims.sub)) throw new UnauthorizedException('Malformed token');
    // Every authenticated request runs this: prepared, so the database does not plan it each time.
    const rows = await preparedQuery<{ role: Role; organization_id: string; temporary: boolean; expired: boolean | null }>(this.db, SESSION_SQL, [claims.sid, claims.sub]);
    if (rows.length === 0) throw new UnauthorizedException('Session has ended');
    // Role and organization come from the database, not the token: a change applies at once.
    return {
      principal: { userId: claims.sub, sessionId: claims.sid, role: rows[0].role, organizationId: rows[0].organization_id },
      temporary: rows[0].temporary,
      expired: rows[0].expired === true,
    };
  }

  override handleRequest<T>(error: unknown, user: T, info?: unknown): T {
    if (error instanceof UnauthorizedException) throw error;
    // A token that was good and lapsed (15 minutes by default) says so: "Authentication required" to someone who
    // signed in a while ago reads as a fault of theirs. It tells nothing its holder does not know.
    if (!user && info instanceof Error && info.name === 'TokenExpiredError') {
      throw new UnauthorizedException('Your access token has expired: get a new one with POST /api/auth/refresh (your refresh token), or sign in again');
    }
    if (error || !user) throw new UnauthorizedException('Authentication required');
    return user;
  }
}
