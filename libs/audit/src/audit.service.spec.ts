import type { DataSource, EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { Clock, notFound } from '@amparo/common';
import { AuditService, AuditedRefusal } from './audit.service';

const deadlock = () => new QueryFailedError('UPDATE cases ...', [], Object.assign(new Error('deadlock detected'), { code: '40P01' }));

/** A DataSource whose transactions fail as scripted; the work is handed a stand-in manager. */
function fakeDb(failures: unknown[]) {
  let runs = 0;
  const db = {
    transaction: jest.fn(async (work: (tx: EntityManager) => Promise<unknown>) => {
      runs += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return work({} as EntityManager);
    }),
  };
  return { db: db as unknown as DataSource, runs: () => runs };
}

describe('AuditService.transaction', () => {
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') } as Clock;

  it('runs a transaction aborted by a concurrent one again, up to three runs in all', async () => {
    const { db, runs } = fakeDb([deadlock(), deadlock()]);
    await expect(new AuditService(db, clock).transaction(async () => 'done')).resolves.toBe('done');
    expect(runs()).toBe(3);
  });

  it('gives the third abort to the caller', async () => {
    const { db, runs } = fakeDb([deadlock(), deadlock(), deadlock()]);
    await expect(new AuditService(db, clock).transaction(async () => 'done')).rejects.toBeInstanceOf(QueryFailedError);
    expect(runs()).toBe(3);
  });

  it('does not run again for any other error', async () => {
    const unique = new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
    const { db, runs } = fakeDb([unique]);
    await expect(new AuditService(db, clock).transaction(async () => 'done')).rejects.toBe(unique);
    expect(runs()).toBe(1);
  });

  it('records a refusal once, after the refusing transaction, and rethrows it', async () => {
    const { db } = fakeDb([]);
    const service = new AuditService(db, clock);
    const recordAlone = jest.spyOn(service, 'recordAlone').mockResolvedValue(undefined);
    const entry = { organizationId: 'org', actorId: 'user', actorRole: 'attorney', action: 'case.access_denied' as const, caseId: 'case' };
    const refusal = new AuditedRefusal(entry, notFound('Case'));
    await expect(service.refusalsAudited(() => service.transaction(async () => Promise.reject(refusal)))).rejects.toBe(refusal);
    expect(recordAlone).toHaveBeenCalledTimes(1);
    expect(recordAlone).toHaveBeenCalledWith(entry);
    expect(refusal).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Case not found' });
  });
});
