import { ValidationOptions, registerDecorator } from 'class-validator';
import { DateTime } from 'luxon';

/** A real calendar date, YYYY-MM-DD, not in the future. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a real date as YYYY-MM-DD, not in the future`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
          const date = DateTime.fromISO(value, { zone: 'utc' });
          return date.isValid && date.year >= 1900 && date <= DateTime.utc().plus({ days: 1 });
        },
      },
    });
}

/** ISO 8601 date-time with an explicit offset (2026-11-20T16:00:00-06:00): a bare local time is ambiguous. */
export function IsOffsetDateTime(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOffsetDateTime',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an ISO 8601 date-time with offset, e.g. 2026-11-20T16:00:00-06:00`, ...options },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string' || value.length > 40) return false;
          if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return false;
          const parsed = DateTime.fromISO(value, { setZone: true });
          return parsed.isValid && parsed.year >= 1900 && parsed.year <= 2200;
        },
      },
    });
}
