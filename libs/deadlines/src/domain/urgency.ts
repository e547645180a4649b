import { DateTime } from 'luxon';
import { fromJsDate, parseInstant, requireZone } from './input';
import { missedGraceHours } from './rule-set';
import type { CustodyStatus, DeadlineStatus, FlagCode, Urgency, UrgencyInput, UrgencyLevel } from './types';

export interface UrgencyPolicy {
  /** An open deadline due within this many hours makes the case critical (and so on down). */
  criticalWithinHours: number;
  highWithinHours: number;
  normalWithinHours: number;
  /** Rules whose deadline is a running hold: critical from `opensAt` until the outer limit passes. */
  detainerRules: readonly string[];
  /** A detainer counts only while the person may still be in the jail. */
  detainerCustody: readonly CustodyStatus[];
  /** Rules whose deadline is an appointment (a hearing): once its time has passed, what is due is its outcome. */
  appointmentRules: readonly string[];
  /**
   * A missed deadline is critical until this many days after it was due, high after: one missed long ago (an arrival
   * years back, recorded for the bond flag, makes the asylum one-year deadline missed years ago) is history to act
   * on, not an emergency. Not a detainer hold. Nobody is alerted when the system finds one that was so long past
   * when it was first written (case-timeline).
   */
  staleMissedAfterDays: number;
  /**
   * Rules whose deadline is guidance, not law (the DACA renewal window: a later filing is still accepted): they make a
   * case `high` at most, whether due soon, overdue or missed. Critical is for what is lost when the time passes (a
   * hold, an appeal): a DACA window missed made a hotline call critical, auto-offered with the two-hour window at night.
   */
  guidanceRules: readonly string[];
  flagLevels: Partial<Record<FlagCode, UrgencyLevel>>;
  custodyLevels: Partial<Record<CustodyStatus, UrgencyLevel>>;
}

export const URGENCY_POLICY: UrgencyPolicy = {
  criticalWithinHours: 72,
  highWithinHours: 7 * 24,
  normalWithinHours: 30 * 24,
  detainerRules: ['detainer_hold'],
  detainerCustody: ['local_jail', 'unknown'],
  appointmentRules: ['bond_hearing'],
  staleMissedAfterDays: 30,
  guidanceRules: ['daca_renewal'],
  flagLevels: { detained_without_counsel: 'high', jail_287g: 'high' },
  custodyLevels: { ice_detention: 'normal' },
};

const RANK: Record<UrgencyLevel, number> = { critical: 3, high: 2, normal: 1, low: 0 };
/** An appointment's grace before it counts as missed, by rule (the rule set in force decides it for every row). */
const GRACE_HOURS = missedGraceHours();
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

interface Reason {
  level: UrgencyLevel;
  text: string;
  /**
   * Within a level: the clocks running (open deadlines and detainer holds, by the time that orders the case, see
   * urgencyOrderAt), then other missed deadlines (the latest first), then flags, then missed ones long past, then
   * custody. A coordinator reads the first reason as why the case is where it is on the list.
   */
  order: [number, number];
}

const ORDER = { running: 0, missed: 1, flag: 2, staleMissed: 3, custody: 4 } as const;
/** Flags named before the others of their level: what is wrong now before what risks going wrong. */
const FIRST_FLAGS: readonly FlagCode[] = ['detained_without_counsel'];

interface ParsedDeadline {
  rule: string;
  label: string;
  status: DeadlineStatus;
  dueAtIso: string;
  due: DateTime;
  opens?: DateTime;
  outer?: DateTime;
}

/** How urgent a case is now, with reasons a volunteer can read (local times with zone abbreviations). */
export function assessUrgency(input: UrgencyInput, policy: UrgencyPolicy = URGENCY_POLICY): Urgency {
  const now = fromJsDate(input.now, 'now');
  const deadlines = countedDeadlines(input, policy);

  const reasons: Reason[] = [
    ...deadlines.map((d) => capGuidance(d, deadlineReason(d, now, policy, input.placeName), policy)),
    ...input.flags.map((flag, i): Reason => ({
      level: policy.flagLevels[flag.code] ?? 'low',
      text: flag.label,
      order: [ORDER.flag, FIRST_FLAGS.includes(flag.code) ? i - input.flags.length : i],
    })),
    ...custodyReasons(input, policy),
  ].sort((a, b) => RANK[b.level] - RANK[a.level] || a.order[0] - b.order[0] || a.order[1] - b.order[1]);

  const open = deadlines.filter((d) => d.status === 'open').sort((a, b) => a.due.toMillis() - b.due.toMillis());
  return {
    level: reasons.reduce<UrgencyLevel>((max, r) => (RANK[r.level] > RANK[max] ? r.level : max), 'low'),
    reasons: reasons.length > 0 ? reasons.map((r) => r.text) : ['No open deadlines'],
    nextDeadlineAt: open[0]?.dueAtIso ?? null,
  };
}

/**
 * The time a case is ordered by within its level (the case list, most urgent first; the urgency review's backlog):
 * the earliest due time among the open deadlines counted (past when overdue) and the missed detainer holds (the end
 * of their 48 hours: the person may still be held, and acting now may still help). `nextDeadlineAt` counts open
 * deadlines only: by it a case whose hold was just missed sorted last among the critical ones, behind hearings days
 * away. A hearing past its time, in its grace, orders by the end of the grace (what is due is its outcome, a record
 * to make, not before a hold running out). Other missed deadlines order nothing (by their due time the oldest failure
 * would come first, ahead of a hold ending in hours): a case with nothing else comes after the others of its level.
 * null when nothing orders the case.
 */
export function urgencyOrderAt(input: UrgencyInput, policy: UrgencyPolicy = URGENCY_POLICY): string | null {
  const now = input.now.getTime();
  let first: DateTime | undefined;
  for (const d of countedDeadlines(input, policy)) {
    const by = runningBy(d, now, policy);
    if (by && (!first || by < first)) first = by;
  }
  return first?.toISO() ?? null;
}

/** The time an open deadline or a detainer hold orders by (urgencyOrderAt); undefined for another missed deadline. */
function runningBy(d: ParsedDeadline, nowMs: number, policy: UrgencyPolicy): DateTime | undefined {
  if (d.status !== 'open' && !isDetainer(d, policy)) return undefined;
  const inGrace = d.status === 'open' && policy.appointmentRules.includes(d.rule) && d.due.toMillis() < nowMs;
  return inGrace ? d.due.plus({ hours: GRACE_HOURS[d.rule] ?? 0 }) : d.due;
}

/** The open and missed deadlines urgency counts: an open detainer hold only while the jail may still hold the person. */
function countedDeadlines(input: UrgencyInput, policy: UrgencyPolicy): ParsedDeadline[] {
  return input.deadlines
    .map(parseDeadline)
    .filter((d) => d.status === 'open' || d.status === 'missed')
    .filter((d) => !isDetainer(d, policy) || d.status === 'missed' || policy.detainerCustody.includes(input.custodyStatus));
}

/**
 * A missed deadline due long enough ago to be history, high rather than critical (staleMissedAfterDays). Never a
 * detainer hold: a jail still holding someone on a hold missed so long ago (or a mistyped time) is urgent.
 */
function isStaleMissed(d: ParsedDeadline, nowMs: number, policy: UrgencyPolicy): boolean {
  return !isDetainer(d, policy) && d.due.toMillis() <= nowMs - policy.staleMissedAfterDays * DAY_MS;
}

/**
 * The next instant at which assessUrgency, given the same input, would answer otherwise with time alone: an open
 * deadline crossing into the normal, high or critical window or falling due, a detainer hold opening, ending or
 * passing its outer limit. null when nothing will change by itself (no open deadline). Stored with the case, so that
 * a job re-assesses it then: the stored level feeds the board's filter, the case list's order and offer windows.
 */
export function urgencyReviewAt(input: UrgencyInput, policy: UrgencyPolicy = URGENCY_POLICY): Date | null {
  const now = input.now.getTime();
  let next = Infinity;
  // In epoch milliseconds: the windows are real hours, as levelForDue counts them.
  const consider = (ms: number | undefined) => {
    if (ms !== undefined && ms > now && ms < next) next = ms;
  };
  for (const d of input.deadlines.map(parseDeadline)) {
    // A missed detainer hold still shows its outer limit until that passes.
    if (d.status === 'missed' && isDetainer(d, policy)) consider(d.outer?.toMillis());
    // A missed deadline's reason names its day without the year while it is this year's (formatLocal): it gains the
    // year when the year turns where it was due, or "was due Mon 7 Dec" would read as the coming December.
    if (d.status === 'missed') {
      // It is high, no longer critical, once it was due long enough ago (staleMissedAfterDays; not a detainer hold).
      if (!isDetainer(d, policy)) consider(d.due.toMillis() + policy.staleMissedAfterDays * DAY_MS);
      const local = DateTime.fromMillis(now, { zone: d.due.zone });
      if (local.year === d.due.year) consider(local.startOf('year').plus({ years: 1 }).toMillis());
    }
    if (d.status !== 'open') continue;
    const due = d.due.toMillis();
    if (isDetainer(d, policy)) {
      if (!policy.detainerCustody.includes(input.custodyStatus)) continue;
      consider(d.outer?.toMillis());
    }
    // A hold that opens starts running; a window that opens (DACA renewal) drops "opens ..." from its reason.
    consider(d.opens?.toMillis());
    for (const hours of [policy.normalWithinHours, policy.highWithinHours, policy.criticalWithinHours]) consider(due - hours * HOUR_MS);
    // A hold has ended at its due time; any other deadline is overdue once its due time has passed.
    consider(isDetainer(d, policy) ? due : due + 1);
  }
  return Number.isFinite(next) ? new Date(next) : null;
}

function parseDeadline(d: UrgencyInput['deadlines'][number], i: number): ParsedDeadline {
  const zone = requireZone(d.timeZone, `deadlines[${i}].timeZone`);
  const parse = (value: string | undefined, field: string) =>
    value === undefined ? undefined : parseInstant(value, zone, `deadlines[${i}].${field}`);
  return {
    rule: d.rule,
    label: d.label,
    status: d.status,
    dueAtIso: d.dueAt,
    due: parseInstant(d.dueAt, zone, `deadlines[${i}].dueAt`),
    opens: parse(d.opensAt, 'opensAt'),
    outer: parse(d.outerLimitAt, 'outerLimitAt'),
  };
}

function isDetainer(d: ParsedDeadline, policy: UrgencyPolicy): boolean {
  return policy.detainerRules.includes(d.rule);
}

/** A guidance deadline's reason, at `high` at most (UrgencyPolicy.guidanceRules). */
function capGuidance(d: ParsedDeadline, reason: Reason, policy: UrgencyPolicy): Reason {
  return policy.guidanceRules.includes(d.rule) && RANK[reason.level] > RANK.high ? { ...reason, level: 'high' } : reason;
}

function deadlineReason(d: ParsedDeadline, now: DateTime, policy: UrgencyPolicy, placeName?: string): Reason {
  const running = runningBy(d, now.toMillis(), policy);
  const order: [number, number] = running ? [ORDER.running, running.toMillis()]
    : [isStaleMissed(d, now.toMillis(), policy) ? ORDER.staleMissed : ORDER.missed, -d.due.toMillis()];
  const when = (t: DateTime) => formatLocal(t, now);
  if (d.status === 'missed') {
    // The 48-hour hold is alerted on when it ends (missed, escalated); the 8 CFR 287.7(d) outer limit is still shown
    // while it is ahead (DOMAIN.md: "show as the outer limit; alert on the earlier one").
    const detainer = isDetainer(d, policy);
    const outer = detainer && d.outer && d.outer > now ? `; outer limit under 8 CFR 287.7(d): ${formatLocal(d.outer, now, true)}` : '';
    const at = outer && placeName ? ` at ${placeName}` : '';
    return { level: isStaleMissed(d, now.toMillis(), policy) ? 'high' : 'critical', text: `Missed: ${d.label}, was due ${formatLocal(d.due, now, detainer)}${at}${outer}`, order };
  }
  if (isDetainer(d, policy)) return detainerReason(d, now, policy, order, placeName);
  // A hearing past its time and not yet missed (its grace): it most likely took place, and its outcome is not recorded.
  if (d.due < now && policy.appointmentRules.includes(d.rule)) {
    return { level: 'critical', text: `${d.label} was set for ${when(d.due)}: record its outcome`, order };
  }
  if (d.due < now) return { level: 'critical', text: `Overdue: ${d.label}, was due ${when(d.due)}`, order };
  const opens = d.opens && d.opens > now ? `opens ${when(d.opens)}, ` : '';
  return { level: levelForDue(d.due, now, policy), text: `${d.label}: ${opens}due ${when(d.due)}`, order };
}

function detainerReason(
  d: ParsedDeadline,
  now: DateTime,
  policy: UrgencyPolicy,
  order: [number, number],
  placeName?: string,
): Reason {
  const when = (t: DateTime) => formatLocal(t, now);
  // When the hold ends, or its outer limit: a midnight is the end of the day before.
  const until = (t: DateTime) => formatLocal(t, now, true);
  const at = placeName ? ` at ${placeName}` : '';
  // Said when it is later than the 48 hours (a weekend or holiday in them), as the emails say it.
  const outer = d.outer && d.outer > d.due ? `; outer limit under 8 CFR 287.7(d): ${until(d.outer)}` : '';
  const end = d.outer && d.outer > d.due ? d.outer : d.due;
  if (d.opens && d.opens > now) {
    return {
      level: levelForDue(d.due, now, policy),
      text: `ICE detainer: release-eligible ${when(d.opens)}; the 48-hour hold would end ${until(d.due)}${at}`,
      order,
    };
  }
  if (now < d.due) return { level: 'critical', text: `ICE detainer: the 48-hour hold ends ${until(d.due)}${at}${outer}`, order };
  if (now < end) return { level: 'critical', text: `ICE detainer: the 48-hour hold ended ${until(d.due)}${at}${outer}`, order };
  return { level: 'critical', text: `Overdue: ICE detainer hold ended ${until(end)}${at}`, order };
}

function levelForDue(due: DateTime, now: DateTime, policy: UrgencyPolicy): UrgencyLevel {
  const hours = (due.toMillis() - now.toMillis()) / HOUR_MS;
  if (hours <= policy.criticalWithinHours) return 'critical';
  if (hours <= policy.highWithinHours) return 'high';
  if (hours <= policy.normalWithinHours) return 'normal';
  return 'low';
}

function custodyReasons(input: UrgencyInput, policy: UrgencyPolicy): Reason[] {
  const level = policy.custodyLevels[input.custodyStatus];
  if (!level) return [];
  const where = input.placeName ? ` at ${input.placeName}` : '';
  const text = input.custodyStatus === 'ice_detention' ? `Detained by ICE${where}` : `Custody: ${input.custodyStatus}${where}`;
  return [{ level, text, order: [ORDER.custody, 0] }];
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * "Sat 21 Nov, 4:00 PM CST" in the time's own zone; the year is added when it differs from now's. `end`: see
 * englishLocal.
 */
export function formatLocal(time: DateTime, now?: DateTime, end = false): string {
  const sameYear = !now || now.setZone(time.zone).year === time.year;
  return englishLocal(time, !sameYear, end);
}

/**
 * luxon's 'ccc d LLL[ yyyy], h:mm a ZZZZ' in en-US, built from the DateTime's fields: luxon parses the format string
 * on every call, and these strings are made for every deadline of every intake.
 *
 * `end`: the time is when something ends (a detainer hold, its outer limit), and one at midnight exactly is said as the
 * end of the day before ("Mon 30 Nov, midnight (end of the day) CST"): "Tue 1 Dec, 12:00 AM" for the end of Monday
 * reads as Tuesday night to many, a day too late. Times that begin something (a hearing, a window's opening) keep
 * their day: a hearing typed without a time is at the start of its own.
 */
/** A time at a day's start, 12:00 AM exactly: as the end of a day, it is that day's midnight, the day before's end. */
export const isMidnight = (time: DateTime): boolean => time.hour === 0 && time.minute === 0 && time.second === 0 && time.millisecond === 0;

export function englishLocal(time: DateTime, withYear: boolean, end = false): string {
  const midnightEnd = end && isMidnight(time);
  const named = midnightEnd ? time.minus({ days: 1 }) : time;
  const day = `${WEEKDAYS[named.weekday - 1]} ${named.day} ${MONTHS[named.month - 1]}${withYear ? ` ${named.year}` : ''}`;
  const clock = midnightEnd ? 'midnight (end of the day)' : `${time.hour % 12 || 12}:${String(time.minute).padStart(2, '0')} ${time.hour < 12 ? 'AM' : 'PM'}`;
  const zone = TERRITORY_ZONE_NAMES[time.zoneName ?? ''] ?? time.zone.offsetName(time.toMillis(), { format: 'short', locale: 'en-US' });
  return `${day}, ${clock} ${zone}`;
}

/** The zones of U.S. territories that en-US names by offset ("GMT+10"), by the names their people use (no DST). */
const TERRITORY_ZONE_NAMES: Readonly<Record<string, string>> = {
  'Pacific/Guam': 'ChST',
  'Pacific/Saipan': 'ChST',
  'Pacific/Pago_Pago': 'SST',
};
