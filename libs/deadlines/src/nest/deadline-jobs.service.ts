import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { localWhen } from './notification-text';
import { DataSource } from 'typeorm';
import { Clock, every } from '@amparo/common';
import { isDatabaseBusy, isDatabaseUnavailable, isTransientConflict } from '@amparo/database';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { MailDeliveryService, OutboxService, OutgoingNotification, REMINDER_THRESHOLDS } from '@amparo/notifications';
import { CaseTimelineService, MISSED_GRACE_JSON, PAST_GRACE_SQL, Timeline } from './case-timeline.service';

/**
 * Reminder plan: before every open deadline, to the assigned attorney and the coordinators, at 48, 24 and 2 hours. The
 * delivery's cancel rules know them too (a reminder waiting once a tighter one is written is stale): one list.
 */
export const REMINDER_HOURS = REMINDER_THRESHOLDS;

interface DueRow {
  id: string;
  case_id: string;
  organization_id: string;
  reference: string;
  label: string;
  due_at: Date;
  time_zone: string;
  citation: string;
  /** Set for a detainer hold only (8 CFR 287.7(d)): its 48 hours end at a time that may be a midnight. */
  outer_limit_at: Date | null;
  assigned_attorney_id: string | null;
  /** Reminders sent of the same deadline and time under rows it replaced: `<time>:<threshold>h:<recipient>`. */
  reminded: string[];
}

/**
 * A reminder's dedupe key names the due time it reminds of (epoch milliseconds): a deadline that a correction moves is
 * reminded again at its new time, at each threshold, and a queued reminder of the old time is cancelled at delivery
 * (MailDeliveryService reads the time back from the key).
 */
export function reminderKey(deadlineId: string, dueAt: Date, threshold: number, recipientId: string): string {
  return `reminder:${deadlineId}:${dueAt.getTime()}:${threshold}h:${recipientId}`;
}

/** Subject and body carry the case reference and the deadline: never names or numbers. */
export function reminderText(row: DueRow, hours: number): { subject: string; body: string } {
  const due = localWhen(row.due_at, row.time_zone, row.outer_limit_at !== null);
  return {
    subject: `[Amparo] ${row.reference}: ${row.label} due ${due} (within ${hours} h)`,
    body: `Case ${row.reference}\nDeadline: ${row.label}\nDue: ${due} (${row.time_zone})\nRule: ${row.citation}\n\nOpen the case in Amparo for details.`,
  };
}


/**
 * The scheduler: every minute, marks past-due deadlines missed (escalating to coordinators), plans reminders into
 * the outbox and delivers it. Everything is idempotent in PostgreSQL, so any number of API instances may run it.
 */
@Injectable()
export class DeadlineJobsService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeadlineJobs');
  /** Cases the missed sweep could not recompute, and until when (epoch ms) it leaves them. */
  private readonly sweepBackoff = new Map<string, number>();
  private stops: (() => Promise<void>)[] = [];

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly outbox: OutboxService,
    private readonly mail: MailDeliveryService,
    private readonly timeline: CaseTimelineService,
    private readonly clock: Clock,
  ) {}

  /**
   * Two timers: mail delivery waits on a mail server, which may take its timeouts, and must not hold up the sweep and
   * the urgency review (the board's levels, offer windows) while it does.
   */
  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    const seconds = this.config.jobs.intervalSeconds;
    this.stops = [
      every(seconds, (stopping) => this.planPass(stopping), this.logger, 'Deadline jobs'),
      every(seconds, (stopping) => this.mail.deliverDue(stopping), this.logger, 'Mail delivery'),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.stops.map((stop) => stop()));
  }

  /**
   * One scheduler pass (also called directly by tests and the CLI). Its three jobs are independent: one that fails is
   * logged, and the others still run (offer emails are delivered even if a case cannot be swept).
   */
  async tick(): Promise<{ missed: number; reviewed: number; planned: number; sent: number }> {
    const { missed, reviewed, planned } = await this.plan();
    const sent = (await this.run('Mail delivery', () => this.mail.deliverDue())) ?? 0;
    return { missed, reviewed, planned, sent };
  }

  /** The scheduler's pass but delivery: whether every part of it went well (one that failed logged why, for `every`). */
  async planPass(stopping?: AbortSignal): Promise<boolean> {
    return (await this.plan(stopping)).failed === 0;
  }

  /**
   * The sweep, the urgency review and reminder planning: what a pass does but deliver (until the process stops), and
   * how many of them failed.
   */
  private async plan(stopping?: AbortSignal): Promise<{ missed: number; reviewed: number; planned: number; failed: number }> {
    const missed = await this.run('Missed-deadline sweep', () => this.sweepMissed(stopping));
    const reviewed = await this.run('Urgency review', () => this.reviewUrgency(500, stopping));
    const planned = stopping?.aborted ? 0 : await this.run('Reminder planning', () => this.planReminders());
    const failed = [missed, reviewed, planned].filter((n) => n === null).length;
    return { missed: missed ?? 0, reviewed: reviewed ?? 0, planned: planned ?? 0, failed };
  }

  /** The job's count, or null when it failed (logged: the other jobs of the pass go on). */
  private async run(name: string, job: () => Promise<number>): Promise<number | null> {
    try {
      return await job();
    } catch (error) {
      this.logger.error({ err: error }, `${name} failed; the other jobs of this pass go on`);
      return null;
    }
  }

  /**
   * Cases with open deadlines past due: recomputing marks them missed and escalates (see CaseTimelineService). A case
   * that cannot be recomputed is left for an hour (by this instance), so that 500 such cases cannot hold up the rest.
   */
  async sweepMissed(stopping?: AbortSignal): Promise<number> {
    const now = this.clock.now();
    for (const [caseId, until] of this.sweepBackoff) if (until <= now.getTime()) this.sweepBackoff.delete(caseId);
    const due: { case_id: string }[] = await this.db.query(
      `SELECT DISTINCT d.case_id FROM deadlines d JOIN cases c ON c.id = d.case_id
        WHERE d.status = 'open' AND d.superseded_at IS NULL AND c.status NOT IN ('closed', 'purged')
          AND ${PAST_GRACE_SQL('$1', '$2', 'd.')} AND NOT (d.case_id = ANY($3::uuid[])) LIMIT 500`,
      [now, MISSED_GRACE_JSON, [...this.sweepBackoff.keys()]],
    );
    // Not for a case that only lost to, or waited too long for (a statement or lock timed out), another transaction: the
    // next pass takes it.
    const later = async (caseId: string, error: unknown) => {
      if (!isTransientConflict(error) && !isDatabaseBusy(error)) this.sweepBackoff.set(caseId, now.getTime() + 3600_000);
    };
    const counts = await this.recomputeEach('Missed-deadline sweep', due.map((d) => d.case_id), now, later, '', stopping);
    return counts.reduce((sum, timeline) => sum + timeline.newlyMissed.length, 0);
  }

  /**
   * Cases whose urgency changes with time alone (a deadline now within 72 hours, a detainer hold open): re-assessed
   * when their `urgency_review_at` comes, so that the stored level the board filters on, the case list sorts by and
   * offer windows are counted from is never more than one pass old. `limit` a pass (500); when more are due (after an
   * import or a rule set's migration made many due at once), by the time the case list orders them by within a level
   * (`urgency_order_at`: an overdue deadline or a missed hold first), those with none last, then the oldest.
   */
  async reviewUrgency(limit = 500, stopping?: AbortSignal): Promise<number> {
    const now = this.clock.now();
    const due: { id: string }[] = await this.db.query(
      `SELECT id FROM cases WHERE urgency_review_at <= $1 AND status NOT IN ('closed', 'purged')
        ORDER BY urgency_order_at NULLS LAST, urgency_review_at LIMIT $2`,
      [now, limit],
    );
    // A case that cannot be recomputed is tried again in an hour, not on every pass ahead of the others (unless a request
    // recomputed it meanwhile, or it only lost to a concurrent transaction: then the next pass takes it).
    const later = (caseId: string, error: unknown) =>
      isTransientConflict(error)
        ? Promise.resolve()
        : this.db.query(`UPDATE cases SET urgency_review_at = $2 WHERE id = $1 AND urgency_review_at <= $3`, [caseId, new Date(now.getTime() + 3600_000), now]);
    // Still due once locked: another instance may have reviewed it between this one's list and its lock.
    return (await this.recomputeEach('Urgency review', due.map((c) => c.id), now, later, 'AND urgency_review_at <= $2', stopping)).length;
  }

  /** Recomputes each case in its own transaction, skipping one another transaction holds (it recomputes it anyway). */
  private async recomputeEach(
    job: string,
    caseIds: string[],
    now: Date,
    onFailure?: (caseId: string, error: unknown) => Promise<unknown>,
    stillDue = '',
    stopping?: AbortSignal,
  ): Promise<Timeline[]> {
    const done: Timeline[] = [];
    for (const caseId of caseIds) {
      // A shutdown: the case in hand is finished, the rest wait for the next pass (of this or another instance).
      if (stopping?.aborted) break;
      try {
        const timeline = await this.db.transaction(async (tx) => {
          const locked = await tx.query(`SELECT id FROM cases WHERE id = $1 ${stillDue} FOR UPDATE SKIP LOCKED`, stillDue ? [caseId, now] : [caseId]);
          return locked.length === 0 ? null : this.timeline.recompute(tx, caseId, now);
        });
        if (timeline) done.push(timeline);
      } catch (error) {
        // The database out of reach: the pass ends (the others would fail alike).
        if (isDatabaseUnavailable(error)) throw error;
        // One case that cannot be recomputed does not hold up the others (it is tried again on the next pass).
        this.logger.error({ caseId, err: error }, `${job}: a case failed; going on with the rest`);
        await onFailure?.(caseId, error).catch(() => undefined);
      }
    }
    return done;
  }

  /** For each open deadline inside the widest window, the tightest reminder threshold already crossed. */
  async planReminders(): Promise<number> {
    const now = this.clock.now();
    const horizon = new Date(now.getTime() + Math.max(...REMINDER_HOURS) * 3600_000);
    return this.db.transaction(async (tx) => {
      const rows: DueRow[] = await tx.query(
        // The assigned attorney while they are one (an attorney being released is not reminded, nor would their
        // reminder be sent). And the reminders already sent of the same deadline at the same time under a row this one replaced (the hearing
        // recorded again, with its court; a retracted event entered again): their keys' ends, `<time>:<threshold>h:
        // <recipient>`, so that none is sent twice. Not one after which the same person was reminded of another time
        // of it (moved, then back): the last they read is that other time. Found by the case's emails
        // (notifications_case_idx), few.
        `SELECT d.id, d.case_id, d.organization_id, c.reference, d.label, d.due_at, d.time_zone, d.citation, d.outer_limit_at, a.id AS assigned_attorney_id,
                ARRAY(SELECT substr(n.dedupe_key, length('reminder:' || o.id::text || ':') + 1)
                        FROM deadlines o JOIN notifications n
                          ON n.case_id = o.case_id AND n.kind = 'deadline.reminder' AND split_part(n.dedupe_key, ':', 2) = o.id::text
                       WHERE o.case_id = d.case_id AND o.rule = d.rule AND o.due_at = d.due_at AND o.id <> d.id
                         AND o.superseded_at IS NOT NULL AND n.sent_at IS NOT NULL
                         AND NOT EXISTS (
                           SELECT 1 FROM deadlines p JOIN notifications m
                               ON m.case_id = p.case_id AND m.kind = 'deadline.reminder' AND split_part(m.dedupe_key, ':', 2) = p.id::text
                            WHERE p.case_id = d.case_id AND p.rule = d.rule AND m.recipient_id = n.recipient_id
                              AND m.sent_at > n.sent_at AND split_part(m.dedupe_key, ':', 3) <> split_part(n.dedupe_key, ':', 3))) AS reminded
           FROM deadlines d JOIN cases c ON c.id = d.case_id
           LEFT JOIN users a ON a.id = c.assigned_attorney_id AND a.active AND a.role = 'attorney'
          WHERE d.status = 'open' AND d.superseded_at IS NULL AND d.due_at >= $1 AND d.due_at <= $2
            AND c.status NOT IN ('closed', 'purged')`,
        [now, horizon],
      );
      const items: OutgoingNotification[] = [];
      const coordinatorsByOrg = new Map<string, string[]>();
      for (const row of rows) {
        const hoursLeft = (row.due_at.getTime() - now.getTime()) / 3600_000;
        const threshold = [...REMINDER_HOURS].sort((a, b) => a - b).find((h) => hoursLeft <= h);
        if (threshold === undefined) continue;
        if (!coordinatorsByOrg.has(row.organization_id)) coordinatorsByOrg.set(row.organization_id, await this.outbox.activeCoordinators(tx, row.organization_id));
        const recipients = new Set([...(coordinatorsByOrg.get(row.organization_id) ?? []), ...(row.assigned_attorney_id ? [row.assigned_attorney_id] : [])]);
        const text = reminderText(row, threshold);
        const reminded = new Set(row.reminded);
        for (const recipient of recipients) {
          if (reminded.has(`${row.due_at.getTime()}:${threshold}h:${recipient}`)) continue;
          items.push({ organizationId: row.organization_id, recipientId: recipient, kind: 'deadline.reminder', dedupeKey: reminderKey(row.id, row.due_at, threshold, recipient), caseId: row.case_id, ...text });
        }
      }
      return this.outbox.enqueue(tx, items);
    });
  }
}
