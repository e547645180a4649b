import { createHash } from 'node:crypto';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';

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
 * Runs a hot, fixed statement as a named prepared statement: PostgreSQL parses and plans it once per connection
 * instead of on every call (for the intake's statements, planning cost the database more than executing them).
 *
 * `on` is a transaction's EntityManager (the statement runs in that transaction) or the DataSource (a pooled
 * connection, as `DataSource.query` does). Errors are TypeORM's `QueryFailedError`, as from `query()`.
 *
 * Rules for the SQL: a constant text (never built from input; parameters only), and explicit result columns, no `*`
 * (a CTE's explicit RETURNING list is fine): PostgreSQL refuses to run a prepared statement whose result shape changed
 * ("cached plan must not change result type"), so a migration adding a column would break `SELECT *` on every
 * connection that prepared it before. Tests cover both.
 */
export async function preparedQuery<T = Record<string, unknown>>(on: EntityManager | DataSource, sql: string, params: unknown[]): Promise<T[]> {
  const transactional = on instanceof EntityManager ? on.queryRunner : undefined;
  const runner = transactional ?? (on instanceof DataSource ? on : on.connection).createQueryRunner();
  try {
    const client = (await runner.connect()) as PgClient;
    try {
      const result = await client.query({ name: statementName(sql), text: sql, values: params });
      return result.rows as T[];
    } catch (error) {
      throw new QueryFailedError(sql, params, error as Error);
    }
  } finally {
    if (!transactional) await runner.release();
  }
}
