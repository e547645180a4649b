import pino from 'pino';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { REDACT_PATHS } from './logging';

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
