import type { FacilityRezoning } from '@amparo/reference';

/**
 * Where a case is decides the zone its events are read in. An event recorded without a zone of its own (only court
 * events take one) is read in the case's zone at recording, kept with the event and marked so (`IMPLICIT_ZONE`): a
 * later transfer does not move its day, but a correction of the place it was read at does.
 *
 * The place an event was read at: for a transfer, where it took the case from; for any other event, where the next
 * transfer took the case from (`fromFacilityCode`, the case's place then, corrections included), else, with no
 * transfer after it, where the case is now. A retracted transfer moved nobody (a correction does), so it is skipped.
 */

/** Marks an event's `timeZone` as the case's at recording (none was given), in `case_events.data`. */
export const IMPLICIT_ZONE = 'timeZoneFromCase';

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/**
 * A correction of where the person was since the last transfer: the events of these cases read in the case's zone
 * since then take the zone the case has now. Call after the case's `time_zone` was corrected, in the same
 * transaction, and recompute the case's deadlines after.
 */
export async function followCaseZone(tx: Queryable, caseIds: string[]): Promise<void> {
  if (caseIds.length === 0) return;
  await tx.query(
    `UPDATE case_events e SET data = e.data || jsonb_build_object('timeZone', c.time_zone)
       FROM cases c
      WHERE c.id = ANY($1::uuid[]) AND e.case_id = c.id AND (e.data->>'${IMPLICIT_ZONE}')::boolean
        AND e.data->>'timeZone' IS DISTINCT FROM c.time_zone
        AND e.seq > COALESCE((SELECT max(t.seq) FROM case_events t
                               WHERE t.case_id = c.id AND t.type = 'transferred' AND t.retracted_at IS NULL), 0)`,
    [caseIds],
  );
}

/**
 * Facilities placed in another zone (their county corrected, or the zone table): every open case held at one was read
 * in the wrong zone there. The cases held there now take the new zone, the events read at one of them (now or before
 * a transfer) in the case's zone are read in the new one, and each case concerned is due for an urgency review (which
 * recomputes its deadlines). Closed and purged cases stay as they were. Returns the ids of the cases concerned.
 */
export async function rezoneFacilityCases(tx: Queryable, facilities: FacilityRezoning[]): Promise<string[]> {
  if (facilities.length === 0) return [];
  const zones = [facilities.map((f) => f.code), facilities.map((f) => f.before), facilities.map((f) => f.zone)];
  const events = (await tx.query(
    `WITH changed AS (
       UPDATE case_events e SET data = e.data || jsonb_build_object('timeZone', z.zone)
         FROM cases c, unnest($1::text[], $2::text[], $3::text[]) AS z(code, before, zone)
        WHERE e.case_id = c.id AND c.status NOT IN ('closed', 'purged')
          AND (e.data->>'${IMPLICIT_ZONE}')::boolean AND e.data->>'timeZone' = z.before
          AND z.code = COALESCE(
                (SELECT t.data->>'fromFacilityCode' FROM case_events t
                  WHERE t.case_id = e.case_id AND t.type = 'transferred' AND t.seq >= e.seq
                    AND (t.retracted_at IS NULL OR t.id = e.id)
                  ORDER BY t.seq LIMIT 1),
                c.facility_code)
       RETURNING e.case_id)
     SELECT DISTINCT case_id AS id FROM changed`,
    zones,
  )) as { id: string }[];
  const held = (await tx.query(
    `WITH moved AS (
       UPDATE cases c SET time_zone = z.zone, urgency_review_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[]) AS z(code, before, zone)
        WHERE c.facility_code = z.code AND c.time_zone = z.before AND c.status NOT IN ('closed', 'purged')
       RETURNING c.id)
     SELECT id FROM moved`,
    zones,
  )) as { id: string }[];
  const elsewhere = events.map((e) => e.id).filter((id) => !held.some((h) => h.id === id));
  if (elsewhere.length > 0) await tx.query(`UPDATE cases SET urgency_review_at = now() WHERE id = ANY($1::uuid[])`, [elsewhere]);
  return [...held.map((h) => h.id), ...elsewhere];
}
