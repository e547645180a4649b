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

@Injectable()
export class OutboxService {
  /** Writes to the outbox in the caller's transaction; returns how many were new. */
  async enqueue(tx: EntityManager, items: OutgoingNotification[]): Promise<number> {
    if (items.length === 0) return 0;
    // In key order: two instances planning the same reminders then take the unique index's entries in the same order,
    // so one waits for the other instead of both deadlocking.
    items = [...items].sort((a, b) => (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0));
    const rows = await tx.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::uuid[], $6::text[], $7::text[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [
        items.map((i) => i.organizationId), items.map((i) => i.recipientId), items.map((i) => i.kind),
        items.map((i) => i.dedupeKey), items.map((i) => i.caseId ?? null), items.map((i) => i.subject), items.map((i) => i.body),
      ],
    );
    return rows.length;
  }

  /** Coordinators of an organization: the usual recipients of escalations. */
  async coordinators(tx: EntityManager, organizationId: string): Promise<string[]> {
    const rows: { id: string }[] = await tx.query(
      `SELECT id FROM users WHERE organization_id = $1 AND role = 'coordinator' AND active`,
      [organizationId],
    );
    return rows.map((r) => r.id);
  }
}
