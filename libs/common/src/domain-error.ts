import { HttpStatus } from '@nestjs/common';

export type FieldErrors = Record<string, string[]>;

/**
 * A failure the caller can act on, with a stable code. Features throw these (or the helpers below); the exception
 * filter maps them to the API's error shape. Messages must never contain personal data.
 */
export class DomainError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (what = 'Resource') => new DomainError(HttpStatus.NOT_FOUND, 'NOT_FOUND', `${what} not found`);
export const conflict = (code: string, message: string) => new DomainError(HttpStatus.CONFLICT, code, message);
export const forbidden = (message = 'Your role may not do this') =>
  new DomainError(HttpStatus.FORBIDDEN, 'FORBIDDEN', message);
/** A 400 naming the field; the summary names it once, whether or not the message already starts with it. */
export const invalid = (field: string, message: string) =>
  new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message.startsWith(field) ? message : `${field}: ${message}`, { [field]: [message] });
export const unprocessable = (code: string, message: string) =>
  new DomainError(HttpStatus.UNPROCESSABLE_ENTITY, code, message);
/** A 429; `retryAfterSeconds` becomes the Retry-After header (when the caller's window or lock ends). */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(HttpStatus.TOO_MANY_REQUESTS, 'RATE_LIMITED', message);
  }
}

export const tooManyRequests = (message: string, retryAfterSeconds = 900) =>
  new RateLimitedError(message, Math.max(1, Math.ceil(retryAfterSeconds)));
