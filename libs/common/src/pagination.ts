import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, ValidateBy } from 'class-validator';
import { BlankMeansAny } from './validation';

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
  @BlankMeansAny()
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 200, default: 50 })
  @QueryInteger(1, 200)
  @BlankMeansAny()
  limit = 50;
}

export interface Page<T> {
  items: T[];
  page: number;
  limit: number;
  /** The matches, counted exactly up to {@link countCap}'s number; beyond it, that number (`totalExact` false). */
  total: number;
  totalExact: boolean;
}

/** Lists count their matches exactly up to this many (or to the end of the page asked for, when that is further). */
export const EXACT_TOTAL_UP_TO = 10_000;

/**
 * How far a list counts its matches for page `page` of `limit`: ten thousand, or to the end of the page asked for.
 * Counting a million cases took most of half a second on every page (docs/performance.md); counting no further than
 * the page's own OFFSET walks costs no more than the page, and still tells whether a next page exists.
 */
export function countCap(page: number, limit: number): number {
  return Math.max(EXACT_TOTAL_UP_TO, page * limit);
}

/**
 * `total` and `totalExact` of the rows `fromWhere` (`table WHERE ...`, its parameters `params`) selects, for page `page`
 * of `limit`: counted one past {@link countCap}'s number at most.
 */
export async function countMatches(
  db: { query(sql: string, params?: unknown[]): Promise<unknown> },
  fromWhere: string,
  params: unknown[],
  page: number,
  limit: number,
): Promise<Pick<Page<unknown>, 'total' | 'totalExact'>> {
  const cap = countCap(page, limit);
  const [{ counted }] = (await db.query(
    `SELECT count(*)::int AS counted FROM (SELECT 1 FROM ${fromWhere} LIMIT $${params.length + 1}) matched`,
    [...params, cap + 1],
  )) as { counted: number }[];
  return counted > cap ? { total: cap, totalExact: false } : { total: counted, totalExact: true };
}
