import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { DataSource } from 'typeorm';
import { Clock, tooManyRequests } from '@amparo/common';
import { KeyMaterial, signInCounterKey } from '@amparo/crypto';

export interface ThrottlePolicy {
  maxFailures: number;
  windowSeconds: number;
  lockSeconds: number;
}

/** Per account: a handful of guesses. Per IP: more, since offices share one address. */
export const ACCOUNT_POLICY: ThrottlePolicy = { maxFailures: 5, windowSeconds: 900, lockSeconds: 900 };
export const IP_POLICY: ThrottlePolicy = { maxFailures: 30, windowSeconds: 900, lockSeconds: 900 };

/**
 * How long a device token stays good after its last sign-in. A device that signed in to an account holds one (from
 * the sign-in's answer); its failed attempts are counted on a counter of its own, so that a stranger's guesses, which
 * lock the account, do not lock out its owner on their phone or desk (OWASP's device cookies, as a JSON field).
 */
export const DEVICE_TOKEN_DAYS = 30;
/** The devices an account keeps at most, the most recently used. */
export const DEVICES_PER_USER = 20;

/**
 * `account`: failed attempts at an account, except from a device it gave a token to; `device`: from that device (keyed by
 * the token's hash), or, for a password change, by the session; `ip`: from an address.
 */
type Scope = 'account' | 'device' | 'ip';

const keyHash = (value: string) => createHash('sha256').update(value).digest();
/** A device token as stored: its SHA-256 (the token is 32 random bytes, nothing to guess from its hash). */
export const deviceTokenHash = (token: string) => keyHash(`device:${token}`);

/** A password change's counter: by the session that asks (it proved the password once already). */
export const sessionThrottleKey = (sessionId: string) => keyHash(`session:${sessionId}`);

/** A counter of its own for an attempt: a device's (its token's hash), or a password change's session. */
export interface OwnCounter {
  hash: Buffer;
  kind: 'device' | 'session';
}

/** The counter an attempt was counted on, for `recordSuccess` to clear (and that one only), and its failures then. */
export interface Claim {
  scope: 'account' | 'device';
  hash: Buffer;
  kind: 'account' | OwnCounter['kind'];
  failures: number;
  /** The address as counted (`ipKey`), and the attempts its counter holds with this one (none on a counter of its own). */
  ip: string;
  ipFailures: number;
  ipCounted: boolean;
}

/**
 * The address an IP counter is kept for: an IPv6 client holds a whole /64 (and may draw a new address from it for
 * every attempt), so it is counted by its /64; an IPv4 address as itself, however it is written (IPv4-mapped
 * `::ffff:a.b.c.d` in any spelling, or behind NAT64's `64:ff9b::/96`), so that all IPv4 clients never share a counter.
 */
export function ipKey(raw: string): string {
  // A proxy's X-Forwarded-For may carry a port or brackets ("203.0.113.7:1234", "[2001:db8::1]:443").
  const ip = raw.trim().replace(/^\[([^\]]+)\](?::\d+)?$/, '$1').replace(/^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/, '$1');
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  const ipv4 = () => `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`;
  const lead = groups.slice(0, 6).join(':');
  // Mapped (::ffff:0:0/96), translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/96), and the old compatible form (::a.b.c.d).
  if (['0:0:0:0:0:65535', '0:0:0:0:65535:0', `${0x64}:${0xff9b}:0:0:0:0`].includes(lead)) return ipv4();
  if (lead === '0:0:0:0:0:0' && groups[6] !== 0) return ipv4();
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part and a zone index allowed), else null. */
function ipv6Groups(ip: string): number[] | null {
  const address = ip.split('%')[0];
  if (!isIPv6(address)) return null;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  const hex = dotted
    ? `${address.slice(0, dotted.index)}${((+dotted[1] << 8) | +dotted[2]).toString(16)}:${((+dotted[3] << 8) | +dotted[4]).toString(16)}`
    : address;
  const [head, tail] = hex.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  const groups = [...left, ...fill, ...right].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : null;
}

/**
 * Sign-in attempt counters in PostgreSQL, so several API instances share them. An attempt is counted before its
 * password is checked, in one atomic statement per scope, so that attempts sent at once cannot all pass the check
 * before any failure is written: at most `maxFailures` attempts per window reach the password check, then the scope is
 * locked. A successful sign-in takes its own attempt back. Unknown emails are counted like known ones: the answer
 * never tells whether an account exists.
 */
@Injectable()
export class LoginThrottleService {
  // Sign-in activity is logged under one context (security.md): an operator filtering on `Auth` sees the locks too.
  private readonly logger = new Logger('Auth');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly keys: KeyMaterial,
  ) {}

  /** An email's or an address's counter key: keyed (signInCounterKey), never a plain hash of either. */
  private counterKey(scope: 'account' | 'ip', value: string): Buffer {
    return signInCounterKey(this.keys.indexKey, `${scope}:${value}`);
  }

  /**
   * The hash of a device token if it is this account's (an active user with this email, used within
   * `DEVICE_TOKEN_DAYS`), else null: a token of another account, an old one, or none counts as a stranger's device.
   * Asked whether or not the email exists, with the same query: the answer tells nothing about the account.
   */
  async deviceOf(email: string, token: string | undefined): Promise<Buffer | null> {
    if (!token) return null;
    const hash = deviceTokenHash(token);
    const rows = await this.db.query(
      `SELECT 1 FROM sign_in_devices d JOIN users u ON u.id = d.user_id
        WHERE d.token_hash = $1 AND lower(u.email) = $2 AND u.active AND d.last_used_at > $3::timestamptz - make_interval(days => $4)`,
      [hash, email, this.clock.now(), DEVICE_TOKEN_DAYS],
    );
    return rows.length > 0 ? hash : null;
  }

  /**
   * Counts an attempt for the IP, then for the account, or on a counter of its own (`own`: a device token's hash, from
   * `deviceOf`, or a session's key for a password change); 429 when either has no attempt left in its window. Anyone
   * who knows an email can lock the account, 15 minutes at a time and again and again, but not for a device it signed
   * in on. An attempt the account refuses never reaches the password check, so the IP gets it back: someone locked out
   * of their own account who keeps trying does not lock out their office.
   */
  async claimAttempt(email: string, ip: string, own: OwnCounter | null = null): Promise<Claim> {
    const refused = (retryAfterSeconds: number) => tooManyRequests('Too many failed sign-in attempts; try again later', retryAfterSeconds);
    // An attempt on a counter of its own (a device the account signed in on, a signed-in session) is not the address's:
    // a stranger on the same network (an office's guest Wi-Fi, a shelter, a carrier's NAT) who locks the address with
    // guesses at made-up accounts would otherwise keep every owner there from signing in or changing a password.
    const byIp = own ? null : await this.claim('ip', this.counterKey('ip', ipKey(ip)), IP_POLICY);
    if (byIp && byIp.refusedFor !== null) throw refused(byIp.refusedFor);
    const [scope, hash] = own ? ['device' as const, own.hash] : ['account' as const, this.counterKey('account', email)];
    const byAccount = await this.claim(scope, hash, ACCOUNT_POLICY);
    if (byAccount.refusedFor !== null) {
      if (byIp) await this.giveBackToIp(ip);
      throw refused(byAccount.refusedFor);
    }
    return {
      scope, hash, kind: own?.kind ?? 'account', failures: byAccount.failures,
      ip: ipKey(ip), ipFailures: byIp?.failures ?? 0, ipCounted: byIp !== null,
    };
  }

  /**
   * The attempt's password was wrong. The one that set a lock is logged, by the account's user id (never its email):
   * for an admin who wonders why someone could not sign in, or sees a stranger renew the lock again and again (five
   * guesses every 15 minutes, none of them refused). One whose password was right sets no lock: it clears the counter.
   */
  async failed(counted: Claim, email: string): Promise<void> {
    // The address's lock too: someone guessing across many accounts locks none of them.
    if (counted.ipFailures === IP_POLICY.maxFailures) {
      this.logger.warn({ event: 'sign_in_locked', scope: 'ip', ip: counted.ip },
        `Sign-in locked for an address: ${IP_POLICY.maxFailures} failed attempts within ${IP_POLICY.windowSeconds / 60} minutes`);
    }
    if (counted.failures !== ACCOUNT_POLICY.maxFailures) return;
    const users: { id: string }[] = await this.db.query(`SELECT id FROM users WHERE lower(email) = $1`, [email]).catch(() => []);
    this.logger.warn({ event: 'sign_in_locked', scope: counted.scope, userId: users[0]?.id ?? null, counter: counted.kind, ip: counted.ip },
      `Sign-in locked: ${ACCOUNT_POLICY.maxFailures} failed attempts within ${ACCOUNT_POLICY.windowSeconds / 60} minutes`);
  }

  /**
   * The attempt succeeded: the counter it was counted on starts over (a device's success does not lift the lock a
   * stranger's guesses set on the account), and the IP gets its attempt back.
   */
  async recordSuccess(counted: Claim, ip: string): Promise<void> {
    await this.db.query(`DELETE FROM login_throttle WHERE scope = $1 AND key_hash = $2`, [counted.scope, counted.hash]);
    if (counted.ipCounted) await this.giveBackToIp(ip);
  }

  /**
   * The account's failures are forgotten (the operator's password reset, in its transaction). `email` as stored: the
   * key sign-in counts the account's attempts under (AuthService.login).
   */
  async forgetAccount(email: string, runner: { query: DataSource['query'] } = this.db): Promise<void> {
    await runner.query(`DELETE FROM login_throttle WHERE scope = 'account' AND key_hash = $1`, [this.counterKey('account', email)]);
  }

  private async giveBackToIp(ip: string): Promise<void> {
    await this.db.query(
      `UPDATE login_throttle SET failures = greatest(failures - 1, 0),
              locked_until = CASE WHEN failures - 1 < $2 THEN NULL ELSE locked_until END
        WHERE scope = 'ip' AND key_hash = $1`,
      [this.counterKey('ip', ipKey(ip)), IP_POLICY.maxFailures],
    );
  }

  /**
   * One atomic upsert: a window that has run out starts over (never while locked); the attempt that reaches the limit
   * sets the lock and is still allowed; any later one in the window, or while locked, is refused (and does not move
   * the lock). Returns the failures counted, and null when the attempt is allowed, else the seconds until the lock (or
   * the window) ends.
   */
  private async claim(scope: Scope, hash: Buffer, policy: ThrottlePolicy): Promise<{ failures: number; refusedFor: number | null }> {
    const now = this.clock.now();
    const stale = `(t.window_started_at < $3::timestamptz - make_interval(secs => $5) AND NOT coalesce(t.locked_until > $3, false))`;
    const [row]: { failures: number; left_seconds: number }[] = await this.db.query(
      `INSERT INTO login_throttle AS t (scope, key_hash, window_started_at, failures, locked_until)
       VALUES ($1, $2, $3, 1, CASE WHEN $4 <= 1 THEN $3::timestamptz + make_interval(secs => $6) END)
       ON CONFLICT (scope, key_hash) DO UPDATE SET
         window_started_at = CASE WHEN ${stale} THEN $3 ELSE t.window_started_at END,
         failures = CASE WHEN ${stale} THEN 1 ELSE t.failures + 1 END,
         locked_until = CASE
           WHEN t.locked_until > $3 THEN t.locked_until
           WHEN (CASE WHEN ${stale} THEN 1 ELSE t.failures + 1 END) >= $4 THEN $3::timestamptz + make_interval(secs => $6)
           ELSE t.locked_until END
       RETURNING failures, extract(epoch FROM coalesce(locked_until, window_started_at + make_interval(secs => $5)) - $3::timestamptz)::float8 AS left_seconds`,
      [scope, hash, now, policy.maxFailures, policy.windowSeconds, policy.lockSeconds],
    );
    return { failures: row.failures, refusedFor: row.failures <= policy.maxFailures ? null : row.left_seconds };
  }
}
