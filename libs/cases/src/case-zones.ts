import type { DataSource, EntityManager } from 'typeorm';
import type { FacilityPlace, FacilityRezoning } from '@amparo/reference';

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

/**
 * With an implicit zone read at a place whose zone is uncertain (`uncertainDayZone`): where the event's day is read
 * (the deadline engine's `data.dayZone`), kept with it as its zone is, so that a transfer away does not change it.
 */
export const DAY_ZONE = 'dayZone';

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
 * since then take the zone the case has now, and the day zone of its place when that is uncertain (`dayZones`, by case
 * id; none: certain). Call after the case's place was corrected, in the same transaction (the case row locked), and
 * recompute the case's deadlines after.
 */
export async function followCaseZone(tx: Queryable, caseIds: string[], dayZones: Record<string, string | undefined> = {}): Promise<void> {
  if (caseIds.length === 0) return;
  await tx.query(
    `UPDATE case_events e SET data = (e.data - '${DAY_ZONE}') || jsonb_build_object('timeZone', c.time_zone)
                                     || CASE WHEN z.day_zone IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('${DAY_ZONE}', z.day_zone) END
       FROM cases c JOIN unnest($1::uuid[], $2::text[]) AS z(id, day_zone) ON z.id = c.id
      WHERE e.case_id = c.id AND (e.data->>'${IMPLICIT_ZONE}')::boolean
        AND (e.data->>'timeZone' IS DISTINCT FROM c.time_zone OR e.data->>'${DAY_ZONE}' IS DISTINCT FROM z.day_zone)
        AND e.seq > COALESCE((SELECT max(t.seq) FROM case_events t
                               WHERE t.case_id = c.id AND t.type = 'transferred' AND t.retracted_at IS NULL), 0)`,
    [caseIds, caseIds.map((id) => dayZones[id] ?? null)],
  );
}

/** The cases a move changed, each with the names of what changed (`custody.timeZone`, `events.timeZone`, ...). */
export type MovedCases = Map<string, string[]>;

/** `a` and `b` together: a case in both with the fields of both. */
export function mergeMoved(a: MovedCases, b: MovedCases): MovedCases {
  const merged = new Map(a);
  for (const [id, fields] of b) merged.set(id, [...new Set([...(merged.get(id) ?? []), ...fields])]);
  return merged;
}

/**
 * Cases already locked by the caller (in id order, with the other cases it changes): the events read at one of these
 * facilities in its old zone (`before`; null: any other than the new one), in the case's zone, take the new one; the
 * cases held there in the old zone move to the new one; each case concerned is due for an urgency review (which
 * recomputes its deadlines). Returns the cases concerned, with what changed.
 */
export async function moveLockedCases(
  tx: Queryable,
  caseIds: string[],
  facilities: (Omit<FacilityRezoning, 'before'> & { before: string | null })[],
): Promise<MovedCases> {
  if (caseIds.length === 0 || facilities.length === 0) return new Map();
  const zones = [facilities.map((f) => f.code), facilities.map((f) => f.before), facilities.map((f) => f.zone)];
  const events = (await tx.query(
    `WITH moved AS (
       UPDATE case_events e SET data = e.data || jsonb_build_object('timeZone', z.zone)
         FROM cases c, unnest($2::text[], $3::text[], $4::text[]) AS z(code, before, zone)
        WHERE e.case_id = ANY($1::uuid[]) AND c.id = e.case_id
          AND (e.data->>'${IMPLICIT_ZONE}')::boolean AND e.data->>'timeZone' <> z.zone
          AND (z.before IS NULL OR e.data->>'timeZone' = z.before)
          AND z.code = ${READ_AT_SQL}
       RETURNING e.case_id)
     SELECT DISTINCT case_id AS id FROM moved`,
    [caseIds, ...zones],
  )) as { id: string }[];
  const held = (await tx.query(
    `WITH moved AS (
       UPDATE cases c SET time_zone = z.zone
         FROM unnest($2::text[], $3::text[], $4::text[]) AS z(code, before, zone)
        WHERE c.id = ANY($1::uuid[]) AND c.facility_code = z.code AND c.time_zone <> z.zone
          AND (z.before IS NULL OR c.time_zone = z.before)
       RETURNING c.id)
     SELECT id FROM moved`,
    [caseIds, ...zones],
  )) as { id: string }[];
  const concerned = mergeMoved(
    new Map(held.map((c) => [c.id, ['custody.timeZone']])),
    new Map(events.map((e) => [e.id, ['events.timeZone']])),
  );
  if (concerned.size > 0) await tx.query(`UPDATE cases SET urgency_review_at = now() WHERE id = ANY($1::uuid[])`, [[...concerned.keys()]]);
  return concerned;
}

/**
 * Cases already locked by the caller: those held at one of these facilities, placed by an older row in another state or
 * county, are where the facility is now (routing matches by it; a petition for review ends in the circuits of the
 * states the person was held in). The state the older row said is kept among the former states, as a correction
 * keeps it (a circuit too many ends a petition's deadline sooner, never later); each case moved is due for an urgency
 * review (which recomputes its deadlines). Returns the ids of the cases moved.
 */
export async function placeLockedCases(tx: Queryable, caseIds: string[], facilities: FacilityPlace[]): Promise<MovedCases> {
  if (caseIds.length === 0 || facilities.length === 0) return new Map();
  const moved = (await tx.query(
    // `was`: the rows as they were before the update (a CTE reads the statement's snapshot).
    `WITH was AS (SELECT id, state, county FROM cases WHERE id = ANY($1::uuid[])), moved AS (
       UPDATE cases c SET state = f.state, county = f.county, urgency_review_at = now(),
              former_states = CASE WHEN c.state IS NULL OR c.state IS NOT DISTINCT FROM f.state OR c.state = ANY(c.former_states)
                                   THEN c.former_states ELSE array_append(c.former_states, c.state) END
         FROM unnest($2::text[], $3::text[], $4::text[]) AS f(code, state, county)
        WHERE c.id = ANY($1::uuid[]) AND c.facility_code = f.code AND (c.state, c.county) IS DISTINCT FROM (f.state, f.county)
       RETURNING c.id, c.state, c.county)
     SELECT m.id, m.state IS DISTINCT FROM w.state AS state, m.county IS DISTINCT FROM w.county AS county FROM moved m JOIN was w ON w.id = m.id`,
    [caseIds, facilities.map((f) => f.code), facilities.map((f) => f.state), facilities.map((f) => f.county)],
  )) as { id: string; state: boolean; county: boolean }[];
  return new Map(moved.map((c) => [c.id, [...(c.state ? ['custody.state'] : []), ...(c.county ? ['custody.county'] : [])]]));
}

/**
 * SQL: the open cases held at, or transferred from, one of the facilities `$n` (a text[] parameter): those whose events
 * may have been read there. Uses cases_open_facility_idx and case_events_transfer_from_idx.
 */
export const HELD_OR_LEFT_SQL = (codes: string) =>
  `SELECT id FROM cases WHERE facility_code = ANY(${codes}) AND status NOT IN ('closed', 'purged')
   UNION SELECT case_id FROM case_events WHERE type = 'transferred' AND data->>'fromFacilityCode' = ANY(${codes})`;

/** SQL: an implicit-zone event of case `c` read at facility `z.code` in a zone other than `z.zone` (one to move). */
const EVENT_LEFT_BEHIND_SQL = `EXISTS (SELECT 1 FROM case_events e
   WHERE e.case_id = c.id AND (e.data->>'${IMPLICIT_ZONE}')::boolean AND e.data->>'timeZone' IS DISTINCT FROM z.zone
     AND z.code = ${READ_AT_SQL})`;

/**
 * After an import rezoned facilities (within `withinMs`): the open cases it could not move, since a request that read
 * the facility's old zone while the import ran committed after it: one placed there in the old zone (an intake, a
 * transfer, a correction), or one transferred away from there meanwhile. Each is moved as the import moves cases, in
 * a transaction of its own. Returns how many moved. One small query when no facility was rezoned lately.
 */
export async function healRezonedFacilities(
  db: DataSource,
  withinMs: number,
  moved: (tx: EntityManager, cases: MovedCases) => Promise<void>,
): Promise<number> {
  const recent = (await db.query(
    `SELECT code, rezoned_from AS before, time_zone AS zone, state, county, rezoned_at FROM facilities
      WHERE rezoned_at > now() - make_interval(secs => $1::double precision / 1000) AND rezoned_from IS NOT NULL`,
    [withinMs],
  )) as (FacilityRezoning & FacilityPlace & { rezoned_at: Date })[];
  if (recent.length === 0) return 0;
  // Held there in another zone, state or county than the facility's (whatever it was: two imports may have passed), or
  // transferred away from there since shortly before the import with an event read there in another zone.
  const candidates = (await db.query(
    `SELECT c.id FROM cases c JOIN unnest($1::text[], $2::text[], $4::text[], $5::text[]) AS z(code, zone, state, county) ON c.facility_code = z.code
      WHERE (c.time_zone, c.state, c.county) IS DISTINCT FROM (z.zone, z.state, z.county) AND c.status NOT IN ('closed', 'purged')
     UNION
     SELECT c.id FROM case_events t JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS z(code, zone, at)
              ON t.data->>'fromFacilityCode' = z.code AND t.created_at >= z.at - interval '10 minutes'
            JOIN cases c ON c.id = t.case_id
      WHERE t.type = 'transferred' AND c.status NOT IN ('closed', 'purged') AND ${EVENT_LEFT_BEHIND_SQL}`,
    [recent.map((f) => f.code), recent.map((f) => f.zone), recent.map((f) => f.rezoned_at), recent.map((f) => f.state), recent.map((f) => f.county)],
  )) as { id: string }[];
  let healed = 0;
  for (const { id } of candidates) {
    healed += await db.transaction(async (tx) => {
      const [c] = (await tx.query(
        `SELECT time_zone, facility_code FROM cases WHERE id = $1 AND status NOT IN ('closed', 'purged') FOR NO KEY UPDATE`,
        [id],
      )) as { time_zone: string; facility_code: string | null }[];
      if (!c) return 0;
      // Whatever was read there in the case's zone, in any other zone than the facility's now (two imports may have
      // passed since it was read).
      const moves = recent.map((f) => ({ code: f.code, before: null, zone: f.zone }));
      const changed = mergeMoved(await moveLockedCases(tx, [id], moves), await placeLockedCases(tx, [id], recent));
      await moved(tx, changed);
      return changed.size > 0 ? 1 : 0;
    });
  }
  return healed;
}
