import { Type } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiTooManyRequestsResponse, getSchemaPath } from '@nestjs/swagger';

/** Documentation only: the shapes the API answers with, for the OpenAPI document (/docs, /docs-json). */

export class ErrorResponse {
  @ApiProperty({ example: 400 }) statusCode: number;
  @ApiProperty({ example: 'Bad Request' }) error: string;
  @ApiPropertyOptional({ example: 'VALIDATION_FAILED', description: 'Stable; present on every error but a 500 (docs/api.md, Errors)' }) code?: string;
  @ApiProperty({ example: 'Invalid field: client.preferredLanguage' }) message: string;
  @ApiPropertyOptional({
    description: 'The offending fields by dotted path, each with its messages',
    example: { 'client.preferredLanguage': ['client.preferredLanguage: send the language\'s ISO 639-3 code, not its name: spa (Spanish)'] },
    type: 'object',
    additionalProperties: { type: 'array', items: { type: 'string' } },
  })
  fields?: Record<string, string[]>;
  @ApiPropertyOptional({ description: '500 only: the id under which the server log has the details' }) errorId?: string;
}

/** `{ items, page, limit, total, totalExact }` of the given item shape (the deadline board answers `hasMore` instead). */
export function pageOf(item: Type<unknown>) {
  return {
    type: 'object',
    required: ['items', 'page', 'limit'],
    properties: {
      items: { type: 'array', items: { $ref: getSchemaPath(item) } },
      page: { type: 'integer', example: 1 },
      limit: { type: 'integer', example: 50 },
      total: {
        type: 'integer',
        description:
          'Where counted (not on the deadline board, which answers hasMore): the matches, exactly up to 10,000 or to the end of the page asked for, whichever is further; beyond that, that number, and totalExact is false',
      },
      totalExact: { type: 'boolean', description: 'Where counted: false when there are more matches than total (at least one more)' },
      hasMore: { type: 'boolean', description: 'The deadline board: whether a next page exists' },
    },
  };
}

/** A 429 `RATE_LIMITED`, with the Retry-After header. */
export const ApiRateLimited = (what: string) =>
  ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: `RATE_LIMITED: ${what}`,
    headers: { 'Retry-After': { description: 'Seconds until the window or lock ends', schema: { type: 'integer' } } },
  });
