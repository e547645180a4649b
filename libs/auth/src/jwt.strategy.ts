import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import type { Principal, Role } from './roles';
import type { AccessClaims } from './token.service';

/**
 * Verifies the access token (HS256 only, issuer, audience, expiry) and then its session in the database, so a
 * logout or a deactivation takes effect on the very next request rather than when the token expires.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: Buffer.from(config.secrets.jwtSecret, 'base64'),
      algorithms: ['HS256'],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessClaims): Promise<Principal> {
    const rows: { role: Role; organization_id: string }[] = await this.db.query(
      `SELECT u.role, u.organization_id
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND u.id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.active`,
      [claims.sid, claims.sub],
    );
    if (rows.length === 0) throw new UnauthorizedException('Session has ended');
    // Role and organization come from the database, not the token: a role change applies at once.
    return { userId: claims.sub, sessionId: claims.sid, role: rows[0].role, organizationId: rows[0].organization_id };
  }
}
