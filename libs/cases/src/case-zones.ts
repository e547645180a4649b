import type { DataSource } from 'typeorm';
import type { FacilityRezoning } from '@amparo/reference';

/**
 * Where a case is decides the zone its events are read in. An event recorded without a zone of its own (only court
 * events take one) is read in the case's zone at recording, kept with the event and marked so (`IMPLICIT_ZONE`): a
 * later transfer does not move its day, but a correction of the place it was read at does.
 *
 * The place an event was read at: for a transfer, where it took the case from; for any other event, where the next
 * transfer took the case from (`fromFacilityCode`: the case's place then, corrections included; none when the case
 * was in a county jail or not placed yet), else, with no transfer after it, where the case is now. A retracted
 * transfer moved nobody (a correction does), so it is skipped.
 */

/** Marks an event's `timeZone` as the case's at recording (none was given), in `case_events.data`. */
export const IMPLICIT_ZONE = 'timeZoneFromCase';

interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** SQL: the facility code of the place event `e` of case `c` was read at (NULL: no facility). */
const READ_AT_SQL = `(COALESCE(
  (SELECT ARRAY[t.data->>'fromFacilityCode'] FROM case_events t
    WHERE t.case_id = e.case_id AND t.type = 'transferred' AND t.seq >= e.seq AND (t.retracted_at IS NULL OR t.id = e.id)
    ORDER BY t.seq LIMIT 1),
  ARRAY[c.facility_code]))[1]`;

/**
 * A correction of where the person was since the last transfer: the events of these cases read in the case's zone
 * since then take the zone the case has now. Call after the case's place was corrected, in the same transaction
 * (the case row locked), and recompute the case's deadlines after.
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
 * Facilities placed in another zone (their county corrected, or the zone table): the open cases held at one, now or
 * before a transfer, were read in the wrong zone there. Locks those cases first, in id order (as every path that
 * changes a case and its events does), then moves the events read at such a facility in its old zone, and the cases
 * held there in it; each case concerned is due for an urgency review (which recomputes its deadlines). Closed and
 * purged cases stay as they were. Returns the ids of the cases concerned.
 *
 * A case placed at the facility by a request that read its old zone while the import ran is not among them: the jobs
 * move it after (`healRezonedFacilities`).
 */
export async function rezoneFacilityCases(tx: Queryable, facilities: FacilityRezoning[]): Promise<string[]> {
  if (facilities.length === 0) return [];
  const codes = facilities.map((f) => f.code);
  const locked = (await tx.query(
    `SELECT id FROM cases
      WHERE status NOT IN ('closed', 'purged')
        AND (facility_code = ANY($1::text[])
             OR id IN (SELECT case_id FROM case_events WHERE type = 'transferred' AND data->>'fromFacilityCode' = ANY($1::text[])))
      ORDER BY id FOR UPDATE`,
    [codes],
  )) as { id: string }[];
  return moveCases(tx, locked.map((c) => c.id), facilities);
}

/** For locked cases: the events read at the facilities in their old zone, and the cases held there in it, move. */
async function moveCases(tx: Queryable, caseIds: string[], facilities: FacilityRezoning[]): Promise<string[]> {
  if (caseIds.length === 0) return [];
  const zones = [facilities.map((f) => f.code), facilities.map((f) => f.before), facilities.map((f) => f.zone)];
  const events = (await tx.query(
    `WITH moved AS (
       UPDATE case_events e SET data = e.data || jsonb_build_object('timeZone', z.zone)
         FROM cases c, unnest($2::text[], $3::text[], $4::text[]) AS z(code, before, zone)
        WHERE e.case_id = ANY($1::uuid[]) AND c.id = e.case_id
          AND (e.data->>'${IMPLICIT_ZONE}')::boolean AND e.data->>'timeZone' = z.before
          AND z.code = ${READ_AT_SQL}
       RETURNING e.case_id)
     SELECT DISTINCT case_id AS id FROM moved`,
    [caseIds, ...zones],
  )) as { id: string }[];
  const held = (await tx.query(
    `WITH moved AS (
       UPDATE cases c SET time_zone = z.zone
         FROM unnest($2::text[], $3::text[], $4::text[]) AS z(code, before, zone)
        WHERE c.id = ANY($1::uuid[]) AND c.facility_code = z.code AND c.time_zone = z.before
       RETURNING c.id)
     SELECT id FROM moved`,
    [caseIds, ...zones],
  )) as { id: string }[];
  const concerned = [...new Set([...held.map((c) => c.id), ...events.map((e) => e.id)])];
  if (concerned.length > 0) await tx.query(`UPDATE cases SET urgency_review_at = now() WHERE id = ANY($1::uuid[])`, [concerned]);
  return concerned;
}

/**
 * The cases held at a facility rezoned within `withinMs` whose zone is not the facility's (placed there by a request
 * that read the old zone while the import ran): each moved as the import moves them, in a transaction of its own.
 * Returns how many. Cheap when no facility was rezoned lately (one small query).
 */
export async function healRezonedFacilities(db: DataSource, withinMs: number): Promise<number> {
  const recent = (await db.query(
    `SELECT code FROM facilities WHERE rezoned_at > now() - make_interval(secs => $1::double precision / 1000)`,
    [withinMs],
  )) as { code: string }[];
  if (recent.length === 0) return 0;
  const stale = (await db.query(
    `SELECT c.id FROM cases c JOIN facilities f ON f.code = c.facility_code
      WHERE c.facility_code = ANY($1::text[]) AND c.time_zone <> f.time_zone AND c.status NOT IN ('closed', 'purged')`,
    [recent.map((f) => f.code)],
  )) as { id: string }[];
  let healed = 0;
  for (const { id } of stale) {
    healed += await db.transaction(async (tx) => {
      // Still out of step once locked (a request may have moved it since).
      const [c] = (await tx.query(
        `SELECT c.facility_code AS code, c.time_zone AS before, f.time_zone AS zone FROM cases c JOIN facilities f ON f.code = c.facility_code
          WHERE c.id = $1 AND c.time_zone <> f.time_zone AND c.status NOT IN ('closed', 'purged') FOR UPDATE OF c`,
        [id],
      )) as FacilityRezoning[];
      return c ? (await moveCases(tx, [id], [c])).length : 0;
    });
  }
  return healed;
}
