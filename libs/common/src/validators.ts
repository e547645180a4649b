import { ValidateIf, ValidationOptions, registerDecorator } from 'class-validator';
import { DateTime } from 'luxon';

const OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|([+-])(\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;
const MIN_YEAR = 1900;
const MAX_YEAR = 2200;

/** A date-time with an explicit, real offset (UTC-12:00 to UTC+14:00) in a plausible year. */
export function isOffsetDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 40) return false;
  const match = OFFSET_DATE_TIME.exec(value);
  if (!match) return false;
  if (match[4] !== undefined) {
    const minutes = Number(match[5]) * 60 + Number(match[6]);
    if (Number(match[6]) >= 60 || (match[4] === '+' ? minutes > 14 * 60 : minutes > 12 * 60)) return false;
  }
  const parsed = DateTime.fromISO(value, { setZone: true });
  return parsed.isValid && parsed.year >= MIN_YEAR && parsed.year <= MAX_YEAR;
}

/** A real calendar date, YYYY-MM-DD, in a plausible year. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string' || !CALENDAR_DATE.test(value)) return false;
  const date = DateTime.fromISO(value, { zone: 'utc' });
  return date.isValid && date.year >= MIN_YEAR && date.year <= MAX_YEAR;
}

function decorator(name: string, message: (property: string) => string, validate: (value: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, propertyName) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: message(String(propertyName)), ...options },
        validator: { validate },
      });
}

/** A birth date: a real calendar date, not in the future. */
export const IsCalendarDate = decorator(
  'isCalendarDate',
  (p) => `${p} must be a real date as YYYY-MM-DD, not in the future`,
  (value) => isCalendarDate(value) && DateTime.fromISO(value, { zone: 'utc' }) <= DateTime.utc().plus({ days: 1 }),
);

/** ISO 8601 date-time with an explicit offset (2026-11-20T16:00:00-06:00): a bare local time is ambiguous. */
export const IsOffsetDateTime = decorator(
  'isOffsetDateTime',
  (p) => `${p} must be an ISO 8601 date-time with offset, e.g. 2026-11-20T16:00:00-06:00`,
  isOffsetDateTime,
);

/** Either of the above: when something happened, to the minute or to the day. */
export const IsDateOrOffsetDateTime = decorator(
  'isDateOrOffsetDateTime',
  (p) => `${p} must be an ISO 8601 date-time with offset, or a date YYYY-MM-DD`,
  (value) => isOffsetDateTime(value) || isCalendarDate(value),
);

/**
 * Optional, but not nullable: absent is fine, `null` is validated like any other value (and refused). For fields
 * where null has no meaning (a name, a nested object).
 */
export const IsOptionalNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);
