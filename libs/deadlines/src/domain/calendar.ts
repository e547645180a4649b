import Holidays from 'date-holidays';
import { DateTime } from 'luxon';
import { DeadlineInputError } from './errors';
import { requireZone } from './input';
import { tz } from './zones';

// Federal legal holidays (5 U.S.C. 6103) come from date-holidays: its type 'public' holidays, and their observed
// "substitute" days (5 U.S.C. 6103(b); Executive Order 11582), both closed. The substitutes are taken whatever their
// type: date-holidays files most under 'public', but Veterans Day's (Friday 10 November 2028, Monday 12 November
// 2029) under 'bank'.
let federal: Holidays | undefined;
const closedDatesByYear = new Map<number, ReadonlySet<string>>();

function closedDates(year: number): ReadonlySet<string> {
  let dates = closedDatesByYear.get(year);
  if (!dates) {
    federal ??= new Holidays('US');
    const holidays = federal.getHolidays(year) || [];
    dates = new Set(holidays.filter((h) => h.type === 'public' || h.substitute === true).map((h) => h.date.slice(0, 10)));
    closedDatesByYear.set(year, dates);
  }
  return dates;
}

function asLocal(date: DateTime | string, zone: string): DateTime {
  requireZone(zone, 'timeZone');
  const local = typeof date === 'string' ? DateTime.fromISO(date, { zone: tz(zone) }) : date.setZone(tz(zone));
  if (!local.isValid) throw new DeadlineInputError('INVALID_DATE', 'date', `not a valid ISO date: ${String(date)}`);
  return local;
}

export function isFederalHoliday(date: DateTime | string, zone: string): boolean {
  const local = asLocal(date, zone);
  return closedDates(local.year).has(local.toISODate() as string);
}

/** Saturday, Sunday, or a federal legal holiday or its observed day, as a local day in `zone`. */
export function isClosedDay(date: DateTime | string, zone: string): boolean {
  const local = asLocal(date, zone);
  return local.weekday >= 6 || closedDates(local.year).has(local.toISODate() as string);
}

/** The same local day if open, else the next open one; the wall-clock time is kept. */
export function rollForward(date: DateTime | string, zone: string): DateTime {
  let day = asLocal(date, zone);
  while (isClosedDay(day, zone)) day = day.plus({ days: 1 });
  return day;
}

/**
 * 8 CFR 287.7(d): `hours` counted only while the local day is open; weekends and holidays are skipped
 * whole. Elapsed (real) time inside open days, so a DST day would count as 23 or 25 hours.
 */
export function addHoursExcludingClosedDays(start: DateTime, hours: number, zone: string): DateTime {
  let cursor = start.setZone(tz(zone));
  let remainingMs = hours * 3_600_000;
  while (isClosedDay(cursor, zone)) cursor = cursor.startOf('day').plus({ days: 1 });
  for (;;) {
    const nextMidnight = cursor.startOf('day').plus({ days: 1 });
    const available = nextMidnight.toMillis() - cursor.toMillis();
    if (remainingMs <= available) return cursor.plus({ milliseconds: remainingMs });
    remainingMs -= available;
    cursor = nextMidnight;
    while (isClosedDay(cursor, zone)) cursor = cursor.plus({ days: 1 });
  }
}
