import pino from 'pino';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { REDACT_PATHS, safeRequestPath } from './logging';

function capture(): { logger: pino.Logger; text: () => string } {
  let out = '';
  const stream = new Writable({ write: (chunk, _enc, done) => ((out += chunk.toString()), done()) });
  return { logger: pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream), text: () => out };
}

describe('log redaction', () => {
  it("keeps a failed statement's parameters and PostgreSQL's quoted values out of an unhandled error's log line", () => {
    const { logger, text } = capture();
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), {
      code: '23505',
      detail: 'Key (email)=(zorblatt.canary@example.org) already exists.',
      constraint: 'users_email_key',
    });
    const error = new QueryFailedError('INSERT INTO users (email, name) VALUES ($1, $2)', ['zorblatt.canary@example.org', 'Zorblatt Quixenmoor'], driverError);
    // As AllExceptionsFilter logs it.
    logger.error({ errorId: 'e1', err: error }, 'Unhandled error e1');
    const line = text();
    expect(line).not.toContain('canary@example.org');
    expect(line).not.toContain('Quixenmoor');
    // What an operator needs stays: the error, its code and the constraint.
    expect(line).toContain('users_email_key');
    expect(line).toContain('23505');
  });
});

describe('safeRequestPath', () => {
  it.each([
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics?x=1', '/api/calendar/[token].ics'],
    // Routing ignores case and a trailing slash: the feed answers these too, so they are masked too.
    ['/API/Calendar/AbCdEfGhIjKlMnOpQrStUv.ICS', '/api/calendar/[token].ics'],
    ['/api/calendar%2FAbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api%2Fcalendar%2fAbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar%252FAbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar%3FAbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar%20/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar;x=1/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendars/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar/token/', '/api/calendar/token/'],
    ['/api/calendar', '/api/calendar'],
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics/', '/api/calendar/[token].ics'],
    ['/api/calendar/token', '/api/calendar/token'],
    ['/api/calendar/TOKEN/', '/api/calendar/TOKEN/'],
    // Served: routing decodes %2E to a dot. And a mistyped feed URL carries the credential all the same.
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv%2Eics', '/api/calendar/[token].ics'],
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv.icss', '/api/calendar/[token].ics'],
    // A request line in absolute form names the host.
    ['http://amparo.example/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv', '/api/calendar/[token].ics'],
    // A feed URL badly joined or typed (a PUBLIC_URL ending in a slash, a proxy's prefix) carries it all the same.
    ['//api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api//calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/./calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/amparo/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/%63alendar/AbCdEfGhIjKlMnOpQrStUv.ics', '/api/calendar/[token].ics'],
    ['/api/calendar/AbCdEfGhIjKlMnOpQrStUv.ics/token', '/api/calendar/[token].ics'],
    ['//api/calendar/token', '//api/calendar/token'],
    ['/api/calendar', '/api/calendar'],
    // An A-number or phone typed where a case id goes; ids and references stay.
    ['/api/cases/A987654321', '/api/cases/[redacted]'],
    ['/api/cases/A%20987-654-321/events', '/api/cases/[redacted]/events'],
    ['/api/cases/12345678-1234-4567-8901-123456789012/events', '/api/cases/12345678-1234-4567-8901-123456789012/events'],
    ['/api/cases/AMP-7KQ3XH', '/api/cases/AMP-7KQ3XH'],
    ['/api/cases?aNumber=A123456789', '/api/cases'],
  ])('%s is logged as %s', (url, logged) => {
    expect(safeRequestPath(url)).toBe(logged);
  });

  it("keeps PostgreSQL's context line (which quotes the input it parsed) out of the log", () => {
    const { logger, text } = capture();
    const driverError = Object.assign(new Error('invalid input syntax for type json'), { code: '22P02', where: 'JSON data, line 1: {"name":"Zorblatt' });
    logger.error({ err: Object.assign(new Error('query failed'), { driverError, where: driverError.where }) }, 'Unhandled error');
    expect(text()).not.toContain('Zorblatt');
    expect(text()).toContain('22P02');
  });
});
