import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Clock } from '@amparo/common';

export interface OutgoingNotification {
  organizationId: string;
  recipientId: string;
  kind: string;
  /** Unique per real-world event and recipient: a second enqueue of the same key is a no-op. */
  dedupeKey: string;
  caseId?: string | null;
  /** Case reference and deadline only: never a client's name or number (mail leaves the system). */
  subject: string;
  body: string;
  /** Not sent before this time (default: at once, by the app's clock): an alert that what is entered next may make moot. */
  notBefore?: Date;
}

/** What each coordinators' alert is about, in the words an admin standing in for them is told (nothing of the case). */
const COORDINATOR_ALERTS: Readonly<Record<string, string>> = {
  'case.unplaced': 'no eligible attorney was found',
  'case.unassigned': 'the case needs an attorney again',
  'case.coverage': "its attorney's coverage",
  'case.conflict': 'a possible conflict of interest',
  'case.closed': 'closed by its attorney with deadlines open',
  'deadline.missed': 'a deadline was missed',
  'deadline.reopened': 'a deadline told as missed is open again',
};

/** The emails written to the coordinators (to the admins while there is none): their recipients may act on a case. */
export const COORDINATOR_ALERT_KINDS = Object.keys(COORDINATOR_ALERTS);

/**
 * SQL: the end of a coordinators' alert's key from its recipient on (the recipient's id, then any `:to:<id>` of a copy
 * handed over and an admin's `:stand-in`): what is left names the alert.
 */
const ALERT_KEY_TAIL = `':[0-9a-f-]{36}(:stand-in|:to:[0-9a-f-]{36})*$'`;

/** The advisory lock class of a coordinator's departure (handOver), per organization. */
const HAND_OVER_LOCK_CLASS = 7_264_005;

/** The end of the outbox key of a coordinators' alert written to an admin standing in for them. */
export const STAND_IN_KEY_SUFFIX = ':stand-in';

@Injectable()
export class OutboxService {
  /**
   * The app's clock, the delivery's own: a notification is written at the time the delivery reads (its
   * `next_attempt_at <= clock`), not at the database's `now()`, which a clock set apart from it (a test's, another
   * host's) may not reach. One due at once has `next_attempt_at = created_at`, to the microsecond: a later
   * `next_attempt_at` with no error says a delivery claimed it (MailDeliveryService's lease; withdrawOffer reads it).
   */
  constructor(private readonly clock: Clock) {}

  /** Writes to the outbox in the caller's transaction; returns how many were new. */
  async enqueue(tx: EntityManager, items: OutgoingNotification[]): Promise<number> {
    if (items.length === 0) return 0;
    items = await this.forStandIns(tx, items);
    // In key order: two instances planning the same reminders then take the unique index's entries in the same order,
    // so one waits for the other instead of both deadlocking.
    items = [...items].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
    const rows = await tx.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at, created_at)
       SELECT o, r, k, d, c, s, b, COALESCE(n, $9), $9
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[], $8::timestamptz[]) AS i(o, r, k, d, c, s, b, n)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        items.map((i) => i.organizationId), items.map((i) => i.recipientId), items.map((i) => i.kind),
        items.map((i) => i.dedupeKey), items.map((i) => i.caseId ?? null), items.map((i) => i.subject), items.map((i) => i.body),
        items.map((i) => i.notBefore ?? null), this.clock.now(),
      ],
    );
    return rows.length;
  }

  /**
   * A coordinators' alert to an admin standing in for them (see coordinators()): the case's reference and what kind of
   * alert it is, nothing of the case (admins do not read case content: a deadline's rule and date, an outcome, a
   * facility), why it came to them, and its key marked (the delivery sends such a copy to an admin, and no other).
   */
  private async forStandIns(tx: EntityManager, items: OutgoingNotification[]): Promise<OutgoingNotification[]> {
    const alerts = items.filter((i) => Object.hasOwn(COORDINATOR_ALERTS, i.kind));
    if (alerts.length === 0) return items;
    const [{ admins, references }]: { admins: string[]; references: Record<string, string> }[] = await tx.query(
      `SELECT ARRAY(SELECT id FROM users WHERE id = ANY($1::uuid[]) AND role = 'admin') AS admins,
              COALESCE((SELECT json_object_agg(id, reference) FROM cases WHERE id = ANY($2::uuid[])), '{}'::json) AS references`,
      [[...new Set(alerts.map((i) => i.recipientId))], [...new Set(alerts.flatMap((i) => (i.caseId ? [i.caseId] : [])))]],
    );
    if (admins.length === 0) return items;
    return items.map((item) => {
      if (!Object.hasOwn(COORDINATOR_ALERTS, item.kind) || !admins.includes(item.recipientId)) return item;
      const reference = (item.caseId && references[item.caseId]) || 'a case';
      return {
        ...item,
        dedupeKey: `${item.dedupeKey}${STAND_IN_KEY_SUFFIX}`,
        subject: `[Amparo] ${reference}: an alert for the coordinators (${COORDINATOR_ALERTS[item.kind]})`,
        body:
          `Amparo has an alert for the coordinators on case ${reference}: ${COORDINATOR_ALERTS[item.kind]}.\n\n` +
          'You receive it as an admin because your organization has no active coordinator in Amparo. Make one (or ' +
          'reactivate one): coordinators can see the case and act on it, and are told of what follows.',
      };
    });
  }

  /**
   * Who is told of what needs a coordinator (a missed deadline, a case unplaced or needing an attorney again, a
   * conflict, a coverage gap, a close with open deadlines): the organization's active coordinators, or, while it has
   * none (the last one left before the next was made, or none was made yet), its active admins, whose copy says so.
   * Otherwise the alert reached nobody, and a missed deadline is alerted once.
   */
  async coordinators(tx: EntityManager, organizationId: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'coordinator' AND active
       UNION ALL
       SELECT id FROM users WHERE organization_id = $1 AND role = 'admin' AND active
          AND NOT EXISTS (SELECT 1 FROM users WHERE organization_id = $1 AND role = 'coordinator' AND active)`,
      [organizationId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The unsent coordinators' alerts of a coordinator who left (deactivated, or given another role), in the change's
   * transaction: written again to each active coordinator who has no row of the same alert (one made coordinator
   * since), or, when none remains, to the organization's active admins, standing in. The delivery cancels the copies
   * of someone no longer a coordinator, and a missed deadline's alert is written once: the leaver's, held a few minutes
   * or waiting out a mail outage, reached nobody when their successor was made before they left.
   */
  async handOver(tx: EntityManager, organizationId: string, fromUserId: string): Promise<number> {
    // One coordinator's departure at a time per organization: two leaving at once each saw the other still there, and
    // neither handed over. The second waits for the first to commit, and then sees it (a new statement).
    await this.holdHandOvers(tx, organizationId);
    return this.copyToCoordinators(tx, organizationId, 'p.recipient_id = $1 AND p.sent_at IS NULL AND p.cancelled_at IS NULL', fromUserId);
  }

  /**
   * The coordinators' alerts among notifications the delivery has just cancelled (`ids`, in its transaction) whose
   * recipient is no longer an active coordinator: handed over as at a departure. An alert written while its recipient
   * was leaving (the writer read the coordinators before the departure committed, and wrote after its hand-over looked)
   * reached nobody, and a missed deadline is alerted once. A copy of an alert that no longer applies for other reasons
   * is cancelled in turn before it is sent. Not a close's email (an attorney's copy is not the coordinators'), nor a
   * conflict alert's copy for the attorney concerned, nor an admin's copy standing in.
   */
  async handOverCancelled(tx: EntityManager, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const departed: { organization_id: string; ids: string[] }[] = await tx.query(
      `SELECT p.organization_id, array_agg(p.id) AS ids FROM notifications p LEFT JOIN users u ON u.id = p.recipient_id
        WHERE p.id = ANY($1::uuid[]) AND p.sent_at IS NULL AND p.kind = ANY($2::text[]) AND p.kind <> 'case.closed'
          AND p.dedupe_key NOT LIKE '%' || $3
          AND NOT (p.kind = 'case.conflict' AND split_part(p.dedupe_key, ':', 3) = p.recipient_id::text)
          AND NOT COALESCE(u.active AND u.role = 'coordinator', false)
        GROUP BY p.organization_id`,
      [ids, COORDINATOR_ALERT_KINDS, STAND_IN_KEY_SUFFIX],
    );
    let written = 0;
    for (const d of departed) written += await this.copyToCoordinators(tx, d.organization_id, 'p.id = ANY($1::uuid[])', d.ids);
    return written;
  }

  /**
   * The coordinators' alerts among the rows `which` selects (`$1` its parameter) written again to each active
   * coordinator who has no row of the same alert, or, when none remains, to the organization's active admins.
   */
  private async copyToCoordinators(tx: EntityManager, organizationId: string, which: string, rows: string | string[]): Promise<number> {
    const recipients = await this.coordinators(tx, organizationId);
    if (recipients.length === 0) return 0;
    // Which alert a row is: its key without the recipient and what follows it (`missed:<deadline>` of
    // `missed:<deadline>:<recipient>:to:<other>:stand-in`). A recipient with a row of that alert not cancelled (theirs,
    // a copy handed to them, a stand-in's) has it already. Every coordinators' alert names its case (the index's way in).
    const pending: { kind: string; dedupe_key: string; case_id: string | null; subject: string; body: string; held_until: Date | null; recipient: string }[] = await tx.query(
      // A copy waits as the original was held to (a deadline missed on arrival), not a retry's backoff (attempts made).
      `SELECT p.kind, p.dedupe_key, p.case_id, p.subject, p.body, r.id AS recipient,
              CASE WHEN p.attempts = 0 AND p.next_attempt_at > $5 THEN p.next_attempt_at END AS held_until
         FROM notifications p CROSS JOIN unnest($4::uuid[]) AS r(id)
        WHERE ${which} AND p.kind = ANY($2::text[])
          AND p.dedupe_key NOT LIKE '%' || $3
          -- The leaver's own (now an admin standing in, say) does not count: the delivery cancels it.
          AND (r.id = p.recipient_id OR NOT EXISTS (
                SELECT 1 FROM notifications n
                 WHERE n.case_id = p.case_id AND n.recipient_id = r.id AND n.kind = p.kind AND n.cancelled_at IS NULL
                   AND regexp_replace(n.dedupe_key, ${ALERT_KEY_TAIL}, '') = regexp_replace(p.dedupe_key, ${ALERT_KEY_TAIL}, '')))`,
      [rows, COORDINATOR_ALERT_KINDS, STAND_IN_KEY_SUFFIX, recipients, this.clock.now()],
    );
    return this.enqueue(tx, pending.map((p) => ({
      organizationId, recipientId: p.recipient, kind: p.kind, dedupeKey: `${p.dedupe_key}:to:${p.recipient}`, caseId: p.case_id, subject: p.subject, body: p.body,
      notBefore: p.held_until ?? undefined,
    })));
  }

  /**
   * The organization's hand-over lock, for the transaction: taken by `handOver`, and first by a path that may hand
   * over after locking a case row (a reopen), since a departure holding it writes copies that reference case rows.
   */
  async holdHandOvers(tx: EntityManager, organizationId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [HAND_OVER_LOCK_CLASS, organizationId]);
  }

  /** The organization's active coordinators only: those who follow every deadline (reminders go to nobody else). */
  async activeCoordinators(tx: EntityManager, organizationId: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'coordinator' AND active`,
      [organizationId],
    );
    return rows.map((r) => r.id);
  }
}
