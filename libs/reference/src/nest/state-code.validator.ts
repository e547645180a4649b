import { ValidationOptions, registerDecorator } from 'class-validator';
import { isStateCode } from '../domain/states';

/** A U.S. state or territory code such as TX (after a transform has trimmed and upper-cased it); `each` for a list. */
export const IsStateCode = (options?: ValidationOptions): PropertyDecorator => (target, propertyName) =>
  registerDecorator({
    name: 'isStateCode',
    target: target.constructor,
    propertyName: propertyName as string,
    options,
    validator: { validate: (value: unknown) => typeof value === 'string' && isStateCode(value) },
  });
