import net from 'node:net';
import { DataSource } from 'typeorm';
import { isDatabaseUnavailable } from '@amparo/database';
import { dataSourceOptions } from '../apps/api/src/data-source';
import { createTestDatabase } from './support/test-app';

/**
 * A database that stops answering without closing its connections (a frozen server, a host gone without a reset): the
 * server's statement_timeout is never enforced then, and a statement waited for TCP keepalive's two hours, holding a
 * job's timer (the missed sweep, offer expiry, email) and a pool connection. Here through a proxy that stops
 * forwarding, with a one-second answer limit for the test (the app's is 40 seconds).
 */
describe('a database that stops answering (e2e)', () => {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  let proxy: net.Server;
  let ds: DataSource;

  beforeAll(async () => {
    const url = new URL(await createTestDatabase());
    proxy = net.createServer((client) => {
      const upstream = net.connect(Number(url.port), url.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (data) => frozen || upstream.write(data));
      upstream.on('data', (data) => frozen || client.write(data));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxied = new URL(url.toString());
    proxied.hostname = '127.0.0.1';
    proxied.port = String((proxy.address() as net.AddressInfo).port);
    // One connection: a stuck one given back to the pool would be the next statement's.
    ds = new DataSource(dataSourceOptions(proxied.toString(), 1, { statementMs: 30_000, queryMs: 1000 }));
    await ds.initialize();
  });
  afterAll(async () => {
    frozen = false;
    await ds?.destroy().catch(() => undefined);
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('a statement without an answer fails in time as the database unreachable, and its connection is not used again', async () => {
    expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    frozen = true;
    const started = Date.now();
    const error = await ds.query('SELECT 2 AS two').then(() => null, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isDatabaseUnavailable(error)).toBe(true);
    frozen = false;
    // Answered on a new connection: the abandoned one, still waiting for the lost answer, would never have.
    expect(await ds.query('SELECT 3 AS three')).toEqual([{ three: 3 }]);
  });

  it('in a transaction too: it fails as the database unreachable, and the pool serves the next one', async () => {
    frozen = false;
    const started = Date.now();
    const error = await ds.transaction(async (tx) => {
      await tx.query('SELECT 1');
      frozen = true;
      await tx.query('SELECT 2');
    }).then(() => null, (e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(isDatabaseUnavailable(error)).toBe(true);
    frozen = false;
    expect(await ds.transaction((tx) => tx.query('SELECT 4 AS four'))).toEqual([{ four: 4 }]);
  });
});
