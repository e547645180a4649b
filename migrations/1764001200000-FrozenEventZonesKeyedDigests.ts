import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two backfills for rows written before 2026-11-25:
 * - Events recorded without a `timeZone` are given the case's zone, as new ones are when recorded, so that a later
 *   transfer does not move their day (nor change the keys of the deadlines counted from them). For a case transferred
 *   since such an event, the zone at the time is not known: it gets the zone it is read in today, which is what it
 *   was read in until now, so no deadline changes. Marked `timeZoneFromCase`, as new ones are: a correction of the
 *   case's place moves them along (a transfer does not).
 * - Idempotency request digests were a plain SHA-256 of the intake body, which holds names and an A-number; they are
 *   emptied. A replay of such a key answers the stored response without comparing bodies (CasesService.replay).
 */
export class FrozenEventZonesKeyedDigests1764001200000 implements MigrationInterface {
  name = 'FrozenEventZonesKeyedDigests1764001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE case_events e SET data = e.data || jsonb_build_object('timeZone', c.time_zone, 'timeZoneFromCase', true)
         FROM cases c
        WHERE c.id = e.case_id AND NOT (e.data ? 'timeZone')`,
    );
    await q.query(`UPDATE idempotency_keys SET request_hash = '\\x' WHERE length(request_hash) > 0`);
  }

  async down(): Promise<void> {
    // Neither the events' missing zones nor the plain digests are restored.
  }
}
