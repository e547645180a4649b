import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';

/**
 * How many distinct statements may be prepared. Each one stays prepared on every pool connection that ran it (a plan
 * cache entry in each PostgreSQL backend), so only fixed SQL texts belong here; past the cap a statement runs
 * unprepared rather than growing that cache without bound.
 */
export const PREPARED_STATEMENT_CAP = 64;

const names = new Map<string, string>();
let enabled = true;

/**
 * On by default. Off (DB_PREPARED_STATEMENTS=false) every statement is sent unnamed, as TypeORM does: for a
 * connection pooler in transaction mode that does not carry prepared statements across server connections.
 * Process-wide: the API sets it once at start from its configuration.
 */
export function usePreparedStatements(on: boolean): void {
  enabled = on;
}

function statementName(sql: string): string | undefined {
  if (!enabled) return undefined;
  let name = names.get(sql);
  if (name === undefined && names.size < PREPARED_STATEMENT_CAP) {
    name = `amparo_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}

interface PgClient {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * Statements a connection must prepare again, under a new name, because PostgreSQL refused their old plan (below).
 * node-postgres never re-parses a name it has prepared on a connection, so the name has to change.
 */
const generations = new WeakMap<PgClient, Map<string, number>>();

/** Old names of re-prepared statements, released on the connection's next successful use of the new one. */
const superseded = new WeakMap<PgClient, string[]>();

/**
 * PostgreSQL's refusal of a prepared statement whose result columns changed type or number since it was prepared
 * ("cached plan must not change result type"), recognised by its source routine, which is not translated. Also true
 * for the QueryFailedError preparedQuery throws, so a caller can retry a whole transaction that failed this way.
 */
export function isStalePreparedStatement(error: unknown): boolean {
  const e = error as { code?: string; routine?: string };
  return e?.code === '0A000' && e.routine === 'RevalidateCachedQuery';
}

/**
 * Runs a hot, fixed statement as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call (for the intake's statements, planning cost the database more than executing them).
 *
 * `on` is a transaction's EntityManager (the statement runs in that transaction) or the DataSource (a pooled
 * connection, as `DataSource.query` does). Errors are TypeORM's `QueryFailedError` with the driver's code and
 * constraint, as from `query()`; TypeORM's query logging and query events are not involved (none are configured).
 *
 * Rules for the SQL: a constant text (never built from input; parameters only), explicit result columns, no `*`
 * (a CTE's explicit RETURNING list is fine), and plain parameter values (strings, numbers, Buffers, Dates, arrays of
 * them; JSON stringified by the caller). PostgreSQL refuses to run a prepared statement whose result shape changed
 * since it was prepared ("cached plan must not change result type"): a migration adding a column would break a
 * `SELECT *` on every connection that prepared it. A migration that changes a returned column's type has the same
 * effect: then the statement is prepared again under a new name on that connection (the old one is deallocated);
 * outside a transaction it is retried at once, inside one the transaction fails with an error that
 * isStalePreparedStatement() recognises, for the caller to retry. Tests cover these cases.
 */
export async function preparedQuery<T = Record<string, unknown>>(on: EntityManager | DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const transactional = on instanceof EntityManager ? on.queryRunner : undefined;
  if (transactional?.isReleased) throw new QueryRunnerAlreadyReleasedError();
  const runner = transactional ?? (on instanceof DataSource ? on : on.dataSource).createQueryRunner();
  try {
    const client = (await runner.connect()) as PgClient;
    for (let attempt = 0; ; attempt++) {
      const base = statementName(sql);
      const generation = base ? (generations.get(client)?.get(sql) ?? 0) : 0;
      const name = base && generation ? `${base}_g${generation}` : base;
      try {
        const result = await client.query({ name, text: sql, values: params });
        await releaseSuperseded(client);
        return result.rows as T[];
      } catch (error) {
        if (name && isStalePreparedStatement(error)) {
          const mine = generations.get(client) ?? new Map<string, number>();
          mine.set(sql, generation + 1);
          generations.set(client, mine);
          superseded.set(client, [...(superseded.get(client) ?? []), name]);
          if (!transactional && attempt === 0) continue;
        }
        throw new QueryFailedError(sql, params, error as Error);
      }
    }
  } finally {
    if (!transactional) await runner.release();
  }
}

/** Deallocates a connection's statements that were prepared again under new names (names are ours: hex and _g). */
async function releaseSuperseded(client: PgClient): Promise<void> {
  const old = superseded.get(client);
  if (!old) return;
  superseded.delete(client);
  for (const name of old) await client.query({ text: `DEALLOCATE ${name}`, values: [] }).catch(() => undefined);
}
