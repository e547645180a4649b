import { Server, Socket, createServer } from 'node:net';
import { Client, Pool } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';
import { noteConnectionCut } from './guarded-pg';

/** The errors node-postgres really raises, from local sockets: no database involved. */
describe('isDatabaseUnavailable', () => {
  let silent: Server; // accepts connections and never answers, like a hung server
  const sockets = new Set<Socket>();
  let silentPort: number;
  let closedPort: number;

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    silentPort = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as { port: number }).port)));
    const probe = createServer();
    closedPort = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as { port: number }).port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a refused connection', async () => {
    const error = await new Client({ host: '127.0.0.1', port: closedPort, connectionTimeoutMillis: 1000 }).connect().catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('ECONNREFUSED');
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('a server that does not answer in time, and a pool checkout that times out', async () => {
    const client = new Client({ host: '127.0.0.1', port: silentPort, connectionTimeoutMillis: 150 });
    const connectError = await client.connect().catch((e: unknown) => e);
    expect(isDatabaseUnavailable(connectError)).toBe(true);
    const pool = new Pool({ host: '127.0.0.1', port: silentPort, max: 1, connectionTimeoutMillis: 150 });
    const checkoutErrors = await Promise.all([pool.connect().catch((e: unknown) => e), pool.connect().catch((e: unknown) => e)]);
    for (const error of checkoutErrors) expect(isDatabaseUnavailable(error)).toBe(true);
    expect(checkoutErrors.map((e) => (e as Error).message)).toContain('timeout exceeded when trying to connect');
    await pool.end().catch(() => undefined);
  });

  it('a statement cut off by a server shutdown, as TypeORM wraps it', () => {
    const driverError = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], driverError))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('connection failure'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Query read timeout'))).toBe(true);
    // The next statement of a transaction whose connection was cut, once TypeORM released it: only after a cut (else a
    // transaction used after it ended, a bug).
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(false);
    noteConnectionCut();
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(true);
    expect(isDatabaseUnavailable(new QueryRunnerProviderAlreadyReleasedError())).toBe(true);
    noteConnectionCut(Date.now() - 120_000);
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(false);
  });

  it('not a failed statement, a bug, or anything else', () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint "users_email_key"'), { code: '23505' });
    expect(isDatabaseUnavailable(new QueryFailedError('INSERT', [], unique))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly, and more'))).toBe(false);
    for (const value of [undefined, null, 'ECONNREFUSED', 42, { code: 5 }]) expect(isDatabaseUnavailable(value)).toBe(false);
  });
});
