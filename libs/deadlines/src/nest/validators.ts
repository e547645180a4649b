import { ValidationOptions, registerDecorator } from 'class-validator';
import { DateTime } from 'luxon';

/** ISO 8601 date-time with an explicit offset or Z. */
export function IsOffsetDateTimeString(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isOffsetDateTimeString',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an ISO 8601 date-time with offset, e.g. 2026-11-20T16:00:00-06:00`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length <= 40 &&
          /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value) &&
          DateTime.fromISO(value, { setZone: true }).isValid,
      },
    });
}
