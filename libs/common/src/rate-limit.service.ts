import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from './clock';
import { tooManyRequests } from './domain-error';

/** Fixed-window counters in PostgreSQL, shared by every API instance. */
@Injectable()
export class RateLimitService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Counts one hit against `key`; throws 429 once `max` hits fall in the current window, retry when it ends. */
  async hit(key: string, max: number, windowSeconds: number, message: string): Promise<void> {
    const now = this.clock.now();
    const [{ hits, left_seconds }] = await this.db.query(
      `INSERT INTO rate_limits AS r (key, window_started_at, hits) VALUES ($1, $2, 1)
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN r.window_started_at <= $2::timestamptz - make_interval(secs => $3) THEN 1 ELSE r.hits + 1 END,
         window_started_at = CASE WHEN r.window_started_at <= $2::timestamptz - make_interval(secs => $3)
                                  THEN $2 ELSE r.window_started_at END
       RETURNING hits, extract(epoch FROM r.window_started_at + make_interval(secs => $3) - $2::timestamptz)::float8 AS left_seconds`,
      [key, now, windowSeconds],
    );
    if (hits > max) throw tooManyRequests(message, left_seconds);
  }
}
