import { AsyncResource } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import * as pg from 'pg';

const logger = new Logger('Database');

/** When this process last saw a pooled connection cut (see connectionCutRecently). */
let lastCutAt = Number.NEGATIVE_INFINITY;

export function noteConnectionCut(at = Date.now()): void {
  lastCutAt = at;
}

/**
 * Whether a pooled connection was cut in the last minute: what tells a query runner released under a transaction (the
 * connection gone) from code using a transaction after it ended (a bug, to be a 500 with its stack).
 */
export function connectionCutRecently(now = Date.now(), withinMs = 60_000): boolean {
  return now - lastCutAt <= withinMs;
}

/** node-postgres's error for a statement that got no answer within `query_timeout`. */
export const READ_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A client that abandons its connection when a statement gets no answer in time (`query_timeout`). node-postgres fails
 * the statement but keeps the connection, still waiting for that answer: given back to the pool, every later statement
 * on it would queue behind the one the server never answers. Its socket is destroyed instead: the client errors
 * ('Connection terminated unexpectedly'), whoever holds it gives it back with that error, and the pool discards it.
 */
class GuardedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    const abandonOn = (error: unknown) => {
      if ((error as Error | undefined)?.message !== READ_TIMEOUT_MESSAGE) return;
      logger.warn('A database statement got no answer in time: its connection is abandoned');
      // Not queryable from now (what pg-pool reads when the client comes back, before the socket's close is seen).
      const client = this as unknown as { _queryable: boolean; connection: { stream: { destroy(): void } } };
      client._queryable = false;
      client.connection.stream.destroy();
    };
    (this as { query: unknown }).query = (...args: unknown[]) => {
      const last = args.length - 1;
      if (typeof args[last] === 'function') {
        const callback = args[last] as (error: unknown, ...rest: unknown[]) => void;
        args[last] = (error: unknown, ...rest: unknown[]) => {
          abandonOn(error);
          callback(error, ...rest);
        };
      }
      const result = query(...args);
      if (result instanceof Promise) result.catch(abandonOn);
      return result;
    };
  }
}

/**
 * node-postgres for TypeORM, its pool's clients never without an 'error' listener. A client handed out by the pool
 * listens to nothing until TypeORM attaches its own listener (a promise later), and TypeORM removes that listener when
 * it gives the client back: a connection the server cut in between (a restart, a failover, pg_terminate_backend) made
 * the client emit 'error' with no listener, an uncaught exception that ended the API. Each client now listens from its
 * creation; whoever holds it still sees its queries fail and gives it back, and the pool discards it.
 */
class GuardedPool extends pg.Pool {
  /** Connections made and not yet closed: what `end` waits for. */
  private readonly connected = new Set<pg.Client>();

  constructor(options?: pg.PoolConfig) {
    super({ ...options, Client: GuardedClient });
    // Bound to the pool's own context (made at start): a connection's socket keeps the context of the request that
    // opened it, and its cut, long after, would be logged with that request's id and user.
    const onCut = AsyncResource.bind((error: Error & { code?: string }) => {
      noteConnectionCut();
      logger.warn({ code: error.code, error: error.message }, 'A database connection was cut');
    });
    this.on('connect', (client) => {
      client.on('error', onCut);
      this.connected.add(client);
      client.once('end', () => this.connected.delete(client));
    });
  }

  /**
   * Ends the pool once its connections are closed, not only asked to close: node-postgres calls it ended as soon as it
   * has sent each its goodbye. A server stopped right after (the embedded one, when the API or a CLI command stops)
   * then cut the connections still closing, logged as cuts at every stop ("terminating connection due to
   * administrator command"). Waits 5 seconds at most for them to close: a server that does not answer its goodbye
   * does not hold the stop. (node-postgres itself still waits for a connection that is never given back.)
   */
  override end(): Promise<void>;
  override end(callback: (error?: Error) => void): void;
  override end(callback?: (error?: Error) => void): Promise<void> | void {
    const ended = super.end().then(() => this.closed(5000));
    if (!callback) return ended;
    ended.then(() => callback(), callback);
  }

  /** When the last connection has closed, or `withinMs` has passed. */
  private closed(withinMs: number): Promise<void> {
    if (this.connected.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, withinMs);
      const check = () => {
        if (this.connected.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      for (const client of this.connected) client.once('end', check);
    });
  }
}

/** The `driver` of every DataSource built from dataSourceOptions. */
export const GUARDED_PG = { ...pg, Pool: GuardedPool };
