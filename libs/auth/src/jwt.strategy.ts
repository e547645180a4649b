import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import type { AccessClaims } from './token.service';

/**
 * Verifies the access token itself: HS256 only (so `alg: none` and key confusion fail), issuer, audience, expiry.
 * It holds no state beyond the secret, because passport keeps strategies in a process-wide registry; the session
 * check against the database is the AccessGuard's.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject: given raw bytes, jsonwebtoken first tries them as a public key on every request (~1 ms of CPU).
      // (jsonwebtoken accepts a KeyObject; passport-jwt's types only name string | Buffer.)
      secretOrKey: createSecretKey(Buffer.from(config.secrets.jwtSecret, 'base64')) as unknown as Buffer,
      algorithms: ['HS256'],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
    });
  }

  validate(claims: AccessClaims): AccessClaims {
    if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new UnauthorizedException('Malformed token');
    return claims;
  }
}
