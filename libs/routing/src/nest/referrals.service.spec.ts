import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { AuditService } from '@amparo/audit';
import type { UserChanges } from '@amparo/auth';
import type { Clock } from '@amparo/common';
import type { CaseTimelineService } from '@amparo/deadlines';
import type { OutboxService } from '@amparo/notifications';
import { ReferralsService } from './referrals.service';

/** An AuditService stand-in that runs the work (its appends are not the subject here). */
const audit = { appendingLast: (_tx: unknown, work: () => Promise<unknown>) => work() } as unknown as AuditService;
const clock = { now: () => new Date('2026-11-25T12:00:00Z') } as Clock;

/** A service whose transactions run `query`. */
function serviceWith(query: jest.Mock): ReferralsService {
  const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work({ query } as unknown as EntityManager) } as unknown as DataSource;
  return new ReferralsService(db, audit, {} as OutboxService, {} as CaseTimelineService, clock, {} as UserChanges);
}

/** One due offer to claim, then none but it; every other statement (taking its case) fails with `failure`. */
function oneDueOfferFailing(failure: (sql: string, params: unknown[]) => Error) {
  const claims: unknown[][] = [];
  const referral = { id: 'ref-1', case_id: 'case-1', organization_id: 'org', attorney_id: 'att', reference: 'AMP-1' };
  const query = jest.fn(async (sql: string, params: unknown[]) => {
    if (!sql.includes('FROM referrals r JOIN cases c')) throw failure(sql, params);
    claims.push(params);
    return claims.length === 1 ? [referral] : [];
  });
  return { service: serviceWith(query), claims };
}

describe('ReferralsService.expireDue', () => {
  it('leaves a referral whose expiry a concurrent transaction aborted for the next pass, and goes on with the rest', async () => {
    // Taking its case: chosen as the deadlock victim.
    const { service, claims } = oneDueOfferFailing((sql, params) =>
      new QueryFailedError(sql, params, Object.assign(new Error('deadlock detected'), { code: '40P01' })));
    await expect(service.expireDue()).resolves.toBe(0);
    expect(claims).toHaveLength(2);
    expect(claims[1][1]).toEqual(['ref-1']); // the second claim passes it over
  });

  it('any other error on a claimed offer is logged and the offer passed over, so it cannot stall every expiry', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { service, claims } = oneDueOfferFailing(() => new Error('an unexpected failure'));
    await expect(service.expireDue()).resolves.toBe(0);
    expect(claims[1][1]).toEqual(['ref-1']);
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });

  it('an error claiming (nothing claimed yet) ends the pass', async () => {
    await expect(serviceWith(jest.fn().mockRejectedValueOnce(new Error('boom'))).expireDue()).rejects.toThrow('boom');
  });
});
