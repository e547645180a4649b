import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Clock, tooManyRequests } from '@amparo/common';

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Per account: a handful of guesses. Per IP: more, since offices share one address. */
export const ACCOUNT_POLICY: ThrottlePolicy = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };
export const IP_POLICY: ThrottlePolicy = { maxFailures: 30, windowSeconds: 900, lockSeconds: 900 };

type Scope = 'account' | 'ip';

const keyHash = (value: string) => createHash('sha256').update(value).digest();

/**
 * Failed-login counters in PostgreSQL, so several API instances share them. Unknown emails are counted like known
 * ones: the answer never tells whether an account exists.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  async assertAllowed(email: string, ip: string): Promise<void> {
    const rows: { scope: Scope }[] = await this.db.query(
      `SELECT scope FROM login_throttle
        WHERE ((scope = 'account' AND key_hash = $1) OR (scope = 'ip' AND key_hash = $2)) AND locked_until > $3`,
      [keyHash(email), keyHash(ip), this.clock.now()],
    );
    if (rows.length > 0) throw tooManyRequests('Too many failed sign-in attempts; try again later');
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await this.bump('account', keyHash(email), ACCOUNT_POLICY);
    await this.bump('ip', keyHash(ip), IP_POLICY);
  }

  async recordSuccess(email: string): Promise<void> {
    await this.db.query(`DELETE FROM login_throttle WHERE scope = 'account' AND key_hash = $1`, [keyHash(email)]);
  }

  private async bump(scope: Scope, hash: Buffer, policy: ThrottlePolicy): Promise<void> {
    const now = this.clock.now();
    // One atomic upsert: a window that has run out starts over; reaching the limit sets the lock.
    await this.db.query(
      `INSERT INTO login_throttle AS t (scope, key_hash, window_started_at, failures, locked_until)
       VALUES ($1, $2, $3, 1, CASE WHEN $4 <= 1 THEN $3::timestamptz + make_interval(secs => $6) END)
       ON CONFLICT (scope, key_hash) DO UPDATE SET
         window_started_at = CASE WHEN t.window_started_at < $3::timestamptz - make_interval(secs => $5)
                                  THEN $3 ELSE t.window_started_at END,
         failures = CASE WHEN t.window_started_at < $3::timestamptz - make_interval(secs => $5)
                         THEN 1 ELSE t.failures + 1 END,
         locked_until = CASE
           WHEN t.window_started_at >= $3::timestamptz - make_interval(secs => $5) AND t.failures + 1 >= $4
           THEN $3::timestamptz + make_interval(secs => $6) ELSE t.locked_until END`,
      [scope, hash, now, policy.maxFailures, policy.windowSeconds, policy.lockSeconds],
    );
  }
}
