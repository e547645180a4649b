import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reminder's dedupe key now names the due time it reminds of (`reminder:<deadline>:<epoch ms>:<threshold>h:<recipient>`),
 * so that a deadline a correction moves is reminded again at its new time. The reminders written before get their
 * deadline's current due time: without it, every deadline due within 48 hours would be reminded once more after the
 * upgrade, at a threshold already reminded.
 */
export class ReminderDueKeys1764002400000 implements MigrationInterface {
  name = 'ReminderDueKeys1764002400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE notifications n
          SET dedupe_key = 'reminder:' || d.id || ':' || floor(extract(epoch FROM d.due_at) * 1000)::bigint || ':'
                           || split_part(n.dedupe_key, ':', 3) || ':' || split_part(n.dedupe_key, ':', 4)
         FROM deadlines d
        WHERE n.kind = 'deadline.reminder'
          AND n.dedupe_key ~ '^reminder:[0-9a-f-]{36}:[0-9]+h:[^:]+$'
          AND d.id = split_part(n.dedupe_key, ':', 2)::uuid`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // A moved deadline may have reminders of two times for one threshold and recipient: the newest keeps the old key.
    await q.query(
      `WITH newest AS (
         SELECT DISTINCT ON (legacy) id, legacy FROM (
           SELECT id, created_at, 'reminder:' || split_part(dedupe_key, ':', 2) || ':' || split_part(dedupe_key, ':', 4) || ':'
                  || split_part(dedupe_key, ':', 5) AS legacy
             FROM notifications
            WHERE kind = 'deadline.reminder' AND dedupe_key ~ '^reminder:[0-9a-f-]{36}:[0-9]+:[0-9]+h:[^:]+$'
         ) k ORDER BY legacy, created_at DESC, id DESC
       )
       UPDATE notifications n SET dedupe_key = newest.legacy FROM newest
        WHERE n.id = newest.id AND NOT EXISTS (SELECT 1 FROM notifications o WHERE o.dedupe_key = newest.legacy)`,
    );
  }
}
