import type { ArgumentsHost } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter } from './all-exceptions.filter';

/** Runs the filter on `error` and returns what the client would get. */
function answer(error: unknown) {
  const headers: Record<string, string> = {};
  let status = 0;
  let body: Record<string, unknown> = {};
  const response = {
    headersSent: false,
    setHeader: (name: string, value: string) => (headers[name] = value),
    status(code: number) {
      status = code;
      return this;
    },
    json: (value: Record<string, unknown>) => (body = value),
  };
  const host = { switchToHttp: () => ({ getResponse: () => response, getRequest: () => ({ id: 'req-1', log: {} }) }) } as unknown as ArgumentsHost;
  const filter = new AllExceptionsFilter();
  (filter as unknown as { logger: { warn: () => void; error: () => void } }).logger = { warn: () => undefined, error: () => undefined };
  filter.catch(error, host);
  return { status, body, headers };
}

describe('AllExceptionsFilter, database errors', () => {
  it('a transaction aborted by a concurrent one: 409 CONCURRENT_UPDATE, retry in a second', () => {
    for (const code of ['40P01', '40001']) {
      const res = answer(new QueryFailedError('UPDATE', [], Object.assign(new Error('deadlock detected'), { code })));
      expect(res).toEqual({
        status: 409,
        headers: { 'Retry-After': '1' },
        body: { statusCode: 409, error: 'Conflict', code: 'CONCURRENT_UPDATE', message: 'Another change to the same records got in the way; nothing was saved, retry' },
      });
    }
  });

  it('a statement that timed out (a lock waited for too long): 503 DATABASE_BUSY, retry in five seconds, not a 500', () => {
    for (const [code, message] of [['57014', 'canceling statement due to statement timeout'], ['55P03', 'canceling statement due to lock timeout']]) {
      const res = answer(new QueryFailedError('UPDATE cases SET x = $1', ['\\xdeadbeef'], Object.assign(new Error(message), { code })));
      expect(res).toEqual({
        status: 503,
        headers: { 'Retry-After': '5' },
        body: { statusCode: 503, error: 'Service Unavailable', code: 'DATABASE_BUSY', message: 'The database took too long to answer; nothing was saved, retry in a few seconds' },
      });
    }
  });

  it('the database out of reach: 503 DATABASE_UNAVAILABLE, retry in five seconds', () => {
    const res = answer(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    expect(res.status).toBe(503);
    expect(res.headers).toEqual({ 'Retry-After': '5' });
    expect(res.body).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    expect(JSON.stringify(res.body)).not.toContain('5432');
  });

  it('any other database error: a 500 with an error id only', () => {
    const res = answer(new QueryFailedError('INSERT', ['secret value'], Object.assign(new Error('duplicate key'), { code: '23505' })));
    expect(res.status).toBe(500);
    expect(Object.keys(res.body).sort()).toEqual(['error', 'errorId', 'message', 'statusCode']);
    expect(res.headers).toEqual({});
  });
});
