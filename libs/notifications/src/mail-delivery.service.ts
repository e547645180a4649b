import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import nodemailer, { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { DataSource } from 'typeorm';
import { Clock } from '@amparo/common';
import { APP_CONFIG, AppConfig, SmtpConfig } from '@amparo/config';
import { OutboxService, STAND_IN_KEY_SUFFIX } from './outbox.service';

const MAX_ATTEMPTS = 8;
/**
 * How long a claimed notification is kept from other instances while it is sent: longer than one send takes within
 * the transport's timeouts (10 s to connect, 10 s for the greeting, 2 minutes of silence per step). A send that
 * outlasts it (a server that answers very slowly) may be repeated by another instance: delivery is at least once.
 */
const LEASE_SECONDS = 600;
/**
 * How long a mail server may keep answering an email with a temporary failure (4xx: a lookup of its own down, its
 * storage full, greylisting) before the email is given up: RFC 5321 4.5.4.1 asks for at least 4-5 days.
 */
const TEMPORARY_FAILURE_DAYS = 5;
/** Recipients put off one after the other (none taken between) that make a relay's temporary failures an outage. */
const PUT_OFF_OUTAGE = 3;

interface Claimed {
  id: string;
  email: string;
  subject: string;
  body: string;
  kind: string;
  recipient_id: string;
  attempts: number;
  leased_until: Date;
}

/**
 * Claims the oldest due notification for this instance: its next attempt moves to the end of the lease, so no other
 * instance (or later run) picks it up while it is being sent. One at a time, so that a lease covers one send, not a
 * batch of unknown length. SKIP LOCKED lets concurrent claims take different rows. A SELECT around the UPDATE, as
 * TypeORM answers a bare UPDATE with [rows, count] instead of the rows. An offer's email is claimed only while the
 * offer is open and its answer time ahead: one withdrawn since the pass began waits for the cancellation, rather than
 * being sent.
 * What cannot wait is claimed first (`urgent`: an offer with hours to answer, a missed deadline or one open again, a
 * case left without an attorney or taken from one, a conflict), then the oldest: behind a backlog of reminders, a critical offer's email
 * could come after its answer time (two statements, each on an index, not one sort of every due row per claim). The
 * claim clears `last_error`: a row leased with none is being sent now (what withdrawOffer reads).
 */
const claimSql = (urgent: boolean) => `WITH due AS (
  SELECT n.id FROM notifications n JOIN users u ON u.id = n.recipient_id
   WHERE n.sent_at IS NULL AND n.cancelled_at IS NULL AND n.next_attempt_at <= $1 AND n.attempts < $2 AND u.active
     AND NOT (n.recipient_id = ANY($4::uuid[]))
     ${urgent ? `AND n.kind IN (${URGENT_KINDS.map((k) => `'${k}'`).join(', ')})` : ''}
     AND (n.kind <> 'referral.offer' OR EXISTS (
           SELECT 1 FROM referrals r
            WHERE r.id = CASE WHEN n.dedupe_key ~ '^offer:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:|$)'
                              THEN split_part(n.dedupe_key, ':', 2)::uuid END
              AND r.status = 'offered' AND r.respond_by > $1))
   ORDER BY n.next_attempt_at
   LIMIT 1 FOR UPDATE OF n SKIP LOCKED
), claimed AS (
  UPDATE notifications n SET next_attempt_at = $1::timestamptz + make_interval(secs => $3), last_error = NULL
    FROM due, users u
   WHERE n.id = due.id AND u.id = n.recipient_id
  RETURNING n.id, u.email, n.subject, n.body, n.kind, n.recipient_id, n.attempts, n.next_attempt_at AS leased_until
)
SELECT id, email, subject, body, kind, recipient_id, attempts, leased_until FROM claimed`;

/**
 * The kinds claimed before the rest (see claimSql); `notifications_urgent_idx` (migrations 1764004000000, 1764006900000)
 * covers them. A deadline's "open again" says there is still time to act: it does not wait behind reminders.
 */
export const URGENT_KINDS = ['referral.offer', 'deadline.missed', 'case.unplaced', 'case.unassigned', 'case.released', 'case.conflict', 'deadline.reopened'] as const;
const CLAIM_URGENT_SQL = claimSql(true);
const CLAIM_ANY_SQL = claimSql(false);

/**
 * Due notifications that no longer apply are cancelled before any is claimed, and each claimed one again before it is
 * sent (CANCEL_ONE_SQL): the recipient was deactivated; the case
 * was closed or purged; a reminder's deadline is no longer open (met, waived, missed, superseded) or was moved since
 * (the key names the due time it reminds of), its time has passed, or a reminder at a tighter threshold of the same
 * time was written since (held-up delivery would send 48 h, 24 h and 2 h at once); an offer was answered, withdrawn
 * or expired; an "unplaced" or
 * "unassigned" alert's case was placed since; a missed deadline was superseded (its event was retracted); a reminder's
 * recipient is no longer the case's attorney or a coordinator; a conflict alert's copy for the attorney who held the
 * case, once they no longer do; an alert for the coordinators to someone no longer one, an offer to someone no longer
 * an attorney (their role changed); a close's email once the case is reopened, or to someone no longer a coordinator
 * nor its attorney; an offer's withdrawal once none of the offer's emails went or is going (one being sent when the
 * offer was withdrawn, then dropped by its last check). The object is named by the notification's case and its
 * dedupe key (`reminder:<deadline id>:<due ms>:...`, `offer:<referral id>`), as the outbox's writers build them.
 */
/**
 * The thresholds, in hours, at which the planner (DeadlineJobsService, REMINDER_HOURS) writes a deadline's reminders: a
 * waiting one is looked for at each tighter threshold by its exact key. The planner takes them from here.
 */
export const REMINDER_THRESHOLDS = [2, 24, 48] as const;
const REMINDER_THRESHOLDS_SQL = `ARRAY[${REMINDER_THRESHOLDS.join(', ')}]::int[]`;

const cancelSql = (scope: 'due' | 'one') => `WITH pending AS (
  SELECT n.id, n.recipient_id, n.case_id, n.kind, n.dedupe_key,
         -- The id after the kind's prefix, as a uuid (a key of another shape gives null; CASE keeps the cast from it).
         CASE WHEN n.dedupe_key ~ '^[a-z]+:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(:|$)'
              THEN split_part(n.dedupe_key, ':', 2)::uuid END AS object_id,
         -- A reminder's key names the due time it reminds of (reminder:<deadline>:<epoch ms>:<threshold>h:<recipient>).
         CASE WHEN n.kind = 'deadline.reminder' AND split_part(n.dedupe_key, ':', 3) ~ '^[0-9]{1,15}$'
              THEN split_part(n.dedupe_key, ':', 3)::bigint END AS due_ms,
         -- ... and the threshold it was written at ("48h").
         CASE WHEN n.kind = 'deadline.reminder' AND split_part(n.dedupe_key, ':', 4) ~ '^[0-9]{1,3}h$'
              THEN rtrim(split_part(n.dedupe_key, ':', 4), 'h')::int END AS threshold_h,
         CASE WHEN n.kind = 'referral.offer' AND split_part(n.dedupe_key, ':', 3) = 'sooner'
                   AND split_part(n.dedupe_key, ':', 4) IN ('low', 'normal', 'high', 'critical')
              THEN split_part(n.dedupe_key, ':', 4) END AS sooner_level
    FROM notifications n
   WHERE n.sent_at IS NULL AND n.cancelled_at IS NULL
     AND ${scope === 'due' ? 'n.next_attempt_at <= $1 AND n.attempts < $2' : 'n.id = $2'}
), cancelled AS (
UPDATE notifications n SET cancelled_at = $1, last_error = 'cancelled: no longer applies',
       -- A coverage alert gives its key back: the case may come back to an uncovered facility, and its alert must be
       -- written again then (it is written once per facility while it holds, ON CONFLICT DO NOTHING). So does a
       -- reminder: the planner writes it again if it applies again (the deadline moved back to that time, the case
       -- back with that attorney, the recipient active again).
       dedupe_key = CASE WHEN p.kind IN ('case.coverage', 'deadline.reminder') AND n.dedupe_key NOT LIKE '%:cancelled:%'
                         THEN n.dedupe_key || ':cancelled:' || n.id ELSE n.dedupe_key END
  FROM pending p
 WHERE n.id = p.id AND (
   NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.recipient_id AND u.active)
   OR EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id
               -- An attorney told an offer was withdrawn, or a case taken from them, is told so when the case is closed
               -- since, too (the close may be what withdrew it).
               AND (c.status = 'purged' OR (c.status = 'closed' AND p.kind NOT IN ('referral.withdrawn', 'case.released', 'case.closed'))
                    OR (p.kind = 'case.unplaced' AND c.status <> 'unplaced')
                    OR (p.kind = 'case.unassigned' AND c.status IN ('offered', 'assigned'))))
   OR (p.kind = 'deadline.reminder' AND NOT EXISTS (
         SELECT 1 FROM deadlines d WHERE d.id = p.object_id AND d.status = 'open' AND d.superseded_at IS NULL
            AND (p.due_ms IS NULL OR floor(extract(epoch FROM d.due_at) * 1000)::bigint = p.due_ms)))
   -- A reminder of a time already past: delivery was held up (a mail outage) and it is stale; the missed deadline's
   -- alert says the rest.
   OR (p.kind = 'deadline.reminder' AND p.due_ms IS NOT NULL AND p.due_ms <= floor(extract(epoch FROM $1::timestamptz) * 1000)::bigint)
   -- A reminder at a looser threshold (48 h) once one at a tighter threshold (24 h, 2 h) of the same time and recipient
   -- is written, sent or waiting: delivery held up, each pass of the planner wrote the one it found (by its key).
   OR (p.kind = 'deadline.reminder' AND p.threshold_h IS NOT NULL AND p.due_ms IS NOT NULL AND EXISTS (
         SELECT 1 FROM unnest(${REMINDER_THRESHOLDS_SQL}) AS h, notifications o
          WHERE h < p.threshold_h AND o.dedupe_key = 'reminder:' || p.object_id || ':' || p.due_ms || ':' || h || 'h:' || p.recipient_id))
   -- A reminder goes to the case's attorney and the coordinators: not to an attorney the case was taken from, nor
   -- to someone whose role changed since.
   OR (p.kind = 'deadline.reminder' AND NOT EXISTS (
         SELECT 1 FROM users u JOIN cases c ON c.id = p.case_id
          WHERE u.id = p.recipient_id AND (u.role = 'coordinator' OR (u.role = 'attorney' AND c.assigned_attorney_id = u.id))))
   -- A conflict alert's copy for the attorney holding the case (conflict:<case>:<attorney>:<names>:<recipient>), once
   -- the case is no longer theirs: what became of it is not theirs to read. The coordinators' copies still apply.
   OR (p.kind = 'case.conflict' AND p.dedupe_key LIKE 'conflict:%' AND split_part(p.dedupe_key, ':', 3) = p.recipient_id::text
       AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id AND c.status = 'assigned' AND c.assigned_attorney_id = p.recipient_id))
   -- A reopened case's email to its attorney, once it is no longer theirs.
   OR (p.kind = 'case.reopened'
       AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id AND c.status = 'assigned' AND c.assigned_attorney_id = p.recipient_id))
   -- A close's email, once the case is reopened, or its recipient is no longer a coordinator nor the case's attorney
   -- (their role changed since: the outcome of another's case is not theirs to read); an admin's copy only if it was
   -- written to them standing in for the coordinators (it says nothing of the case).
   OR (p.kind = 'case.closed' AND NOT EXISTS (
         SELECT 1 FROM users u JOIN cases c ON c.id = p.case_id
          WHERE u.id = p.recipient_id AND c.status = 'closed'
            AND (u.role = 'coordinator' OR (u.role = 'admin' AND p.dedupe_key LIKE '%${STAND_IN_KEY_SUFFIX}') OR (u.role = 'attorney' AND c.assigned_attorney_id = u.id))))
   -- An offer's withdrawal, once no email of that offer went or may be going: withdrawOffer wrote it while one was
   -- being sent (claimed), and the delivery's last check then dropped that one (the offer was no longer open).
   OR (p.kind = 'referral.withdrawn' AND p.object_id IS NOT NULL AND NOT EXISTS (
         SELECT 1 FROM notifications o
          WHERE o.case_id = p.case_id AND o.kind = 'referral.offer' AND o.recipient_id = p.recipient_id
            AND (o.dedupe_key = 'offer:' || p.object_id OR o.dedupe_key LIKE 'offer:' || p.object_id || ':sooner:%')
            AND (o.sent_at IS NOT NULL OR (o.cancelled_at IS NULL AND o.last_error IS NULL AND o.next_attempt_at > o.created_at))))
   -- A released case's email to its former attorney, once it is theirs again.
   OR (p.kind = 'case.released'
       AND EXISTS (SELECT 1 FROM cases c WHERE c.id = p.case_id AND c.assigned_attorney_id = p.recipient_id))
   -- The coordinators' alerts (a conflict alert's copies but the attorney's own) to a recipient who is no longer a
   -- coordinator (an admin's copy written to them standing in, which says nothing of the case, stays), and an offer to
   -- one who is no longer an attorney: their role changed since it was written.
   OR ((p.kind IN ('case.unplaced', 'case.unassigned', 'case.coverage', 'deadline.missed', 'deadline.reopened')
        OR (p.kind = 'case.conflict' AND split_part(p.dedupe_key, ':', 3) <> p.recipient_id::text))
       AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.recipient_id
                          AND (u.role = 'coordinator' OR (u.role = 'admin' AND p.dedupe_key LIKE '%${STAND_IN_KEY_SUFFIX}'))))
   OR (p.kind IN ('referral.offer', 'referral.withdrawn') AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = p.recipient_id AND u.role = 'attorney'))
   -- A coverage alert (coverage:<case>:<facility>:<recipient>) once it no longer holds: the case is not assigned, is at
   -- another facility, or its attorney covers that facility or the case's state now.
   OR (p.kind = 'case.coverage' AND NOT EXISTS (
         SELECT 1 FROM cases c JOIN attorney_profiles ap ON ap.user_id = c.assigned_attorney_id
          WHERE c.id = p.case_id AND c.status = 'assigned' AND c.facility_code = split_part(p.dedupe_key, ':', 3)
            AND NOT (c.facility_code = ANY (ap.facility_codes)) AND NOT (c.state IS NOT NULL AND c.state = ANY (ap.states))))
   -- A deadline's "open again" (reopened:<deadline>:<due epoch ms>:<recipient>) once it is no longer open, superseded,
   -- or moved since: what it says no longer holds (missed again, it is told so).
   OR (p.kind = 'deadline.reopened' AND NOT EXISTS (
         SELECT 1 FROM deadlines d WHERE d.id = p.object_id AND d.status = 'open' AND d.superseded_at IS NULL
            AND floor(extract(epoch FROM d.due_at) * 1000)::bigint::text = split_part(p.dedupe_key, ':', 3)))
   -- A missed deadline's alert once the deadline is superseded, or no longer missed (marked met or waived since).
   OR (p.kind = 'deadline.missed' AND NOT EXISTS (
         SELECT 1 FROM deadlines d WHERE d.id = p.object_id AND d.status = 'missed' AND d.superseded_at IS NULL))
   -- An offer's email once the offer is answered, withdrawn or past its answer time (expired, whether or not the expiry
   -- job has marked it yet: an email that waited out a mail outage must not ask for an answer accept would refuse).
   OR (p.kind = 'referral.offer' AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = p.object_id AND r.status = 'offered' AND r.respond_by > $1))
   -- An offer's first email (offer:<referral>) still unsent once its answer time was brought forward: its time is no
   -- longer true, and the shortening's email says the case was offered and by when to answer.
   OR (p.kind = 'referral.offer' AND p.dedupe_key = 'offer:' || p.object_id AND EXISTS (
         SELECT 1 FROM notifications m
          WHERE m.dedupe_key = ANY (SELECT 'offer:' || p.object_id || ':sooner:' || l FROM unnest(ARRAY['low', 'normal', 'high', 'critical']) AS l)))
   -- The email of an earlier shortening (offer:<referral>:sooner:<level>) once a later one, for a more urgent level,
   -- was written: that one tells the newer time.
   OR (p.kind = 'referral.offer' AND p.sooner_level IS NOT NULL AND EXISTS (
         SELECT 1 FROM notifications m
          WHERE m.dedupe_key = ANY (SELECT 'offer:' || p.object_id || ':sooner:' || l.level
                                      FROM unnest(ARRAY['low', 'normal', 'high', 'critical']) WITH ORDINALITY AS l(level, rank)
                                     WHERE l.rank > array_position(ARRAY['low', 'normal', 'high', 'critical'], p.sooner_level))))
 )
 RETURNING n.id
)
SELECT id FROM cancelled`;

/** Every due notification that no longer applies, at the start of a pass. */
const CANCEL_DUE_SQL = cancelSql('due');
/** The one just claimed, checked again before it is sent: a pass can be long, and things change meanwhile. */
const CANCEL_ONE_SQL = cancelSql('one');

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

/**
 * TLS is required, not only used when offered: someone on the path could strip the STARTTLS offer and read the
 * sign-in and every email. Not for a relay on this host (nothing on the path), which often offers none, and not when
 * SMTP_REQUIRE_TLS=false says the path is trusted (a relay on the Docker host or beside the API in a private network).
 */
export function transportOptions(smtp: SmtpConfig): SMTPTransport.Options {
  return {
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && (smtp.requireTls ?? !LOOPBACK.test(smtp.host)),
    auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    // Also the wait for the server's answer to the whole message, which a relay that scans it may take a while to give
    // (RFC 5321 4.5.3.2.6 allows 10 minutes): at 20 s the relay had the message when the send gave up as a server
    // fault, and it was sent again every pass.
    socketTimeout: 120_000,
  };
}

/** nodemailer's codes for a mail server not reached or not usable at all, whatever the message. */
const SERVER_FAULTS = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'EPROXY']);

/**
 * Whether a failure is the mail server's (or its configuration's), not the email's: not reached or not usable, the
 * sender refused (530 authentication required, a sender not allowed: no email of this server can go), or the service
 * closing (421). A recipient refused (550 on RCPT TO) is the email's own.
 */
export function isServerFault(error: unknown): boolean {
  const e = error as { code?: unknown; command?: unknown; responseCode?: unknown };
  return SERVER_FAULTS.has(e?.code as string) || e?.command === 'MAIL FROM' || e?.command === 'CONN'
    // This host's greeting refused (a name the relay does not take): no email can go.
    || e?.command === 'EHLO' || e?.command === 'HELO' || e?.command === 'LHLO'
    || e?.responseCode === 421 || e?.responseCode === 530 || e?.responseCode === 535;
}

/**
 * Whether a reply's enhanced status code (RFC 3463) is about the recipient's mailbox (`4.2.x`: full, receiving mail too
 * fast), not the mail system: one recipient's state, not an outage.
 */
export function isMailboxStatus(error: unknown): boolean {
  const e = error as { response?: unknown; message?: unknown };
  return /^\d{3}[ -]4\.2\.\d{1,3}\b/.test(String(e?.response ?? '')) || /\b4\.2\.\d{1,3}\b/.test(String(e?.message ?? ''));
}

/** A temporary failure of the email (a 4xx reply, not a server fault): tried again for days, no attempt counted. */
export function isTemporaryFailure(error: unknown): boolean {
  const code = (error as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 400 && code < 500 && !isServerFault(error);
}

/** When a pass ended by a server fault is tried again: the email waits, without counting an attempt. */
const SERVER_FAULT_RETRY_SECONDS = 60;
/**
 * Faults further apart than this are two outages. A server fault ends a pass, so one is seen per pass at most: passes
 * run every JOBS_INTERVAL_SECONDS (a minute by default; up to an hour), so the gap is ten minutes or three intervals,
 * whichever is longer (with passes every half hour, a ten-minute gap made every fault a new outage, never alerted).
 */
export const outageGapMs = (intervalSeconds: number) => Math.max(10 * 60_000, 3 * intervalSeconds * 1000);
/**
 * A fault starts a new outage when the one on record's last fault is long before it, or was answered since ($3: the
 * server answered in this pass, before this fault; a relay that takes some emails a pass and then answers 421 is not
 * down), or when the outage began after it (a clock set back).
 */
const NEW_OUTAGE = `(mail_outage.last_fault_at < $1::timestamptz - make_interval(secs => $2) OR mail_outage.last_fault_at <= $3::timestamptz
  OR mail_outage.started_at > $1::timestamptz)`;

/** How long the server may be unusable before the log says so as an error (an alert), and then once an hour. */
const SERVER_FAULT_ALERT_MINUTES = 60;

/**
 * What went wrong, for the log and `last_error`: SMTP servers quote the recipient in their replies
 * ("550 5.1.1 <someone@example.org>: Recipient address rejected"), so anything shaped like an address is masked.
 */
export function smtpErrorText(error: unknown): string {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const parts = [typeof e?.code === 'string' ? e.code : null, typeof e?.responseCode === 'number' ? String(e.responseCode) : null];
  const message = String(e?.message ?? error)
    .replace(/<[^<>]*>/g, '<[address]>')
    .replace(/"[^"]*"@[^\s<>"',;:]+/g, '[address]')
    .replace(/[^\s<>"'@,;:]+@[^\s<>"'@,;:]+/g, '[address]');
  return [...parts.filter(Boolean), message].join(' ').slice(0, 300);
}

/**
 * Delivers the outbox: by SMTP when configured, otherwise to the log (subject only: no personal data is ever in a
 * notification, but the log says only which kind went to which user id). Notifications are claimed one at a time with
 * a lease (claimSql), so several instances share the work, and sent with no transaction open: a slow mail server
 * holds no database connection and no row lock. Each result is written when its send ends. At least once: if the process dies between
 * the SMTP answer and that write, the lease runs out and the mail is sent again.
 */
@Injectable()
export class MailDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private readonly transport: Transporter | null;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
  ) {
    // One connection kept open between emails (pooled): a connection and sign-in per email cost more than the send, and
    // a backlog of thousands would take hours against a remote relay.
    this.transport = config.smtp ? nodemailer.createTransport({ ...transportOptions(config.smtp), pool: true, maxConnections: 1 }) : null;
  }

  /**
   * In production, no mail server means that offers, missed-deadline alerts and reminders reach nobody (each is logged
   * and done with): said once at start, where an operator looks, not only in each notification's log line.
   */
  onApplicationBootstrap(): void {
    if (this.config.nodeEnv === 'production' && !this.transport && this.config.jobs.enabled) {
      this.logger.warn('SMTP_HOST is not set: no email is sent. Offers, missed-deadline alerts and reminders are only logged (kind and user id), and not sent later: set SMTP_HOST and SMTP_FROM');
    }
  }

  onApplicationShutdown(): void {
    this.transport?.close();
  }

  /**
   * Cancels what no longer applies (CANCEL_DUE_SQL or CANCEL_ONE_SQL); returns how many. A coordinators' alert cancelled
   * because its recipient left is handed over in the same transaction (OutboxService.handOverCancelled).
   */
  private async cancel(sql: string, params: unknown[]): Promise<number> {
    return this.db.transaction(async (tx) => {
      const cancelled: { id: string }[] = await tx.query(sql, params);
      await this.outbox.handOverCancelled(tx, cancelled.map((c) => c.id));
      return cancelled.length;
    });
  }

  /**
   * Sends what is due (until the process stops); returns how many were sent. A pass ends at the first failure to reach
   * the mail server at all (no connection, a timeout, TLS or sign-in refused): the rest would wait out the same
   * timeouts one by one, and would count an attempt each for a fault that is not theirs. The next pass tries again.
   */
  async deliverDue(stopping?: AbortSignal): Promise<number> {
    let sent = 0;
    // When the mail server last answered in this pass (took or refused an email): it was usable then.
    let answeredAt: Date | null = null;
    // Recipients the server put off (4xx) in this pass: their other emails wait (see deliver), and are not claimed again
    // in this pass (a full mailbox with a hundred reminders due must not take every pass). PUT_OFF_OUTAGE of them in a
    // row, none taken between, or a pass of nothing but put-offs of that many: the server puts off every email, an
    // outage (a few full mailboxes are not).
    const putOff = new Set<string>();
    const serverPutOff = new Set<string>();
    let inARow = 0;
    let queueEmpty = false;
    await this.cancel(CANCEL_DUE_SQL, [this.clock.now(), MAX_ATTEMPTS]);
    while (!stopping?.aborted) {
      const claim = [this.clock.now(), MAX_ATTEMPTS, LEASE_SECONDS, [...putOff]];
      let [row]: Claimed[] = await this.db.query(CLAIM_URGENT_SQL, claim);
      if (!row) [row] = await this.db.query(CLAIM_ANY_SQL, claim);
      if (!row) {
        queueEmpty = true;
        break;
      }
      if ((await this.cancel(CANCEL_ONE_SQL, [this.clock.now(), row.id])) > 0) continue;
      const outcome = await this.deliver(row, answeredAt);
      if (outcome === 'sent') sent += 1;
      if (outcome === 'server unreachable') break;
      if (outcome === 'deferred' || outcome === 'deferred for the mailbox') {
        putOff.add(row.recipient_id);
        // A mailbox's own state (full, receiving too fast) says nothing of the server.
        if (outcome === 'deferred for the mailbox') continue;
        serverPutOff.add(row.recipient_id);
        inARow += 1;
        if (inARow < PUT_OFF_OUTAGE) continue;
        await this.allPutOff(answeredAt, serverPutOff.size);
        break;
      }
      inARow = 0;
      answeredAt = this.clock.now();
    }
    if (queueEmpty && !answeredAt && serverPutOff.size >= PUT_OFF_OUTAGE) await this.allPutOff(answeredAt, serverPutOff.size);
    // An outage on record is over once the server answered after its last fault (this instance's or another's), or
    // when that fault is dated far ahead of the answer (recorded before a clock was set back).
    if (answeredAt) {
      await this.db.query(`DELETE FROM mail_outage WHERE last_fault_at <= $1 OR last_fault_at > $1::timestamptz + make_interval(secs => $2)`, [
        answeredAt, outageGapMs(this.config.jobs.intervalSeconds) / 1000,
      ]);
    }
    return sent;
  }

  /** Sends one claimed email; `answeredAt`: when the server last answered in this pass (see recordServerFault). */
  private async deliver(row: Claimed, answeredAt: Date | null = null): Promise<'sent' | 'failed' | 'deferred' | 'deferred for the mailbox' | 'server unreachable'> {
    try {
      if (this.transport) {
        await this.transport.sendMail({ from: this.config.smtp!.from, to: row.email, subject: row.subject, text: row.body });
      } else {
        this.logger.log({ notification: row.id, kind: row.kind, recipientId: row.recipient_id }, 'Notification (no SMTP configured)');
      }
    } catch (error) {
      // Never the address, subject or body: ids, kind, and the error without any address in it.
      const reason = smtpErrorText(error);
      if (isServerFault(error)) {
        // Not this email's fault: it counts no attempt (an outage of hours must not use them up), and the pass ends.
        // Once the server has been unusable for an hour, an error, to alert on, once an hour, by one instance.
        const { outageMinutes, alert } = await this.recordServerFault(answeredAt);
        const facts = { notification: row.id, kind: row.kind, outageMinutes, error: reason };
        if (alert) {
          this.logger.error(facts, 'Mail server not usable for an hour or more: emails are waiting unsent (check SMTP_* and the mail server)');
        } else {
          this.logger.warn(facts, 'Mail server not usable: delivery paused until the next pass');
        }
        await this.db.query(
          `UPDATE notifications SET last_error = $2, next_attempt_at = $3::timestamptz + make_interval(secs => $4)
            WHERE id = $1 AND sent_at IS NULL AND next_attempt_at = $5`,
          [row.id, reason, this.clock.now(), SERVER_FAULT_RETRY_SECONDS, row.leased_until],
        );
        return 'server unreachable';
      }
      if (isTemporaryFailure(error)) {
        // Tried again for days, a quarter of its age later (1 minute to 1 hour), no attempt counted; given up once it
        // has been put off for TEMPORARY_FAILURE_DAYS (its age by the app's clock, which the outbox wrote it at).
        const [{ attempts }]: { attempts: number }[] = await this.db.query(
          `WITH put_off AS (
             UPDATE notifications SET last_error = $2,
                    attempts = CASE WHEN created_at <= $3::timestamptz - make_interval(days => $6) THEN $7 ELSE attempts END,
                    next_attempt_at = $3::timestamptz + make_interval(secs => LEAST(3600, GREATEST(60, extract(epoch FROM $3::timestamptz - created_at) / 4)))
              WHERE id = $1 AND sent_at IS NULL AND next_attempt_at = $5 RETURNING attempts
           ) SELECT COALESCE((SELECT attempts FROM put_off), $4::int) AS attempts`,
          [row.id, reason, this.clock.now(), row.attempts, row.leased_until, TEMPORARY_FAILURE_DAYS, MAX_ATTEMPTS],
        );
        // The recipient's other due emails wait as long (not tried again in this pass, nor first in the next: behind a
        // backlog of theirs, everybody else's email waited a pass per email).
        await this.db.query(
          `UPDATE notifications n SET next_attempt_at = GREATEST(n.next_attempt_at, p.next_attempt_at)
             FROM notifications p
            WHERE p.id = $1 AND n.recipient_id = p.recipient_id AND n.id <> p.id AND n.sent_at IS NULL AND n.cancelled_at IS NULL
              AND n.next_attempt_at <= $2`,
          [row.id, this.clock.now()],
        );
        const facts = { notification: row.id, kind: row.kind, recipientId: row.recipient_id, error: reason };
        if (attempts >= MAX_ATTEMPTS) {
          this.logger.error(facts, `Notification undeliverable: put off by the mail server for ${TEMPORARY_FAILURE_DAYS} days, given up (it stays in notifications with last_error)`);
        } else {
          this.logger.warn(facts, 'Notification put off by the mail server (a temporary failure): will retry');
        }
        return isMailboxStatus(error) ? 'deferred for the mailbox' : 'deferred';
      }
      const attempts = row.attempts + 1;
      const facts = { notification: row.id, kind: row.kind, recipientId: row.recipient_id, attempts, error: reason };
      if (attempts >= MAX_ATTEMPTS) {
        this.logger.error(facts, `Notification undeliverable: giving up after ${attempts} attempts (it stays in notifications with last_error)`);
      } else {
        this.logger.warn(facts, 'Notification delivery failed: will retry');
      }
      const backoffSeconds = 60 * 2 ** row.attempts;
      // Only while the lease is still this instance's: after it ran out, another instance owns the row.
      await this.db.query(
        `UPDATE notifications SET attempts = attempts + 1, last_error = $2,
                next_attempt_at = $3::timestamptz + make_interval(secs => $4)
          WHERE id = $1 AND sent_at IS NULL AND next_attempt_at = $5`,
        [row.id, reason, this.clock.now(), backoffSeconds, row.leased_until],
      );
      // The server answered (it refused this email): it is usable (deliverDue ends an outage on record).
      return 'failed';
    }
    // Sent is sent, whoever holds the lease now: marking it stops any further copy.
    await this.db.query(`UPDATE notifications SET sent_at = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1 AND sent_at IS NULL`, [
      row.id,
      this.clock.now(),
    ]);
    return 'sent';
  }

  /**
   * A relay that answers every recipient 451 (its lookups down) is not usable: the pass ends, and an hour of it is
   * alerted as an outage is.
   */
  private async allPutOff(answeredAt: Date | null, recipients: number): Promise<void> {
    const { outageMinutes, alert } = await this.recordServerFault(answeredAt);
    const facts = { outageMinutes, recipients };
    if (alert) this.logger.error(facts, 'Mail server putting off every email for an hour or more: emails are waiting unsent (check the mail server)');
    else this.logger.warn(facts, 'Mail server putting off every email: delivery paused until the next pass');
  }

  /**
   * A server fault, recorded for every instance (`mail_outage`, migration 1764004200000): an outage starts with the
   * first fault, or one long after the last (the server answered meanwhile, for another instance or a cancelled email,
   * or the record is stale); it lasts across restarts. The hourly alert is claimed by one instance.
   */
  private async recordServerFault(answeredAt: Date | null): Promise<{ outageMinutes: number; alert: boolean }> {
    const now = this.clock.now();
    const gapSeconds = outageGapMs(this.config.jobs.intervalSeconds) / 1000;
    const [outage]: { started_at: Date }[] = await this.db.query(
      `INSERT INTO mail_outage (id, started_at, last_fault_at) VALUES (true, $1, $1)
       ON CONFLICT (id) DO UPDATE SET
         started_at = CASE WHEN ${NEW_OUTAGE} THEN $1 ELSE mail_outage.started_at END,
         last_alert_at = CASE WHEN ${NEW_OUTAGE} THEN NULL ELSE mail_outage.last_alert_at END,
         last_fault_at = CASE WHEN ${NEW_OUTAGE} THEN $1 ELSE GREATEST(mail_outage.last_fault_at, $1) END
       RETURNING started_at`,
      [now, gapSeconds, answeredAt],
    );
    const outageMinutes = Math.max(0, Math.round((now.getTime() - outage.started_at.getTime()) / 60_000));
    if (outageMinutes < SERVER_FAULT_ALERT_MINUTES) return { outageMinutes, alert: false };
    // TypeORM answers an UPDATE ... RETURNING with [rows, count].
    const [claimed] = await this.db.query(
      `UPDATE mail_outage SET last_alert_at = $1
        WHERE id AND (last_alert_at IS NULL OR last_alert_at <= $1::timestamptz - make_interval(mins => $2)) RETURNING 1`,
      [now, SERVER_FAULT_ALERT_MINUTES],
    );
    return { outageMinutes, alert: Array.isArray(claimed) && claimed.length > 0 };
  }
}
