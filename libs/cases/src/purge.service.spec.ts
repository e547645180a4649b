import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService } from '@amparo/audit';
import type { Clock } from '@amparo/common';
import type { AppConfig } from '@amparo/config';
import { PurgeService } from './purge.service';

describe('PurgeService.purgeDue', () => {
  const clock = { now: () => new Date('2026-11-26T12:00:00Z') } as Clock;
  beforeAll(() => jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined));
  afterAll(() => jest.restoreAllMocks());

  it('a case whose purge fails is passed over for the rest of the run, and the run goes on', async () => {
    const claims: unknown[][] = [];
    const tx = {
      query: jest.fn(async (sql: string, params: unknown[]) => {
        if (sql.includes('FROM cases c JOIN organizations')) {
          claims.push(params);
          return claims.length === 1 ? [{ id: 'case-1', reference: 'AMP-1', organization_id: 'org' }] : [];
        }
        throw new Error('a statement of the purge failed');
      }),
    };
    const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx as unknown as EntityManager) } as unknown as DataSource;
    const service = new PurgeService(db, {} as AppConfig, {} as AuditService, clock);
    await expect(service.purgeDue()).resolves.toBe(0);
    expect(claims).toHaveLength(2);
    expect(claims[1][1]).toEqual(['case-1']);
  });

  it('a claim that fails (the database is down) ends the run with the error', async () => {
    const tx = { query: jest.fn().mockRejectedValueOnce(new Error('connection refused')) };
    const db = { transaction: (work: (m: EntityManager) => Promise<unknown>) => work(tx as unknown as EntityManager) } as unknown as DataSource;
    await expect(new PurgeService(db, {} as AppConfig, {} as AuditService, clock).purgeDue()).rejects.toThrow('connection refused');
  });
});
