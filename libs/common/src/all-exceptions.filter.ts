import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { isDatabaseBusy, isDatabaseUnavailable, isTransientConflict } from '@amparo/database';
import { DomainError, FieldErrors, RateLimitedError } from './domain-error';
import { logRefusedRequest, safeRequestPath } from './logging';
import { jsonProblem } from './json-problem';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  fields?: FieldErrors;
  errorId?: string;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The code of an answer that no DomainError named (the framework's, the body parser's): every error has one. */
const CODE: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

const DATABASE_UNAVAILABLE = 'DATABASE_UNAVAILABLE';
const DATABASE_BUSY = 'DATABASE_BUSY';
const CONCURRENT_UPDATE = 'CONCURRENT_UPDATE';

/** A zlib, brotli or zstd error code (`Z_DATA_ERROR`, `Z_BUF_ERROR`, `ERR__ERROR_FORMAT_PADDING_2`, `ZSTD_error_...`). */
const DECOMPRESSION_ERROR = /^(Z_|ERR__ERROR_FORMAT|ERR_BROTLI|ZSTD_error_)/;

/** What a JSON text that is a lone value (no object or list) holds, in words that quote none of it, or null. */
function scalarJson(text: string): string | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return 'a number';
  if (typeof value === 'string') return 'a text in quotes';
  return null;
}

/** Body-parser errors arrive as plain errors with a `type` and `status`. */
function bodyParserError(error: unknown): ErrorBody | null {
  const candidate = error as { type?: string; status?: number; length?: number; limit?: number; code?: unknown };
  // A body that does not decompress by its Content-Encoding: body-parser passes the decompressor's error on, untyped.
  if (candidate?.type === undefined && candidate?.status === 400 && typeof candidate.code === 'string' && DECOMPRESSION_ERROR.test(candidate.code)) {
    return { statusCode: 400, error: REASON[400], code: 'MALFORMED_BODY', message: 'Request body could not be decoded by its Content-Encoding' };
  }
  switch (candidate?.type) {
    case 'entity.too.large': {
      const sizes = typeof candidate.limit === 'number'
        ? `${typeof candidate.length === 'number' ? `: ${candidate.length} bytes,` : ';'} the limit is ${candidate.limit} bytes`
        : '';
      return { statusCode: 413, error: REASON[413], code: CODE[413], message: `Request body is too large${sizes}` };
    }
    case 'entity.parse.failed': {
      // Where, and what to mend (a phone's curly quotes, a comma before }): the parser's own message quotes the text.
      const body = (error as { body?: unknown }).body;
      const text = typeof body === 'string' ? body.replace(/^\uFEFF/, '') : null;
      // Valid JSON, but not an object (`null`, a number, a text): refused by the parser's strict mode, and not malformed.
      const scalar = text === null ? null : scalarJson(text);
      if (scalar !== null) {
        return { statusCode: 400, error: REASON[400], code: 'VALIDATION_FAILED', message: 'Invalid field: body', fields: { body: [`must be one JSON object, {...}, not ${scalar}`] } };
      }
      const problem = text === null ? null : jsonProblem(text);
      const where = problem ? ` at line ${problem.line}, column ${problem.column}: ${problem.says}` : '';
      return { statusCode: 400, error: REASON[400], code: 'MALFORMED_JSON', message: `Request body is not valid JSON${where}` };
    }
    case 'body.not.utf8':
      return { statusCode: 400, error: REASON[400], code: 'MALFORMED_BODY', message: String((error as Error).message) };
    case 'body.duplicate.key': {
      const field = String((error as { field?: string }).field);
      return { statusCode: 400, error: REASON[400], code: 'VALIDATION_FAILED', message: String((error as Error).message), fields: { [field]: ['is given twice'] } };
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { statusCode: 415, error: REASON[415], code: CODE[415], message: 'Unsupported request encoding' };
    default:
      return null;
  }
}

function fromHttpException(exception: HttpException): ErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let message = exception.message;
  if (typeof response === 'object' && response !== null && 'message' in response) {
    const raw = (response as { message: unknown }).message;
    message = Array.isArray(raw) ? raw.join('; ') : String(raw);
  }
  if (status === 401) message = message === 'Unauthorized' ? 'Authentication required' : message;
  return { statusCode: status, error: REASON[status] ?? 'Error', ...(CODE[status] ? { code: CODE[status] } : {}), message };
}

/**
 * The single mapping from exceptions to the API's error shape. The database out of reach or timed out is a 503, a
 * transaction aborted for a concurrent one a 409, all retryable; anything else unexpected becomes a 500 that carries only an
 * error id, and the full error is logged under that id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const body = this.toBody(exception, request);
    if (response.headersSent) return;
    if (exception instanceof RateLimitedError) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (body.code === DATABASE_UNAVAILABLE || body.code === DATABASE_BUSY) response.setHeader('Retry-After', '5');
    if (body.code === CONCURRENT_UPDATE) response.setHeader('Retry-After', '1');
    logRefusedRequest(request, response, body.statusCode);
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        statusCode: exception.status,
        error: REASON[exception.status] ?? 'Error',
        code: exception.code,
        message: exception.message,
        ...(exception.fields ? { fields: exception.fields } : {}),
      };
    }
    if (exception instanceof HttpException) {
      const cause = bodyParserError(exception.cause);
      const body = cause ?? fromHttpException(exception);
      // A route that does not exist: Nest names the URL as sent, query string included (?aNumber=...). It is named as
      // the log names it, without the query and with identifying numbers in the path redacted.
      if (body.statusCode === 404 && body.message.startsWith(`Cannot ${request.method} `)) {
        body.message = `Cannot ${request.method} ${safeRequestPath(request.originalUrl ?? request.url)}`;
      }
      // The router could not decode a path parameter (`/api/cases/%ZZ`): a malformed path, named as one, without the
      // segment sent.
      if (body.statusCode === 400 && body.message.startsWith('Failed to decode param')) {
        // Either a % without two hexadecimal digits, or bytes written in them that are not UTF-8 text (%C0%AE).
        const problem = /%(?![0-9a-f]{2})/i.test((request.originalUrl ?? request.url).split('?')[0])
          ? 'is not valid percent-encoding: a % must be followed by two hexadecimal digits'
          : 'is not valid percent-encoding: the bytes its %XX make are not UTF-8 text';
        return { statusCode: 400, error: REASON[400], code: 'VALIDATION_FAILED', message: `path ${problem}`, fields: { path: [problem] } };
      }
      return body;
    }
    const parsed = bodyParserError(exception);
    if (parsed) return parsed;
    if (isDatabaseUnavailable(exception)) {
      // An outage, not a bug: one line per request, without the stack.
      this.logger.warn({ requestId: (request as { id?: unknown }).id, error: String((exception as Error).message ?? exception) }, 'Database unavailable');
      return { statusCode: 503, error: REASON[503], code: DATABASE_UNAVAILABLE, message: 'The database cannot be reached right now; retry in a few seconds' };
    }
    if (isDatabaseBusy(exception)) {
      // A statement that waited past the statement timeout (for a lock, most often) and was cancelled, so its whole
      // transaction: nothing was kept. One line, without the statement's parameters (they may hold ciphertexts).
      this.logger.warn({ requestId: (request as { id?: unknown }).id, error: String((exception as Error).message ?? exception) }, 'Database statement timed out');
      return { statusCode: 503, error: REASON[503], code: DATABASE_BUSY, message: 'The database took too long to answer; nothing was saved, retry in a few seconds' };
    }
    if (isTransientConflict(exception)) {
      // Aborted by PostgreSQL because of a concurrent transaction (after the retries of AuditService.transaction, where
      // it applies): nothing was kept, and the same request again normally succeeds.
      this.logger.warn({ requestId: (request as { id?: unknown }).id, error: String((exception as Error).message ?? exception) }, 'Transaction aborted by a concurrent one');
      return { statusCode: 409, error: REASON[409], code: CONCURRENT_UPDATE, message: 'Another change to the same records got in the way; nothing was saved, retry' };
    }
    const errorId = randomUUID();
    // The stack goes to the log (with the request id), never to the client.
    this.logger.error(
      { errorId, requestId: (request as { id?: unknown }).id, err: exception },
      `Unhandled error ${errorId}`,
    );
    return { statusCode: 500, error: REASON[500], message: 'Internal error', errorId };
  }
}
