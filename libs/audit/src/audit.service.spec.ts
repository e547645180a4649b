import type { DataSource, EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { Clock, notFound } from '@amparo/common';
import { chainFor } from './audit-chain';
import { AuditSealService } from './audit-seal.service';
import { AuditEntry, AuditService, AuditedRefusal } from './audit.service';

const deadlock = () => new QueryFailedError('UPDATE cases ...', [], Object.assign(new Error('deadlock detected'), { code: '40P01' }));

/** A DataSource whose transactions fail as scripted; the work is handed a stand-in manager. */
function fakeDb(failures: unknown[]) {
  let runs = 0;
  const db = {
    transaction: jest.fn(async (work: (tx: EntityManager) => Promise<unknown>) => {
      runs += 1;
      const failure = failures.shift();
      if (failure) throw failure;
      return work({ queryRunner: { isTransactionActive: true } } as unknown as EntityManager);
    }),
  };
  return { db: db as unknown as DataSource, runs: () => runs };
}

describe('AuditService.transaction', () => {
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') } as Clock;

  it('runs a transaction aborted by a concurrent one again, up to three runs in all', async () => {
    const { db, runs } = fakeDb([deadlock(), deadlock()]);
    await expect(new AuditService(db, clock, {} as AuditSealService).transaction(async () => 'done')).resolves.toBe('done');
    expect(runs()).toBe(3);
  });

  it('gives the third abort to the caller', async () => {
    const { db, runs } = fakeDb([deadlock(), deadlock(), deadlock()]);
    await expect(new AuditService(db, clock, {} as AuditSealService).transaction(async () => 'done')).rejects.toBeInstanceOf(QueryFailedError);
    expect(runs()).toBe(3);
  });

  it('does not run again for any other error', async () => {
    const unique = new QueryFailedError('INSERT', [], Object.assign(new Error('duplicate key'), { code: '23505' }));
    const { db, runs } = fakeDb([unique]);
    await expect(new AuditService(db, clock, {} as AuditSealService).transaction(async () => 'done')).rejects.toBe(unique);
    expect(runs()).toBe(1);
  });

  it('records a refusal once, after the refusing transaction, and rethrows it', async () => {
    const { db } = fakeDb([]);
    const service = new AuditService(db, clock, {} as AuditSealService);
    const recordAlone = jest.spyOn(service, 'recordAlone').mockResolvedValue(undefined);
    const entry = { organizationId: 'org', actorId: 'user', actorRole: 'attorney', action: 'case.access_denied' as const, caseId: 'case' };
    const refusal = new AuditedRefusal(entry, notFound('Case'));
    await expect(service.refusalsAudited(() => service.transaction(async () => Promise.reject(refusal)))).rejects.toBe(refusal);
    expect(recordAlone).toHaveBeenCalledTimes(1);
    expect(recordAlone).toHaveBeenCalledWith(entry);
    expect(refusal).toMatchObject({ status: 404, code: 'NOT_FOUND', message: 'Case not found' });
  });
});

describe('AuditService.appendingLast', () => {
  const clock = { now: () => new Date('2026-11-25T12:00:00Z') } as Clock;

  /** A service whose appends are noted instead of written, with a manager in an open transaction. */
  function appendsNoted() {
    const service = new AuditService({} as DataSource, clock, {} as AuditSealService);
    const appended: AuditEntry[] = [];
    jest.spyOn(service as unknown as { appendCreatingHead: (m: EntityManager, e: AuditEntry) => Promise<void> }, 'appendCreatingHead')
      .mockImplementation(async (_m, entry) => void appended.push(entry));
    const tx = { queryRunner: { isTransactionActive: true } } as unknown as EntityManager;
    return { service, appended, tx };
  }

  // Two case ids on different chains.
  const byChain = ['case-a', 'case-b', 'case-c', 'case-d', 'case-e'].sort((x, y) => chainFor(y) - chainFor(x));
  const [high, low] = [byChain[0], byChain[byChain.length - 1]];
  const entry = (organizationId: string, caseId: string, action: AuditEntry['action']): AuditEntry =>
    ({ organizationId, actorId: null, actorRole: 'system', action, caseId });

  it('appends what the work recorded after the work, by organization and chain, each chain in the order recorded', async () => {
    expect(chainFor(high)).toBeGreaterThan(chainFor(low));
    const { service, appended, tx } = appendsNoted();
    const recorded = [
      entry('org-2', low, 'case.event'),
      entry('org-1', high, 'referral.decline'),
      entry('org-1', low, 'case.update'),
      entry('org-1', high, 'referral.offer'),
    ];
    const result = await service.appendingLast(tx, async () => {
      for (const e of recorded) await service.record(tx, e);
      expect(appended).toEqual([]); // nothing before the work is done
      return 'done';
    });
    expect(result).toBe('done');
    expect(appended).toEqual([recorded[2], recorded[1], recorded[3], recorded[0]]);
  });

  it('appends nothing when the work fails, and records at once again afterwards', async () => {
    const { service, appended, tx } = appendsNoted();
    await expect(service.appendingLast(tx, async () => {
      await service.record(tx, entry('org-1', low, 'case.update'));
      throw new Error('boom');
    })).rejects.toThrow('boom');
    expect(appended).toEqual([]);
    await service.record(tx, entry('org-1', high, 'case.event'));
    expect(appended).toHaveLength(1);
  });

  it('nested, the outer one appends', async () => {
    const { service, appended, tx } = appendsNoted();
    await service.appendingLast(tx, async () => {
      await service.appendingLast(tx, () => service.record(tx, entry('org-1', low, 'case.update')));
      expect(appended).toEqual([]);
    });
    expect(appended).toHaveLength(1);
  });
});
