import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import { hasIdentifyingNumber } from './validators';

/**
 * Paths pino must never print. Personal data of clients (names, birth dates, A-numbers, phones, addresses, the
 * narrative) and credentials. Logs go to third-party services; a redaction list is the last line of defence, the
 * first is never passing these values to a logger at all.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.firstName',
  '*.lastName',
  '*.name',
  '*.dateOfBirth',
  '*.aNumber',
  '*.phone',
  '*.email',
  '*.address',
  '*.narrative',
  '*.immigrationStatus',
  '*.criminalHistory',
  '*.countryOfBirth',
  '*.client',
  '*.caller',
  '*.adverseParties',
  'body',
  '*.body',
  'query',
  '*.query',
  // A failed database statement (TypeORM's QueryFailedError) carries its parameters, and PostgreSQL's detail quotes
  // the values it refused ("Key (email)=(...) already exists"): both would reach the log of an unhandled error.
  '*.parameters',
  '*.detail',
  '*.driverError.detail',
  // PostgreSQL's context line quotes the input it was parsing (a JSON value, say).
  '*.where',
  '*.driverError.where',
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Query strings can carry an A-number (`?aNumber=`) and the calendar path carries a credential: log neither. Nor a
 * path segment holding an identifying number (an A-number typed where a case id goes): the segment is replaced.
 */
export function safeRequestPath(url: string | undefined): string {
  // A request line may name the host too (absolute form, GET http://host/api/...): the path is what follows it.
  const path = (url ?? '').split('?')[0].replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  if (isFeedPath(path)) return '/api/calendar/[token].ics';
  return path.split('/')
    .map((segment) => (!UUID.test(segment) && hasIdentifyingNumber(decoded(segment)) ? '[redacted]' : segment))
    .join('/');
}

/**
 * Anything after `calendar` but the token route (`/api/calendar/token`): routing decodes the path (%2Eics), ignores
 * case and a trailing slash, and a feed URL mistyped, badly joined or encoded again (`//api/calendar/`,
 * `/api/./calendar/`, `calendar%2F<token>`, `calendar%252F<token>`, `calendars/<token>`, a prefix added by a proxy)
 * still carries the credential. Decoded until it no longer changes (a few times at most).
 */
function isFeedPath(path: string): boolean {
  let text = path;
  for (let round = 0; round < 4; round++) {
    const next = decoded(text);
    if (next === text) break;
    text = next;
  }
  const lower = text.toLowerCase();
  const at = lower.indexOf('calendar');
  if (at < 0) return false;
  const rest = lower.slice(at + 'calendar'.length).replace(/[\s/\\.;]+/g, '');
  return rest !== '' && rest !== 'token';
}

const refusals = new Logger('Requests');

/**
 * A request answered before the request logger saw it (a body that is not JSON, too large, badly encoded): one line
 * in the request log all the same, with its id (also sent as X-Request-Id), method, path and status, never the body.
 * Call before the answer is sent. Nothing for a request the logger saw (it logs its own line).
 */
export function logRefusedRequest(req: IncomingMessage & { originalUrl?: string; log?: unknown }, res: ServerResponse, statusCode: number): void {
  if (req.log) return;
  const id = requestId(req, res);
  refusals.log({ requestId: id, method: req.method, path: safeRequestPath(req.originalUrl ?? req.url), statusCode }, 'request refused before routing');
}

function requestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

export function loggerParams(level: string, stream?: NodeJS.WritableStream): Params {
  const options: Params['pinoHttp'] = {
      level,
      genReqId: requestId,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      autoLogging: { ignore: (req) => req.url === '/health' },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, path: safeRequestPath(req.url) }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customProps: (req) => {
        const user = (req as IncomingMessage & { user?: { userId?: string; organizationId?: string } }).user;
        return user ? { userId: user.userId, organizationId: user.organizationId } : {};
      },
  };
  return { pinoHttp: stream ? [options, stream] : options } as Params;
}
