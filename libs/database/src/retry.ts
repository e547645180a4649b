import type { DataSource, EntityManager } from 'typeorm';
import { isTransientConflict } from './pg-errors';

/** Runs of a transaction aborted by a concurrent one (see transactionWithRetry), before the error is the caller's. */
export const TRANSACTION_ATTEMPTS = 3;

/**
 * `db.transaction(work)`, run again when PostgreSQL aborts it for a concurrent transaction (a deadlock victim, a
 * serialization failure: nothing of it was kept), up to TRANSACTION_ATTEMPTS runs in all. `work` must do nothing but
 * database work in `tx`, so that running it again is safe.
 */
export async function transactionWithRetry<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (error) {
      if (attempt < TRANSACTION_ATTEMPTS && isTransientConflict(error)) continue;
      throw error;
    }
  }
}
