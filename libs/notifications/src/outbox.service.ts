import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';

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
}

/** The emails written to the coordinators (to the admins while there is none): their recipients may act on a case. */
export const COORDINATOR_ALERT_KINDS = ['case.unplaced', 'case.unassigned', 'case.coverage', 'case.conflict', 'case.closed', 'deadline.missed'];

const ADMIN_STAND_IN_NOTE =
  '\n\nYou receive this as an admin because your organization has no active coordinator in Amparo. ' +
  'Make one (or reactivate one): coordinators can see the case and act on it, and are told of what follows.';

@Injectable()
export class OutboxService {
  /** Writes to the outbox in the caller's transaction; returns how many were new. */
  async enqueue(tx: EntityManager, items: OutgoingNotification[]): Promise<number> {
    if (items.length === 0) return 0;
    // In key order: two instances planning the same reminders then take the unique index's entries in the same order,
    // so one waits for the other instead of both deadlocking.
    items = [...items].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
    // A coordinators' alert to an admin (the organization has no active coordinator: see coordinators()) says why.
    const rows = await tx.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body)
       SELECT x.organization_id, x.recipient_id, x.kind, x.dedupe_key, x.case_id, x.subject,
              CASE WHEN x.kind = ANY($8::text[]) AND EXISTS (SELECT 1 FROM users u WHERE u.id = x.recipient_id AND u.role = 'admin')
                   THEN x.body || $9 ELSE x.body END
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[])
              AS x(organization_id, recipient_id, kind, dedupe_key, case_id, subject, body)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        items.map((i) => i.organizationId), items.map((i) => i.recipientId), items.map((i) => i.kind),
        items.map((i) => i.dedupeKey), items.map((i) => i.caseId ?? null), items.map((i) => i.subject), items.map((i) => i.body),
        COORDINATOR_ALERT_KINDS, ADMIN_STAND_IN_NOTE,
      ],
    );
    return rows.length;
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

  /** The organization's active coordinators only: those who follow every deadline (reminders go to nobody else). */
  async activeCoordinators(tx: EntityManager, organizationId: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'coordinator' AND active`,
      [organizationId],
    );
    return rows.map((r) => r.id);
  }
}
