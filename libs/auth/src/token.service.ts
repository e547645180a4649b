import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, randomBytes } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import type { Role } from './roles';

export interface AccessClaims {
  sub: string;
  sid: string;
  org: string;
  role: Role;
}

export const hashRefreshToken = (token: string) => createHash('sha256').update(token, 'utf8').digest();

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get accessTtlSeconds(): number {
    return this.config.auth.accessTtlSeconds;
  }

  signAccess(claims: AccessClaims): Promise<string> {
    return this.jwt.signAsync(claims);
  }

  /** Opaque and random: only its hash is stored. */
  newRefreshToken(): { token: string; hash: Buffer } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashRefreshToken(token) };
  }
}
