import { DateTime, IANAZone } from 'luxon';
import { DeadlineInputError } from './errors';
import { tz } from './zones';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
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

// Parses an ISO timestamp with offset (kept as the same instant) or a plain date (start of that day in `zone`).
export function parseInstant(value: unknown, zone: string, field: string, eventId?: string): DateTime {
  if (typeof value !== 'string') {
    throw new DeadlineInputError('INVALID_DATE', field, 'expected an ISO 8601 string', eventId);
  }
  const dateOnly = DATE_ONLY.test(value);
  if (!dateOnly && !HAS_OFFSET.test(value)) {
    throw new DeadlineInputError('INVALID_DATE', field, `timestamp needs a UTC offset: ${value}`, eventId);
  }
  const parsed = dateOnly ? DateTime.fromISO(value, { zone: tz(zone) }) : DateTime.fromISO(value, { setZone: true }).setZone(tz(zone));
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
