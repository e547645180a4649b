import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock, FIRST_PURGE_AFTER_SECONDS, every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { ACCOUNT_POLICY, DEVICE_TOKEN_DAYS, IP_POLICY } from './login-throttle.service';

/** How long an ended session (revoked or expired) is kept: a refresh token of it presented meanwhile is still known. */
export const ENDED_SESSION_DAYS = 30;
/** Rate-limit counters are dropped a day after their window started (the longest window is an hour). */
const RATE_LIMIT_KEEP_SECONDS = 86_400;

/**
 * Sign-in counters, rate-limit counters and ended sessions only grow otherwise: unauthenticated requests write counter
 * rows, and every refresh a token row. Removed with the retention purge's timer; any number of instances may run it.
 */
@Injectable()
export class AuthHousekeeping implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AuthHousekeeping');
  private stop?: () => Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.purgeIntervalSeconds, () => this.sweep(), this.logger, 'Auth housekeeping', { firstAfterSeconds: FIRST_PURGE_AFTER_SECONDS });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }

  /** Deletes what no longer counts; returns how many rows of each kind. */
  async sweep(): Promise<{ throttle: number; rateLimits: number; sessions: number; devices: number }> {
    const now = this.clock.now();
    const windowSeconds = Math.max(ACCOUNT_POLICY.windowSeconds, IP_POLICY.windowSeconds);
    const count = async (sql: string, params: unknown[]) => ((await this.db.query(`WITH gone AS (${sql} RETURNING 1) SELECT count(*)::int AS n FROM gone`, params)) as { n: number }[])[0].n;
    // A counter whose window has run out and that locks nothing starts over anyway at the next attempt.
    const throttle = await count(
      `DELETE FROM login_throttle WHERE window_started_at < $1::timestamptz - make_interval(secs => $2) AND NOT coalesce(locked_until > $1, false)`,
      [now, windowSeconds],
    );
    const rateLimits = await count(`DELETE FROM rate_limits WHERE window_started_at < $1::timestamptz - make_interval(secs => $2)`, [now, RATE_LIMIT_KEEP_SECONDS]);
    // Their refresh tokens go with them (ON DELETE CASCADE).
    const sessions = await count(
      `DELETE FROM auth_sessions WHERE expires_at < $1::timestamptz - make_interval(days => $2) OR revoked_at < $1::timestamptz - make_interval(days => $2)`,
      [now, ENDED_SESSION_DAYS],
    );
    // Device tokens no sign-in used for DEVICE_TOKEN_DAYS no longer count (deviceOf): their rows go.
    const devices = await count(`DELETE FROM sign_in_devices WHERE last_used_at < $1::timestamptz - make_interval(days => $2)`, [now, DEVICE_TOKEN_DAYS]);
    if (throttle + rateLimits + sessions + devices > 0) {
      this.logger.log({ throttle, rateLimits, sessions, devices }, 'Removed expired sign-in counters, rate-limit counters, ended sessions and old device tokens');
    }
    return { throttle, rateLimits, sessions, devices };
  }
}
