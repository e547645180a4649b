import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { EntityManager } from 'typeorm';
import { preparedQuery } from '@amparo/database';
import { AuditService } from '@amparo/audit';
import { OutboxService, STAND_IN_KEY_SUFFIX } from '@amparo/notifications';
import { STATE_NAMES, uncertainDayZone } from '@amparo/reference';
import { localWhen, missedText, reopenedText } from './notification-text';
import { computeDeadlines } from '../domain/compute-deadlines';
import { computeFlags } from '../domain/flags';
import { parseInstant } from '../domain/input';
import { RULE_SETS, missedGraceHours, ruleSetFor } from '../domain/rule-set';
import type { CaseEventFact, CaseFacts, ComputedDeadline, CustodyStatus, DeadlineStatus, Flag, Urgency } from '../domain/types';
import { URGENCY_POLICY, assessUrgency, urgencyOrderAt, urgencyReviewAt } from '../domain/urgency';
import { tz } from '../domain/zones';

/**
 * Whether a revived deadline (see recompute) keeps its met mark: only when nothing carried over to it, and no other row
 * of the same rule and trigger event (the same event's deadline read in another zone, carried and marked again there,
 * live or superseded since) was marked by someone after this one, or swept missed after it (a met mark carries over:
 * such a row was reopened by someone, whom the sweep's mark no longer names). Deadlines of the custody facts (no trigger event) are
 * never carried: another one of the same rule is another booking's, or the time a fact was wrongly corrected to, and
 * its marks (the sweep's missed included) say nothing of this one. A waived one comes back open: "no longer applies"
 * was judged on facts since corrected back.
 */
const KEEPS_MARK = `EXCLUDED.status = 'open' AND deadlines.status = 'met' AND NOT EXISTS (
  SELECT 1 FROM deadlines later WHERE later.case_id = deadlines.case_id AND later.rule = deadlines.rule AND later.id <> deadlines.id
     AND deadlines.trigger_event_id IS NOT NULL AND later.trigger_event_id = deadlines.trigger_event_id
     AND (later.status_changed_by IS NOT NULL OR later.status = 'missed') AND later.status_changed_at > deadlines.status_changed_at)`;

/**
 * The revived row's own status columns stand: a met mark kept (KEEPS_MARK), or an open row revived open, which keeps
 * who reopened it and why (cleared, a reopening vanished, and KEEPS_MARK let an older met row of the same deadline
 * come back met over it).
 */
const KEEPS_STATUS = `((${KEEPS_MARK}) OR (EXCLUDED.status = 'open' AND deadlines.status = 'open'))`;

/**
 * A deadline that was already past by URGENCY_POLICY.staleMissedAfterDays when it was first written (at intake, or when
 * its event was recorded): history, not news (an arrival years back recorded for the bond flag, an old address
 * change). The system alerts no one when it finds it missed; it reads "Missed" at level high. Not a detainer hold (a
 * jail still holding someone on a hold so old is news, or a typed time is wrong), and not a deadline that passed while
 * its case was closed and is found at the reopen (written before it was due). A person's mark still alerts.
 */
function missedLongAgo(d: { due_at: Date; rule: string; created_at?: Date }, now: Date): boolean {
  if (URGENCY_POLICY.detainerRules.includes(d.rule)) return false;
  const written = d.created_at ?? now;
  return d.due_at.getTime() <= written.getTime() - URGENCY_POLICY.staleMissedAfterDays * 86_400_000;
}

/**
 * Whether a stored deadline was missed the moment it was written, and nobody has marked it since: the facts came in late
 * (a hearing entered as history, a release-eligible time typed days early). It was never open, so nobody missed it
 * while it was followed: once what it was computed from changes (the hearing's decision entered next, the time
 * recorded again), it goes, as an open one does, rather than staying on the case as a missed deadline.
 */
function missedOnArrival(d: DeadlineRow): boolean {
  if (d.status !== 'missed' || d.status_changed_by || !d.created_at) return false;
  return !d.status_changed_at || d.status_changed_at.getTime() === d.created_at.getTime();
}

/** SQL (in a deadlines upsert): the stored row was missed while it was followed, not on arrival (see missedOnArrival). */
const MISSED_WHILE_FOLLOWED = `(deadlines.status = 'missed' AND (deadlines.status_changed_by IS NOT NULL
  OR (deadlines.status_changed_at IS NOT NULL AND deadlines.status_changed_at <> deadlines.created_at)))`;

/**
 * How long the coordinators' alert of a deadline missed on arrival waits before it is sent (not a detainer hold's):
 * a volunteer entering a case's history records the hearing, then its decision, and the alert would otherwise go
 * between the two. Once the deadline is superseded the alert is cancelled unsent.
 */
export const MISSED_ON_ARRIVAL_ALERT_MINUTES = 10;

/** A stored deadline as the API shows it: the computed fields, plus its identity, status and case. */
export type DeadlineView = Omit<ComputedDeadline, 'key' | 'triggerEventId'> & {
  id: string;
  status: DeadlineStatus;
  /** Who last set the status by hand (PATCH), when, and their note; `note` is the rule's own guidance. */
  statusNote?: string;
  statusChangedAt?: string;
  statusChangedBy?: string;
  caseId: string;
  reference: string;
};

export interface Timeline {
  deadlines: DeadlineView[];
  urgency: Urgency;
  flags: Flag[];
  /** Deadlines this recomputation found past due and marked missed. */
  newlyMissed: DeadlineView[];
}

export interface DeadlineRow {
  id: string;
  case_id: string;
  reference: string;
  key: string;
  rule: string;
  label: string;
  due_at: Date;
  time_zone: string;
  outer_limit_at: Date | null;
  opens_at: Date | null;
  citation: string;
  rule_version: string;
  note: string | null;
  status: DeadlineStatus;
  status_note?: string | null;
  status_changed_at?: Date | null;
  status_changed_by?: string | null;
  trigger_event_id?: string | null;
  /** When the row was first written (a stored row; a planned one is being written now). */
  created_at?: Date;
}

/** Whether a stored deadline has the times just computed for it. */
function sameTimes(stored: DeadlineRow, d: ComputedDeadline): boolean {
  const at = (value: Date | null, iso: string | undefined) => (value?.getTime() ?? null) === (iso === undefined ? null : Date.parse(iso));
  return at(stored.due_at, d.dueAt) && at(stored.outer_limit_at, d.outerLimitAt) && at(stored.opens_at, d.opensAt);
}

/**
 * Whether a stored deadline is where the facts before a correction put it (its times and zone): a missed one left in
 * an earlier zone by a transfer is not, and a correction of the place since does not concern it.
 */
function wasFollowing(stored: DeadlineRow, before: ComputedDeadline | undefined): boolean {
  return before !== undefined && stored.time_zone === before.timeZone && sameTimes(stored, before);
}

const inZone = (d: Date, zone: string) => DateTime.fromJSDate(d).setZone(tz(zone)).toISO({ suppressMilliseconds: true })!;

/** A stored deadline's times as the engine states them (ISO in its zone). */
function storedTimes(row: DeadlineRow): Pick<ComputedDeadline, 'dueAt' | 'timeZone' | 'outerLimitAt' | 'opensAt'> {
  return {
    dueAt: inZone(row.due_at, row.time_zone),
    timeZone: row.time_zone,
    outerLimitAt: row.outer_limit_at ? inZone(row.outer_limit_at, row.time_zone) : undefined,
    opensAt: row.opens_at ? inZone(row.opens_at, row.time_zone) : undefined,
  };
}

export function toDeadlineView(row: DeadlineRow): DeadlineView {
  return {
    id: row.id,
    rule: row.rule,
    label: row.label,
    dueAt: inZone(row.due_at, row.time_zone),
    timeZone: row.time_zone,
    ...(row.outer_limit_at ? { outerLimitAt: inZone(row.outer_limit_at, row.time_zone) } : {}),
    ...(row.opens_at ? { opensAt: inZone(row.opens_at, row.time_zone) } : {}),
    citation: row.citation,
    ruleVersion: row.rule_version,
    ...(row.note ? { note: row.note } : {}),
    status: row.status,
    ...(row.status_note ? { statusNote: row.status_note } : {}),
    ...(row.status_changed_at ? { statusChangedAt: row.status_changed_at.toISOString() } : {}),
    ...(row.status_changed_by ? { statusChangedBy: row.status_changed_by } : {}),
    caseId: row.case_id,
    reference: row.reference,
  };
}

interface CaseFactsRow {
  id: string;
  organization_id: string;
  reference: string;
  custody_status: CustodyStatus;
  time_zone: string;
  detainer_lodged: boolean;
  release_eligible_at: Date | null;
  assigned_attorney_id: string | null;
  status: string;
  facility_name: string | null;
  jail_287g: boolean | null;
  county: string | null;
  state: string | null;
  /** The states a correction of the place moved the case from. */
  former_states: string[];
  facility_code: string | null;
  criminal_history_declared: boolean;
}

export interface NewCaseFacts {
  custody: Omit<CaseFacts['custody'], 'placeName'>;
  place: PlaceFacts;
  jail287g?: boolean;
  /** Whether the intake recorded a criminal history (the encrypted field is filled in; its text is never read here). */
  criminalHistoryDeclared?: boolean;
}

/** A new case's deadline before it is written: the stored row it will be. */
export type PlannedDeadlineRow = DeadlineRow & { trigger_event_id: string | null };

export interface NewCasePlan {
  deadlines: (ComputedDeadline & { status: DeadlineStatus })[];
  flags: Flag[];
  urgency: Urgency;
  /** When the urgency is to be assessed again (urgencyReviewAt), stored with the case. */
  urgencyReviewAt: Date | null;
  /** The time the case is ordered by within its level (urgencyOrderAt), stored with the case. */
  urgencyOrderAt: string | null;
}

interface PlaceFacts {
  facility_name: string | null;
  custody_status: CustodyStatus;
  county: string | null;
  state?: string | null;
}

/**
 * The facility's name, else "<County> County Jail" for a local jail, so reasons say where the clock runs. A county
 * typed as people write it ("Galveston County, TX", "County of Galveston", "Galveston County Jail", "Orleans Parish")
 * is named once, as the place it is.
 */
export function placeName(row: PlaceFacts): string | undefined {
  if (row.facility_name) return titleCase(row.facility_name);
  if (row.custody_status !== 'local_jail' || !row.county?.trim()) return undefined;
  const typed = withoutState(row.county.trim().replace(/\s*,[^,]*$/, ''), row.state) // a state after a comma, or the case's after a space
    .replace(/\s+(?:co|cnty|cty)\.?$/i, ' County')
    .replace(/\s+par\.?$/i, ' Parish');
  if (/\b(jail|sheriff'?s?|detention|correctional|corrections|justice center)\b/i.test(typed)) return titleCase(typed);
  const turned = /^(?:city and )?(county|parish|borough|city) of\s+(.+)$/i.exec(typed)
    // In Spanish or French, as the county's matching reads it ("Condado de Harris", "Parroquia de Orleans").
    ?? /^(condado|parroquia|paroisse) de\s+(.+)$/i.exec(typed);
  const unit = (word: string) => ({ condado: 'County', parroquia: 'Parish', paroisse: 'Parish' } as Record<string, string>)[word.toLowerCase()] ?? titleCase(word);
  if (turned) return turned[1].toLowerCase() === 'city' ? `City of ${titleCase(turned[2])} Jail` : `${titleCase(turned[2])} ${unit(turned[1])} Jail`;
  const county = titleCase(typed);
  return /\b(county|parish|borough)$/i.test(county) ? `${county} Jail` : `${county} County Jail`;
}

/** "Galveston County TX", "Galveston County Texas", "Galveston County (TX)" → "Galveston County": the case's own state. */
function withoutState(county: string, state: string | null | undefined): string {
  const code = state?.trim().toUpperCase();
  if (!code || !/^[A-Z]{2}$/.test(code)) return county;
  const name = (STATE_NAMES as Record<string, string | undefined>)[code];
  const ending = new RegExp(`\\s*\\(?\\s*(?:${code}${name ? `|${name.replace(/[.]/g, '\\.')}` : ''})\\s*\\)?$`, 'i');
  const stripped = county.replace(ending, '');
  return stripped.trim() === '' ? county : stripped;
}

/** A place no record names: a petition for review's circuit could be any (circuitClerkZone takes the earliest). */
const UNKNOWN_STATE = '?';

/** The urgency of a closed case (its deadlines are no longer followed). */
export const CLOSED_URGENCY: Urgency = { level: 'low', reasons: ['Case closed'], nextDeadlineAt: null };

/** The rules whose deadlines wait before they are missed, as `{"rule": hours}` (a query parameter). */
export const MISSED_GRACE_JSON = JSON.stringify(missedGraceHours());

/**
 * SQL: a deadline row (`due_at`, `rule`) is past due at `now`, its rule's grace included (`grace`: MISSED_GRACE_JSON).
 * `due_at < now` first, so an index on `due_at` still narrows the rows.
 */
export const PAST_GRACE_SQL = (now: string, grace: string, alias = '') =>
  `${alias}due_at < ${now} AND ${alias}due_at < ${now} - COALESCE((${grace}::jsonb ->> ${alias}rule)::int, 0) * interval '1 hour'`;

/** A new case's deadlines in one statement, with the ids the intake gave them (prepared: every intake runs it). */
// created_at is the application's now, as every time the timeline compares it with (missedLongAgo), not the database's.
const INSERT_PLANNED_SQL = `INSERT INTO deadlines (case_id, organization_id, created_at, id, key, rule, label, due_at, time_zone, outer_limit_at, opens_at,
                       citation, rule_version, note, trigger_event_id, status)
SELECT $1, $2, $16, * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::timestamptz[],
                             $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::uuid[], $15::text[])`;

/**
 * Recomputes a case's deadlines, flags and urgency from its facts and events, inside the caller's transaction.
 * A deadline keeps its identity (and a met or waived status) while its trigger is unchanged; an open deadline whose
 * trigger changed is superseded by the new one; an open deadline past due becomes missed.
 */
@Injectable()
export class CaseTimelineService {
  constructor(
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
  ) {}

  /**
   * The states the person was held or placed in, as far as recorded: the case's place now and those corrections moved
   * it from, the facilities its transfers took it from and to, and the state a transfer took it from when no facility
   * did (a county jail). Read only for a case with a final order or a ruling on a motion (a petition for review's
   * circuit).
   */
  private async statesHeld(tx: EntityManager, row: CaseFactsRow, events: { type: string; data: Record<string, unknown> }[]): Promise<string[]> {
    const states = new Set(row.state ? [row.state] : []);
    if (!events.some((e) => e.type === 'final_order' || e.type === 'motion_decided')) return [...states];
    for (const former of row.former_states ?? []) states.add(former);
    const transfers = events.filter((e) => e.type === 'transferred');
    for (const t of transfers) {
      if (typeof t.data.fromState === 'string') states.add(t.data.fromState);
      // From a place no facility or state names (recorded before transfers kept the state): anywhere, the earliest.
      else if (typeof t.data.fromFacilityCode !== 'string') states.add(UNKNOWN_STATE);
    }
    const codes = transfers
      .flatMap((e) => [e.data.facilityCode, e.data.fromFacilityCode])
      .filter((code): code is string => typeof code === 'string');
    if (codes.length > 0) {
      const rows: { state: string }[] = await tx.query(`SELECT DISTINCT state FROM facilities WHERE code = ANY($1) AND state IS NOT NULL`, [codes]);
      for (const r of rows) states.add(r.state);
    }
    return [...states];
  }

  /** The case's row and what the deadline engine reads of it (its events, the states it was held in, 287(g)). */
  private async caseFacts(tx: EntityManager, caseId: string): Promise<{ row: CaseFactsRow; facts: CaseFacts }> {
    const [row]: CaseFactsRow[] = await tx.query(
      `SELECT c.id, c.organization_id, c.reference, c.custody_status, c.time_zone, c.detainer_lodged,
              c.release_eligible_at, c.assigned_attorney_id, c.status, c.county, c.state, c.former_states, c.facility_code, f.name AS facility_name,
              c.client_criminal_history IS NOT NULL AS criminal_history_declared,
              CASE WHEN c.facility_code IS NOT NULL THEN f.jail_287g
                   ELSE EXISTS (SELECT 1 FROM agreements_287g a
                                 WHERE a.jail_enforcement AND a.state = c.state AND a.county_key = c.county_key) END AS jail_287g
         FROM cases c LEFT JOIN facilities f ON f.code = c.facility_code
        WHERE c.id = $1`,
      [caseId],
    );
    if (!row) throw new Error(`case ${caseId} not found`);
    const events: { id: string; type: CaseEventFact['type']; occurred_at: string; data: Record<string, unknown> }[] =
      await tx.query(`SELECT id, type, occurred_at, data FROM case_events WHERE case_id = $1 AND retracted_at IS NULL ORDER BY seq`, [caseId]);
    const dayZone = row.facility_code ? undefined : uncertainDayZone(row.state, row.county, row.time_zone);
    const facts: CaseFacts = {
      custody: {
        status: row.custody_status,
        timeZone: row.time_zone,
        ...(dayZone ? { dayZone } : {}),
        states: await this.statesHeld(tx, row, events),
        placeName: placeName(row),
        detainerLodged: row.detainer_lodged,
        releaseEligibleAt: row.release_eligible_at?.toISOString(),
      },
      events: events.map((e) => ({ id: e.id, type: e.type, occurredAt: e.occurred_at, data: e.data })),
      jail287g: row.jail_287g ?? undefined,
      hasCounsel: row.assigned_attorney_id !== null && row.status === 'assigned',
      // Filled in or not, never its text (encrypted): with the manner of entry, one of the facts behind the bond flag,
      // whose label does not say which.
      criminalHistoryDeclared: row.criminal_history_declared,
    };
    return { row, facts };
  }

  /**
   * The keys of the deadlines the custody facts themselves give now (no trigger event: the intake's release-eligible
   * time, say). Read before a correction of those facts, for `recompute`'s `custodyCorrected`.
   */
  async custodyKeys(tx: EntityManager, caseId: string, now: Date): Promise<Set<string>> {
    const { facts } = await this.caseFacts(tx, caseId);
    return new Set(computeDeadlines(facts, ruleSetFor(now)).filter((d) => !d.triggerEventId).map((d) => d.key));
  }

  /** The deadlines the case's facts give now, by key: read before a correction of its place, for `recompute`'s `placeCorrected`. */
  async computedNow(tx: EntityManager, caseId: string, now: Date): Promise<Map<string, ComputedDeadline>> {
    const { facts } = await this.caseFacts(tx, caseId);
    return new Map(computeDeadlines(facts, ruleSetFor(now)).map((d) => [d.key, d]));
  }

  /**
   * With `custodyCorrected` (a correction of the intake's custody facts, not an event: the keys `custodyKeys` gave
   * before it): a deadline the old facts gave and the corrected ones do not never applied, and is superseded whatever
   * its status, as one counted from a retracted event is. Otherwise only open ones are (a deadline that stopped being
   * computed because something happened, a release say, keeps its record), and those missed on arrival
   * (missedOnArrival: never followed; a detainer hold's only when another time replaced it).
   *
   * With `placeCorrected` (after a correction of the case's place, which says where the person was all along since the
   * last transfer: what the facts before it computed, computedNow): a missed deadline that was where those facts put it
   * (not one left behind by a transfer) and that the corrected place counts to another time takes it, and is open again
   * when the system found it missed and that time is still ahead.
   */
  async recompute(
    tx: EntityManager,
    caseId: string,
    now: Date,
    options: { custodyCorrected?: ReadonlySet<string>; placeCorrected?: ReadonlyMap<string, ComputedDeadline> } = {},
  ): Promise<Timeline> {
    const { row, facts } = await this.caseFacts(tx, caseId);
    const ruleSet = ruleSetFor(now);
    const computed = computeDeadlines(facts, ruleSet);
    const flags = computeFlags(facts, ruleSet);
    const coverage = await this.coverageFlag(tx, row);
    if (coverage) flags.push(coverage);

    const existing: DeadlineRow[] = await tx.query(
      `SELECT d.*, $2::text AS reference FROM deadlines d WHERE d.case_id = $1 AND d.superseded_at IS NULL`,
      [caseId, row.reference],
    );
    const byKey = new Map(existing.map((d) => [d.key, d]));
    const computedKeys = new Set(computed.map((d) => d.key));
    // The same deadline under a new key: a date-only trigger's key holds its midnight in the zone it is read in, so a
    // corrected place changes the key. What was recorded on it (met or missed, the note, who and when) carries over to
    // the new row; otherwise a deadline already met came back open beside it.
    const carried = new Map<string, DeadlineRow>();
    // Or the same deadline from another entry of its trigger: the same rule, due at the same time, no longer computed,
    // from the same entry (the same bond decision entered again by its date, now the one counted: its appeal, marked
    // met, must not come back open beside it). The same entry: the same type and data, on the same local day where it
    // happened; another outcome, another motion's ruling, another day's decision or move due the same day is not.
    // Only a row whose own trigger no longer gives that rule anything stands in by its time (two denials of one day
    // each have their appeal: read elsewhere, each keeps its own), and each stored row is carried once at most.
    const events = new Map(facts.events.map((e) => [e.id, e]));
    const entryDay = (e: CaseEventFact): string | null => {
      try {
        // Read where its day is (at a place whose zone is uncertain, `dayZone`), as the rules count it.
        const zone = typeof e.data?.dayZone === 'string' ? e.data.dayZone : typeof e.data?.timeZone === 'string' ? e.data.timeZone : row.time_zone;
        return parseInstant(e.occurredAt, zone, 'occurredAt').toISODate();
      } catch {
        return null; // a retracted entry whose time no longer reads: not the same as any
      }
    };
    // The data without where it was read (a zone given, or the case's taken): the day is compared in each entry's own.
    const said = (e: CaseEventFact) => {
      const { timeZone: _zone, timeZoneFromCase: _fromCase, dayZone: _dayZone, ...rest } = e.data ?? {};
      return JSON.stringify(rest);
    };
    const sameEntry = (a: CaseEventFact | undefined, b: CaseEventFact | undefined): boolean =>
      a !== undefined && b !== undefined && a.type === b.type && said(a) === said(b) && entryDay(a) !== null && entryDay(a) === entryDay(b);
    const triggerCounted = (s: DeadlineRow) => computed.some((c) => c.rule === s.rule && c.triggerEventId === s.trigger_event_id);
    const taken = new Set<string>();
    for (const d of computed) {
      if (!d.triggerEventId || byKey.has(d.key)) continue;
      const gone = existing.filter((s) => !computedKeys.has(s.key) && s.status !== 'open' && s.rule === d.rule && !taken.has(s.id));
      const sameTrigger = gone.filter((s) => s.trigger_event_id === d.triggerEventId);
      const sameTime = gone.filter((s) => s.due_at.getTime() === Date.parse(d.dueAt) && !triggerCounted(s)
        && sameEntry(events.get(s.trigger_event_id ?? ''), events.get(d.triggerEventId!)));
      const before = sameTrigger.length > 0 ? sameTrigger : sameTime;
      if (before.length === 1) {
        carried.set(d.key, before[0]);
        taken.add(before[0].id);
      }
    }
    // Or from the same entry, retracted: a retracted event's deadlines never applied, but a filing recorded on one (met,
    // waived) is this one's when the entry counted now is the same entry (the same rule and due time): of a ruling
    // entered twice, the entry marked was retracted, or an entry retracted was entered again.
    const unclaimed = computed.filter((d) => d.triggerEventId && !byKey.has(d.key) && !carried.has(d.key));
    if (unclaimed.length > 0) {
      // Every mark a person made, the latest first: one taken back since (reopened, or marked missed) is what stands.
      const marks: (DeadlineRow & { event: CaseEventFact })[] = (await tx.query(
        `SELECT d.*, e.type AS event_type, e.occurred_at AS event_occurred_at, e.data AS event_data
           FROM deadlines d JOIN case_events e ON e.id = d.trigger_event_id
          WHERE d.case_id = $1 AND d.superseded_at IS NOT NULL AND e.retracted_at IS NOT NULL AND d.status_changed_by IS NOT NULL
          ORDER BY d.status_changed_at DESC, d.id`,
        [caseId],
      )).map((m: DeadlineRow & { event_type: CaseEventFact['type']; event_occurred_at: string; event_data: Record<string, unknown> }) =>
        ({ ...m, event: { id: m.trigger_event_id!, type: m.event_type, occurredAt: m.event_occurred_at, data: m.event_data } }));
      for (const d of unclaimed) {
        const trigger = events.get(d.triggerEventId!);
        const mark = marks.find((m) => !taken.has(m.id) && m.rule === d.rule && m.due_at.getTime() === Date.parse(d.dueAt) && sameEntry(m.event, trigger));
        if (mark && (mark.status === 'met' || mark.status === 'waived')) {
          carried.set(d.key, mark);
          taken.add(mark.id);
        }
      }
    }
    // A stored open row takes a person's mark (met, waived) from its twin: the same entry stored twice, both counted
    // until a rule set counted them as one (2026.10), the twin no longer computed: the filing recorded on the entry no
    // longer counted is the one counted now's. After the new keys, which claim their own first.
    const marked = new Map<string, DeadlineRow>();
    for (const d of computed) {
      const stored = byKey.get(d.key);
      if (!d.triggerEventId || !stored || stored.status !== 'open') continue;
      const twin = existing.filter((s) => !computedKeys.has(s.key) && (s.status === 'met' || s.status === 'waived') && s.rule === d.rule
        && !taken.has(s.id) && s.due_at.getTime() === Date.parse(d.dueAt) && !triggerCounted(s)
        && sameEntry(events.get(s.trigger_event_id ?? ''), events.get(d.triggerEventId!)));
      if (twin.length === 1) {
        marked.set(stored.id, twin[0]);
        taken.add(twin[0].id);
      }
    }
    const carriedIds = new Set([...carried.values(), ...marked.values()].map((d) => d.id));
    // Whether a stored row no longer has what its own rule set computes from the facts now: then the facts moved it
    // (a corrected place), not a new rule set, and it follows. Older rule sets are computed again only when needed.
    const olderResults = new Map<string, Map<string, ComputedDeadline>>();
    const factsMoved = (stored: DeadlineRow, current: ComputedDeadline): boolean => {
      if (stored.rule_version === current.ruleVersion) return !sameTimes(stored, current);
      let results = olderResults.get(stored.rule_version);
      if (!results) {
        const set = RULE_SETS.find((candidate) => candidate.version === stored.rule_version);
        results = new Map(set ? computeDeadlines(facts, set).map((d) => [d.key, d]) : []);
        olderResults.set(stored.rule_version, results);
      }
      const own = results.get(stored.key);
      return own !== undefined && !sameTimes(stored, own);
    };
    const neverApplied = (d: DeadlineRow) => d.trigger_event_id === null && options.custodyCorrected?.has(d.key) === true;
    // A detainer hold missed on arrival goes only when another time replaced it (the one typed was wrong): ended (a
    // transfer to ICE, a release), it stays, as the record that the jail held the person past the 48 hours.
    const replacedOnArrival = (d: DeadlineRow) =>
      missedOnArrival(d) && (!URGENCY_POLICY.detainerRules.includes(d.rule) || computed.some((c) => c.rule === d.rule));
    const stale = existing
      .filter((d) => !computedKeys.has(d.key) && (d.status === 'open' || carriedIds.has(d.id) || neverApplied(d) || replacedOnArrival(d)))
      .map((d) => d.id);
    if (stale.length) await tx.query(`UPDATE deadlines SET superseded_at = $2 WHERE id = ANY($1)`, [stale, now]);
    for (const [id, twin] of marked) {
      await tx.query(
        `UPDATE deadlines SET status = $2, status_note = $3, status_changed_by = $4, status_changed_at = $5 WHERE id = $1`,
        [id, twin.status, twin.status_note, twin.status_changed_by, twin.status_changed_at],
      );
    }
    for (const d of computed) {
      const stored = byKey.get(d.key);
      if (stored) {
        // Same trigger, but counted otherwise now: in another zone (the case was transferred, and the rule counts where
        // the person is), or, under the same rule set, to another time (the case's place was corrected, so the trigger's
        // day is read elsewhere, though a rule counted in Eastern time keeps its zone). An open deadline follows, so that
        // the board, the calendar, the reminders and the sweep use the time urgency is assessed on. A new rule set
        // alone moves nothing: a stored deadline keeps what its rule set computed when it was stored.
        const moved = stored.time_zone !== d.timeZone || factsMoved(stored, d);
        if (moved && stored.status === 'open') {
          // Computed again now, so under the rule set in force: its version and citation come along.
          await tx.query(
            `UPDATE deadlines SET due_at = $2, time_zone = $3, outer_limit_at = $4, opens_at = $5, label = $6, citation = $7, rule_version = $8
              WHERE id = $1`,
            [stored.id, d.dueAt, d.timeZone, d.outerLimitAt ?? null, d.opensAt ?? null, d.label, d.citation, d.ruleVersion],
          );
          await this.tellReopenedMoved(tx, row, stored.id, stored.id, d, now);
        } else if (moved && stored.status === 'missed' && wasFollowing(stored, options.placeCorrected?.get(d.key))) {
          // A correction says where the person was all along: a missed deadline was due at the time read there, and
          // a missed hold's outer limit ends there. One the system found missed (a person's mark stands) whose corrected
          // time, with its grace, is still ahead was never missed: open again (its unsent alert is then cancelled at
          // delivery). A transfer moves none: what was missed before it was missed where the person was then, and a
          // later correction, which concerns the place since the transfer, leaves it there (wasFollowing).
          const graceMs = (missedGraceHours()[d.rule] ?? 0) * 3600_000;
          const reopened = !stored.status_changed_by && Date.parse(d.dueAt) + graceMs >= now.getTime();
          await tx.query(
            `UPDATE deadlines SET due_at = $2, time_zone = $3, outer_limit_at = $4, opens_at = $5, label = $6, citation = $7, rule_version = $8
                    ${reopened ? `, status = 'open', status_changed_at = NULL, status_note = NULL` : ''}
              WHERE id = $1`,
            [stored.id, d.dueAt, d.timeZone, d.outerLimitAt ?? null, d.opensAt ?? null, d.label, d.citation, d.ruleVersion],
          );
          // Its alerts give their keys up, as at a person's reopen: missed at its new time, it is told again (one sent
          // stood in the way). One not sent is not sent.
          if (reopened) {
            const [{ told }]: { told: boolean }[] = await tx.query(
              `WITH renamed AS (
                 UPDATE notifications SET dedupe_key = dedupe_key || ':earlier:' || id,
                        cancelled_at = CASE WHEN sent_at IS NULL THEN coalesce(cancelled_at, $2) ELSE cancelled_at END,
                        last_error = CASE WHEN sent_at IS NULL AND cancelled_at IS NULL THEN 'cancelled: no longer missed (its place corrected)' ELSE last_error END
                  WHERE kind = 'deadline.missed' AND dedupe_key LIKE 'missed:' || $1::text || ':%' AND dedupe_key NOT LIKE '%:earlier:%'
                  RETURNING sent_at
               ) SELECT EXISTS (SELECT 1 FROM renamed WHERE sent_at IS NOT NULL) AS told`,
              [stored.id, now],
            );
            // Someone was emailed that it was missed: they are told it is not, and by when to act (the board shows it
            // open, but an email saying MISSED is what they would go by).
            if (told) await this.tellReopened(tx, row, stored.id, d, now);
          }
        }
        continue;
      }
      // A missed one carries over only if the new time has passed too (with its grace): else the sweep decides again.
      // One a person marked missed stays so, wherever it is counted now (their mark and note carry).
      const graceMs = (missedGraceHours()[d.rule] ?? 0) * 3600_000;
      const carry = carried.get(d.key);
      const before = carry && !(carry.status === 'missed' && !carry.status_changed_by && Date.parse(d.dueAt) + graceMs >= now.getTime()) ? carry : undefined;
      // A superseded row with this key may exist (trigger changed and changed back): revive it, as recorded now. One
      // marked met stays so, with its note and who marked it, unless a row of the same rule and trigger was marked
      // since (KEEPS_MARK): the same key is the same trigger and due time (a custody fact corrected away and back), and
      // a filing made does not come back open, to be swept missed and emailed as such.
      await tx.query(
        `INSERT INTO deadlines (case_id, organization_id, key, rule, label, due_at, time_zone, outer_limit_at, opens_at,
                                citation, rule_version, note, trigger_event_id, case_closed,
                                status, status_note, status_changed_by, status_changed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
         ON CONFLICT (case_id, key) DO UPDATE SET superseded_at = NULL, label = EXCLUDED.label, due_at = EXCLUDED.due_at,
           time_zone = EXCLUDED.time_zone, outer_limit_at = EXCLUDED.outer_limit_at, opens_at = EXCLUDED.opens_at,
           citation = EXCLUDED.citation, rule_version = EXCLUDED.rule_version, note = EXCLUDED.note,
           trigger_event_id = EXCLUDED.trigger_event_id, case_closed = EXCLUDED.case_closed,
           status = CASE WHEN ${KEEPS_STATUS} THEN deadlines.status ELSE EXCLUDED.status END,
           status_note = CASE WHEN ${KEEPS_STATUS} THEN deadlines.status_note ELSE EXCLUDED.status_note END,
           status_changed_by = CASE WHEN ${KEEPS_STATUS} THEN deadlines.status_changed_by ELSE EXCLUDED.status_changed_by END,
           status_changed_at = CASE WHEN ${KEEPS_STATUS} THEN deadlines.status_changed_at ELSE EXCLUDED.status_changed_at END,
           created_at = CASE WHEN ${MISSED_WHILE_FOLLOWED} THEN deadlines.created_at ELSE EXCLUDED.created_at END`,
        [caseId, row.organization_id, d.key, d.rule, d.label, d.dueAt, d.timeZone, d.outerLimitAt ?? null,
         d.opensAt ?? null, d.citation, d.ruleVersion, d.note ?? null, d.triggerEventId ?? null, row.status === 'closed',
         before?.status ?? 'open', before?.status_note ?? null, before?.status_changed_by ?? null, before?.status_changed_at ?? null,
         // Written now, a revived row too: nobody followed it while it was superseded, and back as of now it is judged
         // as a new one would be (missed on arrival; missed long ago: a 2025 appeal a new rule set brings back alerts
         // no one). But one missed while it was followed keeps when it was written: swept missed again, it is still
         // that record, not one missed on arrival (which the next change of its trigger would take away). A row that
         // carries another's record is that deadline: it keeps when that one was written (missed on arrival or not).
         before?.created_at ?? now],
      );
      // A deadline the system found missed, whose new row (a corrected place, its date-only trigger's key another) is
      // open again: those emailed MISSED are told it is not, as for one that kept its key.
      if (carry?.status === 'missed' && !before && options.placeCorrected) {
        const [{ told }]: { told: boolean }[] = await tx.query(
          `SELECT EXISTS (SELECT 1 FROM notifications WHERE kind = 'deadline.missed' AND dedupe_key LIKE 'missed:' || $1::text || ':%'
                             AND dedupe_key NOT LIKE '%:earlier:%' AND sent_at IS NOT NULL) AS told`,
          [carry.id],
        );
        if (told) {
          const [{ id: reopenedId }] = await tx.query(`SELECT id FROM deadlines WHERE case_id = $1 AND key = $2`, [caseId, d.key]);
          await this.tellReopened(tx, row, reopenedId, d, now);
        }
      }
      // An open deadline told "open again", under a new key now (its date-only trigger read elsewhere again): the row
      // it leaves (superseded above: an open one is not carried) gives its "open again" the new time.
      const left = d.triggerEventId ? existing.filter((s) => stale.includes(s.id) && s.status === 'open' && s.rule === d.rule && s.trigger_event_id === d.triggerEventId) : [];
      if (left.length === 1) {
        const [{ id: movedId }] = await tx.query(`SELECT id FROM deadlines WHERE case_id = $1 AND key = $2`, [caseId, d.key]);
        await this.tellReopenedMoved(tx, row, left[0].id, movedId, d, now);
      }
      // A missed deadline carried over to its new row: the coordinators' alerts not yet sent follow it (the old row's
      // are cancelled once it is superseded), with its time as it now reads; those sent stay sent, and are not repeated.
      if (before?.status === 'missed') {
        const [{ id }] = await tx.query(`SELECT id FROM deadlines WHERE case_id = $1 AND key = $2`, [caseId, d.key]);
        const text = missedText(
          { reference: row.reference, label: d.label, due_at: new Date(d.dueAt), time_zone: d.timeZone, citation: d.citation, outer_limit_at: d.outerLimitAt ? new Date(d.outerLimitAt) : null },
          { status: row.status, hasAttorney: row.assigned_attorney_id !== null }, now,
        );
        // The key keeps what follows the deadline's id (the recipient, and an admin's `:stand-in` or a hand-over's
        // `:to:<admin>`: each copy stays a key of its own), and an admin's copy its text, which says nothing of the case.
        await tx.query(
          `UPDATE notifications SET dedupe_key = 'missed:' || $2::text || substr(dedupe_key, length('missed:' || $1::text) + 1),
                  subject = CASE WHEN dedupe_key LIKE '%' || $5 THEN subject ELSE $3 END,
                  body = CASE WHEN dedupe_key LIKE '%' || $5 THEN body ELSE $4 END
            WHERE kind = 'deadline.missed' AND dedupe_key LIKE 'missed:' || $1::text || ':%' AND sent_at IS NULL AND cancelled_at IS NULL
              -- A row revived (its trigger changed and changed back) may have had its own alert: that one stands.
              AND NOT EXISTS (SELECT 1 FROM notifications m
                               WHERE m.dedupe_key = 'missed:' || $2::text || substr(notifications.dedupe_key, length('missed:' || $1::text) + 1))`,
          [before.id, id, text.subject, text.body, STAND_IN_KEY_SUFFIX],
        );
      }
    }
    // Past due is missed; an appointment (a hearing) only once its grace has passed with no outcome recorded. A closed
    // case's deadlines are no longer followed: none becomes missed (a status change on one recomputes the case).
    const newlyMissed: DeadlineRow[] = row.status === 'closed' ? [] : await tx.query(
      `WITH missed AS (
         -- The system marks it: who reopened it before, and why, is no longer what its status says (the audit keeps it).
         UPDATE deadlines SET status = 'missed', status_changed_at = $2, status_changed_by = NULL, status_note = NULL
          WHERE case_id = $1 AND superseded_at IS NULL AND status = 'open' AND ${PAST_GRACE_SQL('$2', '$4')} RETURNING *
       ) SELECT missed.*, $3::text AS reference FROM missed`,
      [caseId, now, row.reference, MISSED_GRACE_JSON],
    );
    await this.escalateMissed(tx, row.organization_id, caseId, newlyMissed.filter((d) => !missedLongAgo(d, now)), now);
    const current: DeadlineRow[] = await tx.query(
      `SELECT d.*, $2::text AS reference FROM deadlines d WHERE d.case_id = $1 AND d.superseded_at IS NULL ORDER BY d.due_at`,
      [caseId, row.reference],
    );
    const byKeyComputed = new Map(computed.map((d) => [d.key, d]));
    const urgencyInput = {
      // A deadline no longer open keeps its stored times and zone (only open ones follow a transfer or a correction):
      // a missed one's reason must say when it was due, not the time it would have in the new zone.
      deadlines: current.filter((d) => byKeyComputed.has(d.key)).map((d) => d.status === 'open'
        ? { ...byKeyComputed.get(d.key)!, status: d.status }
        : { ...byKeyComputed.get(d.key)!, ...storedTimes(d), status: d.status }),
      flags,
      custodyStatus: row.custody_status,
      placeName: facts.custody.placeName,
      now,
    };
    // A closed case is no longer followed: nothing about it is urgent, and nothing will become so.
    const closed = row.status === 'closed';
    const urgency: Urgency = closed ? CLOSED_URGENCY : assessUrgency(urgencyInput);
    await tx.query(
      `UPDATE cases SET urgency_level = $2, urgency_reasons = $3, next_deadline_at = $4, flags = $5, urgency_review_at = $6,
                        urgency_order_at = $7 WHERE id = $1`,
      [caseId, urgency.level, JSON.stringify(urgency.reasons), urgency.nextDeadlineAt, JSON.stringify(flags),
       closed ? null : urgencyReviewAt(urgencyInput), closed ? null : urgencyOrderAt(urgencyInput)],
    );
    // Last: its audit event takes the chain's head, which a transaction takes after everything else (architecture.md).
    if (row.status === 'offered') await this.shortenOpenOffer(tx, row, urgency.level, now);
    return { deadlines: current.map(toDeadlineView), urgency, flags, newlyMissed: newlyMissed.map(toDeadlineView) };
  }

  /**
   * The timeline of a case being opened, computed in memory before its row is written (no events, no stored
   * deadlines yet): the intake path then writes the case with its urgency, and the deadlines in one statement.
   */
  planNew(facts: NewCaseFacts, now: Date): NewCasePlan {
    const ruleSet = ruleSetFor(now);
    const dayZone = facts.place.facility_name ? undefined : uncertainDayZone(facts.place.state, facts.place.county, facts.custody.timeZone);
    const full: CaseFacts = {
      custody: { ...facts.custody, ...(dayZone ? { dayZone } : {}), placeName: placeName(facts.place) },
      events: [],
      jail287g: facts.jail287g,
      hasCounsel: false,
      criminalHistoryDeclared: facts.criminalHistoryDeclared,
    };
    const computed = computeDeadlines(full, ruleSet);
    const flags = computeFlags(full, ruleSet);
    const withStatus = computed.map((d) => ({ ...d, status: (Date.parse(d.dueAt) < now.getTime() ? 'missed' : 'open') as DeadlineStatus }));
    const urgencyInput = { deadlines: withStatus, flags, custodyStatus: full.custody.status, placeName: full.custody.placeName, now };
    return {
      deadlines: withStatus,
      flags,
      urgency: assessUrgency(urgencyInput),
      urgencyReviewAt: urgencyReviewAt(urgencyInput),
      urgencyOrderAt: urgencyOrderAt(urgencyInput),
    };
  }

  /**
   * A planned new case's deadlines as the rows they will be, with new ids, in due order: the intake knows its whole
   * answer before it writes anything (and stores it with its Idempotency-Key in the same statement as the case).
   */
  plannedRows(c: { id: string; reference: string }, plan: NewCasePlan): PlannedDeadlineRow[] {
    return plan.deadlines
      .map((d) => ({
        id: randomUUID(),
        case_id: c.id,
        reference: c.reference,
        key: d.key,
        rule: d.rule,
        label: d.label,
        due_at: new Date(d.dueAt),
        time_zone: d.timeZone,
        outer_limit_at: d.outerLimitAt ? new Date(d.outerLimitAt) : null,
        opens_at: d.opensAt ? new Date(d.opensAt) : null,
        citation: d.citation,
        rule_version: d.ruleVersion,
        note: d.note ?? null,
        status: d.status,
        trigger_event_id: d.triggerEventId ?? null,
      }))
      .sort((x, y) => x.due_at.getTime() - y.due_at.getTime());
  }

  /** Writes plannedRows() in one statement (and escalates any already missed at intake, but those missed long ago). */
  async insertPlanned(tx: EntityManager, organizationId: string, rows: PlannedDeadlineRow[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    await preparedQuery(tx, INSERT_PLANNED_SQL, [
      rows[0].case_id, organizationId, rows.map((x) => x.id), rows.map((x) => x.key), rows.map((x) => x.rule),
      rows.map((x) => x.label), rows.map((x) => x.due_at), rows.map((x) => x.time_zone), rows.map((x) => x.outer_limit_at),
      rows.map((x) => x.opens_at), rows.map((x) => x.citation), rows.map((x) => x.rule_version), rows.map((x) => x.note),
      rows.map((x) => x.trigger_event_id), rows.map((x) => x.status), now,
    ]);
    await this.escalateMissed(tx, organizationId, rows[0].case_id, rows.filter((r) => r.status === 'missed' && !missedLongAgo(r, now)), now);
  }

  /**
   * An open offer made while the case was less urgent (its `window_level`) gives its attorney no longer than the
   * current level's answer window (the organization's `offerWindowsMinutes`) from now: a case that turned critical does
   * not wait out the 24 hours of a high one before the next attorney is asked. Once per level: the offer then holds
   * the new level, so a recomputation at the same level, or a change of the organization's windows, moves nothing.
   * Never lengthened; an offer already past its time is left to the expiry job. Audited (`referral.shorten`, by the
   * system), and the attorney is emailed the new time. The case row is locked by the caller, then the referral.
   */
  private async shortenOpenOffer(tx: EntityManager, row: CaseFactsRow, level: Urgency['level'], now: Date): Promise<void> {
    const shortened: { id: string; attorney_id: string; respond_by: Date; before: Date }[] = await tx.query(
      `WITH windowed AS (
         SELECT r.id, r.respond_by AS before, $3::timestamptz + make_interval(mins => (o.offer_windows_minutes->>$2::text)::int) AS due
           FROM referrals r JOIN organizations o ON o.id = r.organization_id
          WHERE r.case_id = $1 AND r.status = 'offered' AND r.respond_by > $3
            -- An offer with no level (made by an older instance during an upgrade) counts as the least urgent: never
            -- lengthened, it moves only if the new level's window from now ends sooner.
            AND array_position($4::text[], $2::text) > array_position($4::text[], COALESCE(r.window_level, 'low'))
       ), shortened AS (
         UPDATE referrals r SET respond_by = LEAST(r.respond_by, w.due), window_level = $2 FROM windowed w
          WHERE r.id = w.id
         RETURNING r.id, r.attorney_id, r.respond_by, w.before
       )
       SELECT * FROM shortened`,
      [row.id, level, now, ['low', 'normal', 'high', 'critical']],
    );
    const moved = shortened.filter((r) => r.respond_by.getTime() < r.before.getTime());
    if (moved.length === 0) return;
    const [{ time_zone: zone }] = await tx.query(`SELECT time_zone FROM organizations WHERE id = $1`, [row.organization_id]);
    await this.outbox.enqueue(
      tx,
      moved.map((r) => ({
        organizationId: row.organization_id,
        recipientId: r.attorney_id,
        kind: 'referral.offer',
        // Under the offer's key, so that an answered or withdrawn offer cancels it too; once per level.
        dedupeKey: `offer:${r.id}:sooner:${level}`,
        caseId: row.id,
        subject: `[Amparo] Referral ${row.reference} is now ${level}: please answer by ${localWhen(r.respond_by, zone)}`,
        body: `The case ${row.reference} you were offered became more urgent (${level}).\nPlease accept or decline in Amparo before ${localWhen(r.respond_by, zone)} (${zone}); after that it goes to another attorney.`,
      })),
    );
    for (const r of moved) {
      await this.audit.record(tx, {
        organizationId: row.organization_id, actorId: null, actorRole: 'system', action: 'referral.shorten',
        caseId: row.id, caseReference: row.reference,
        details: { referralId: r.id, attorneyId: r.attorney_id, level, from: r.before.toISOString(), to: r.respond_by.toISOString() },
      });
    }
  }

  /** Tells every active coordinator, once per deadline and coordinator (the outbox's key), that deadlines were missed. */
  /** A departed coordinator's unsent alerts, handed over (OutboxService.handOver): for a case reopened since. */
  async handOver(tx: EntityManager, organizationId: string, fromUserId: string): Promise<number> {
    return this.outbox.handOver(tx, organizationId, fromUserId);
  }

  /** The organization's hand-over lock (OutboxService.holdHandOvers), taken before a case row that may hand over. */
  async holdHandOvers(tx: EntityManager, organizationId: string): Promise<void> {
    await this.outbox.holdHandOvers(tx, organizationId);
  }

  /**
   * A deadline emailed as missed, open again because the case's place was corrected (recompute's `placeCorrected`):
   * the coordinators are told it is open and when it is due now. Once per deadline and due time; not sent once the
   * deadline is no longer open (the delivery's check).
   */
  private async tellReopened(tx: EntityManager, row: CaseFactsRow, deadlineId: string, d: ComputedDeadline, now: Date, movedAgain = false): Promise<void> {
    const coordinators = await this.outbox.coordinators(tx, row.organization_id);
    const text = reopenedText(
      { reference: row.reference, label: d.label, due_at: new Date(d.dueAt), time_zone: d.timeZone, citation: d.citation, outer_limit_at: d.outerLimitAt ? new Date(d.outerLimitAt) : null },
      now,
      movedAgain,
    );
    await this.outbox.enqueue(tx, coordinators.map((recipient) => ({
      organizationId: row.organization_id,
      recipientId: recipient,
      kind: 'deadline.reopened',
      dedupeKey: `reopened:${deadlineId}:${Date.parse(d.dueAt)}:${recipient}`,
      caseId: row.id,
      ...text,
    })));
  }

  /**
   * An open deadline whose "open again" was written (sent, or waiting to be) moved since (`fromId`, the row told; `toId`,
   * the row now, the same or its new key's): that email's time is no longer true, and one not sent yet is cancelled at
   * delivery (its key names the time it tells). The coordinators are told the new time: otherwise a second correction
   * before the first email went left them believing the deadline missed.
   */
  private async tellReopenedMoved(tx: EntityManager, row: CaseFactsRow, fromId: string, toId: string, d: ComputedDeadline, now: Date): Promise<void> {
    const [{ told }]: { told: boolean }[] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM notifications WHERE kind = 'deadline.reopened' AND dedupe_key LIKE 'reopened:' || $1::text || ':%'
                         AND dedupe_key NOT LIKE 'reopened:' || $1::text || ':' || $2::text || ':%'
                         AND (sent_at IS NOT NULL OR cancelled_at IS NULL)) AS told`,
      [fromId, String(Date.parse(d.dueAt))],
    );
    if (!told) return;
    // Back at a time told before (a correction undone): those emails' keys are given up (one not sent is not sent), so
    // that this one is written; the last time told would otherwise stand.
    await tx.query(
      `UPDATE notifications SET dedupe_key = dedupe_key || ':earlier:' || id,
              cancelled_at = CASE WHEN sent_at IS NULL THEN coalesce(cancelled_at, $3) ELSE cancelled_at END,
              last_error = CASE WHEN sent_at IS NULL AND cancelled_at IS NULL THEN 'cancelled: its time was told again' ELSE last_error END
        WHERE kind = 'deadline.reopened' AND dedupe_key LIKE 'reopened:' || $1::text || ':' || $2::text || ':%' AND dedupe_key NOT LIKE '%:earlier:%'`,
      [toId, String(Date.parse(d.dueAt)), now],
    );
    await this.tellReopened(tx, row, toId, d, now, true);
  }

  async escalateMissed(tx: EntityManager, organizationId: string, caseId: string, missed: DeadlineRow[], now: Date): Promise<void> {
    if (missed.length === 0) return;
    const coordinators = await this.outbox.coordinators(tx, organizationId);
    const [holder]: { status: string; hasAttorney: boolean }[] = await tx.query(
      `SELECT status, assigned_attorney_id IS NOT NULL AS "hasAttorney" FROM cases WHERE id = $1`, [caseId]);
    // Missed again after an alert of it was cancelled unsent (a hearing missed on arrival, superseded by its decision,
    // back when the decision is retracted): that one gives its key to the new one, as a person's mark does (:earlier:;
    // a reopen revives no alert a later one replaced). One pending or sent stands: this deadline is told once.
    // The keys of those that stand, read in the same statement: a copy handed over to someone (`...:to:<recipient>...`)
    // is their alert of the deadline, and they are not written another. (An event retracted and entered again is a new
    // deadline, told again: telling a missing twice is the lesser error than not telling one, and a deadline of the
    // same rule and time may well be another's: two denials of one day, another client's decision retracted.)
    const standing: { dedupe_key: string }[] = await tx.query(
      `WITH renamed AS (
         UPDATE notifications SET dedupe_key = dedupe_key || ':earlier:' || id
          WHERE case_id = $2 AND kind = 'deadline.missed' AND sent_at IS NULL AND cancelled_at IS NOT NULL AND dedupe_key NOT LIKE '%:earlier:%'
            AND split_part(dedupe_key, ':', 2) = ANY($1::text[])
       )
       SELECT dedupe_key FROM notifications
        WHERE case_id = $2 AND kind = 'deadline.missed' AND cancelled_at IS NULL AND dedupe_key NOT LIKE '%:earlier:%'
          AND split_part(dedupe_key, ':', 2) = ANY($1::text[])`,
      [missed.map((d) => d.id), caseId],
    );
    const toldAlready = (d: DeadlineRow, recipient: string) =>
      standing.some((n) => n.dedupe_key.startsWith(`missed:${d.id}:`) && n.dedupe_key.includes(`:to:${recipient}`));
    // Missed as it is written (created now): held a few minutes, but a detainer hold's (someone may be held on it now).
    const hold = (d: DeadlineRow) =>
      (d.created_at ?? now).getTime() === now.getTime() && !URGENCY_POLICY.detainerRules.includes(d.rule)
        ? new Date(now.getTime() + MISSED_ON_ARRIVAL_ALERT_MINUTES * 60_000)
        : undefined;
    await this.outbox.enqueue(
      tx,
      missed.flatMap((d) =>
        coordinators.filter((recipient) => !toldAlready(d, recipient)).map((recipient) => ({
          organizationId,
          recipientId: recipient,
          kind: 'deadline.missed',
          dedupeKey: `missed:${d.id}:${recipient}`,
          caseId,
          ...missedText(d, holder, now),
          notBefore: hold(d),
        })),
      ),
    );
  }

  /**
   * After a transfer, the assigned attorney may not cover the new facility. The attorney is not dropped: the case is
   * flagged, and the coordinators are told once per facility.
   */
  private async coverageFlag(tx: EntityManager, row: CaseFactsRow): Promise<Flag | null> {
    if (row.status !== 'assigned' || !row.assigned_attorney_id || !row.facility_code) return null;
    const [profile]: { facility_codes: string[]; states: string[] }[] = await tx.query(
      `SELECT facility_codes, states FROM attorney_profiles WHERE user_id = $1`,
      [row.assigned_attorney_id],
    );
    if (!profile || profile.facility_codes.includes(row.facility_code) || (row.state && profile.states.includes(row.state))) return null;
    const coordinators = await this.outbox.coordinators(tx, row.organization_id);
    await this.outbox.enqueue(tx, coordinators.map((recipient) => ({
      organizationId: row.organization_id,
      recipientId: recipient,
      kind: 'case.coverage',
      dedupeKey: `coverage:${row.id}:${row.facility_code}:${recipient}`,
      caseId: row.id,
      subject: `[Amparo] ${row.reference}: the assigned attorney does not cover facility ${row.facility_code}`,
      body: `Case ${row.reference} was transferred to ${row.facility_code}, which its attorney does not cover. Please review.`,
    })));
    return {
      code: 'attorney_coverage' as Flag['code'],
      label: `Transferred to ${row.facility_code}, which the assigned attorney does not cover: coordinator to review`,
    };
  }
}

/** Facility names are upper case in the source; reasons read better in title case. */
function titleCase(name: string): string {
  // A capital at the start of each word and after a dot or "&" ("U.S.", "DD&P"), and after an apostrophe but for a
  // possessive ("O'Neill", "Sheriff's").
  return name.toLowerCase().replace(/(^|[\s\-/(.&]|'(?!s\b))([a-z])/g, (_, before: string, c: string) => before + c.toUpperCase());
}
