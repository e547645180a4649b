import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';

/**
 * A whole number in the query string, written in decimal digits only, from `min` to `max`, with one message when it
 * is not. Number() would take "0x10" as 16, "1e3" as 1000, "+5" and " 1"; and `IsInt` with `Min` and `Max` answered
 * "abc" with three messages that contradict each other.
 */
function QueryInteger(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' && /^[0-9]{1,15}$/.test(value) ? Number(value) : value)),
    ValidateBy({
      name: 'queryInteger',
      validator: {
        validate: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
        defaultMessage: (args) => `${args?.property} must be a whole number from ${min} to ${max}`,
      },
    }),
  );
}

export class PageQuery {
  // The type is stated: a property with an initializer has no design type for the OpenAPI document to read.
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1 })
  @QueryInteger(1, 100000)
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @QueryInteger(1, 200)
  limit = 50;
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  total: number;
}
