import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { AuditService } from '@amparo/audit';

/** An AuditService stand-in that runs the work (its appends are not the subject here). */
const audit = { appendingLast: (_tx: unknown, work: () => Promise<unknown>) => work() } as unknown as AuditService;
import type { Clock } from '@amparo/common';
import type { CaseTimelineService } from '@amparo/deadlines';
import type { OutboxService } from '@amparo/notifications';
import { ReferralsService } from './referrals.service';

describe('ReferralsService.expireDue', () => {
  it('leaves a referral whose expiry a concurrent transaction aborted for the next pass, and goes on with the rest', async () => {
    const claims: unknown[][] = [];
    const referral = { id: 'ref-1', case_id: 'case-1', organization_id: 'org', attorney_id: 'att', reference: 'AMP-1' };
    const tx = {
      query: jest.fn(async (sql: string, params: unknown[]) => {
        if (sql.includes('FROM referrals r JOIN cases c')) {
          claims.push(params);
          return claims.length === 1 ? [referral] : []; // one due offer, then none but it
        }
        // Taking its case: chosen as the deadlock victim.
        throw new QueryFailedError(sql, params, Object.assign(new Error('deadlock detected'), { code: '40P01' }));
      }),
    };
    const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx as unknown as EntityManager) } as unknown as DataSource;
    const clock = { now: () => new Date('2026-11-25T12:00:00Z') } as Clock;
    const service = new ReferralsService(db, audit, {} as OutboxService, {} as CaseTimelineService, clock);

    await expect(service.expireDue()).resolves.toBe(0);
    expect(claims).toHaveLength(2);
    expect(claims[1][1]).toEqual(['ref-1']); // the second claim passes it over
  });

  it('any other error on a claimed offer is logged and the offer passed over, so it cannot stall every expiry', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const claims: unknown[][] = [];
    const referral = { id: 'ref-1', case_id: 'case-1', organization_id: 'org', attorney_id: 'att', reference: 'AMP-1' };
    const tx = {
      query: jest.fn(async (sql: string, params: unknown[]) => {
        if (sql.includes('FROM referrals r JOIN cases c')) {
          claims.push(params);
          return claims.length === 1 ? [referral] : [];
        }
        throw new Error('an unexpected failure');
      }),
    };
    const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx as unknown as EntityManager) } as unknown as DataSource;
    const service = new ReferralsService(db, audit, {} as OutboxService, {} as CaseTimelineService, { now: () => new Date() } as Clock);
    await expect(service.expireDue()).resolves.toBe(0);
    expect(claims[1][1]).toEqual(['ref-1']);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('an error claiming (nothing claimed yet) ends the pass', async () => {
    const tx = { query: jest.fn().mockRejectedValueOnce(new Error('boom')) };
    const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx as unknown as EntityManager) } as unknown as DataSource;
    const service = new ReferralsService(db, audit, {} as OutboxService, {} as CaseTimelineService, { now: () => new Date() } as Clock);
    await expect(service.expireDue()).rejects.toThrow('boom');
  });
});
