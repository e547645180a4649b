import { DateTime, IANAZone } from 'luxon';
import { DeadlineInputError } from './errors';
import { tz } from './zones';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a time was given as a calendar date alone, with no time of day. */
export function isDateOnly(value: unknown): boolean {
  return typeof value === 'string' && DATE_ONLY.test(value);
}
// A timestamp without an offset would be read in the server's zone: refuse it rather than guess.
const HAS_OFFSET = /T.*(Z|[+-]\d{2}(:?\d{2})?)$/i;

// IANAZone.isValidZone builds a new Intl.DateTimeFormat on every call: native ICU memory that the garbage collector
// does not see (RSS climbed by hundreds of MiB under load) and slow. Valid zones are few, so remember them.
const VALID_ZONES = new Set<string>();

function isValidZone(zone: string): boolean {
  if (VALID_ZONES.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  VALID_ZONES.add(zone);
  return true;
}

export function requireZone(zone: unknown, field: string, eventId?: string): string {
  if (typeof zone !== 'string' || !isValidZone(zone)) {
    throw new DeadlineInputError('INVALID_TIME_ZONE', field, `not an IANA time zone: ${String(zone)}`, eventId);
  }
  return zone;
}

// The shape the engine writes and clients usually send: date, time to the second (milliseconds optional), Z or ±hh:mm.
const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant of a canonical timestamp, or undefined for anything else (luxon then decides): luxon's general ISO
 * parser was the largest cost of an intake's deadline work, parsing the same few shapes every time. Only plain cases
 * are taken: a field that rolls over (Feb 30, 24:00, second 60), an offset beyond ±23:59 or a year before 100 goes to
 * luxon, whose answer (valid or not) stays the rule. A property test compares the two on the shapes taken here.
 */
export function canonicalInstant(value: string): number | undefined {
  const m = CANONICAL.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const millis = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const offsetHours = m[9] ? Number(m[9]) : 0;
  const offsetMinutes = m[10] ? Number(m[10]) : 0;
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const back = new Date(wall);
  if (
    back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day ||
    back.getUTCHours() !== hour || back.getUTCMinutes() !== minute || back.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  return wall - (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
}

// Parses an ISO timestamp with offset (kept as the same instant) or a plain date (start of that day in `zone`).
export function parseInstant(value: unknown, zone: string, field: string, eventId?: string): DateTime {
  if (typeof value !== 'string') {
    throw new DeadlineInputError('INVALID_DATE', field, 'expected an ISO 8601 string', eventId);
  }
  const dateOnly = DATE_ONLY.test(value);
  if (!dateOnly && !HAS_OFFSET.test(value)) {
    throw new DeadlineInputError('INVALID_DATE', field, `timestamp needs a UTC offset: ${value}`, eventId);
  }
  const instant = dateOnly ? undefined : canonicalInstant(value);
  const parsed =
    instant !== undefined
      ? DateTime.fromMillis(instant, { zone: tz(zone) })
      : dateOnly
        ? DateTime.fromISO(value, { zone: tz(zone) })
        : DateTime.fromISO(value, { setZone: true }).setZone(tz(zone));
  if (!parsed.isValid) {
    throw new DeadlineInputError('INVALID_DATE', field, `not a valid ISO 8601 date: ${value}`, eventId);
  }
  return parsed;
}

export function fromJsDate(value: unknown, field: string): DateTime {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new DeadlineInputError('INVALID_DATE', field, 'expected a valid Date');
  }
  return DateTime.fromJSDate(value, { zone: 'utc' });
}

export function toIso(value: DateTime): string {
  return value.toISO({ suppressMilliseconds: true }) as string;
}

/** When an event happened, for ordering: its instant in the zone it is read in, and whether it was given by its date alone. */
export interface EventTime {
  at: DateTime;
  dateOnly: boolean;
}

/** An event's `occurredAt` read in `zone` for ordering (`field` names it in an error). */
export function eventTime(occurredAt: unknown, zone: string, field: string, eventId?: string): EventTime {
  return { at: parseInstant(occurredAt, zone, field, eventId), dateOnly: isDateOnly(occurredAt) };
}

/** The local day an event happened on, where it happened (its own zone): a date given alone is that date. */
const dayOf = (t: EventTime) => t.at.toISODate() as string;

/**
 * Whether `a` happened after `b`. One given by its date alone has no time of day: it is compared with the other by
 * day, each the day where it happened (its own zone), and on the same day neither is after the other (the one
 * recorded later then counts as the later: read as midnight, a notice entered by its date would lose to one entered
 * that morning with the time). One basis for every pair: read in one event's zone or the other's, the answer would
 * depend on which was compared with which.
 */
export function happenedAfter(a: EventTime, b: EventTime): boolean {
  if (!a.dateOnly && !b.dateOnly) return a.at.toMillis() > b.at.toMillis();
  return dayOf(a) > dayOf(b);
}

/**
 * Of `items` in the order they were recorded, the one that happened last, as `happenedAfter` reads them: the latest of
 * those with a time (by instant; the same instant, the one recorded later) against the latest of those given by their
 * date alone (by date; the same date, the one recorded later), and of those two, on the same day, the one recorded
 * later. Comparing two at a time in recorded order would not do: "the same day" is not transitive (a date between a
 * 10:00 and a 15:00 setting would let the 10:00 one win).
 */
export function latestByDay<T>(items: readonly T[], time: (item: T) => EventTime): T | undefined {
  let timed: { item: T; t: EventTime; index: number } | undefined;
  let dated: { item: T; t: EventTime; index: number } | undefined;
  items.forEach((item, index) => {
    const t = time(item);
    if (t.dateOnly) {
      if (!dated || dayOf(t) >= dayOf(dated.t)) dated = { item, t, index };
    } else if (!timed || t.at.toMillis() >= timed.t.at.toMillis()) {
      timed = { item, t, index };
    }
  });
  if (!timed || !dated) return (timed ?? dated)?.item;
  if (happenedAfter(timed.t, dated.t)) return timed.item;
  if (happenedAfter(dated.t, timed.t)) return dated.item;
  return timed.index > dated.index ? timed.item : dated.item;
}
