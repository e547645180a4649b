import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { Clock } from '@amparo/common';
import type { AppConfig } from '@amparo/config';
import type { MailDeliveryService, OutboxService } from '@amparo/notifications';
import type { CaseTimelineService } from './case-timeline.service';
import { DeadlineJobsService } from './deadline-jobs.service';

describe('DeadlineJobsService.tick', () => {
  it('a job that fails is logged and the others of the pass still run (offer emails go out)', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const mail = { deliverDue: jest.fn().mockResolvedValue(3) } as unknown as MailDeliveryService;
    const service = new DeadlineJobsService({} as DataSource, {} as AppConfig, {} as OutboxService, mail, {} as CaseTimelineService, {} as Clock);
    jest.spyOn(service, 'sweepMissed').mockRejectedValue(new Error('a case could not be recomputed'));
    jest.spyOn(service, 'reviewUrgency').mockResolvedValue(4);
    jest.spyOn(service, 'planReminders').mockResolvedValue(2);
    await expect(service.tick()).resolves.toEqual({ missed: 0, reviewed: 4, planned: 2, sent: 3 });
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});

describe('DeadlineJobsService.sweepMissed', () => {
  const clock = { now: () => new Date('2026-11-26T12:00:00Z') } as Clock;
  const service = (transaction: jest.Mock) => {
    const db = { query: jest.fn().mockResolvedValue([{ case_id: 'c1' }, { case_id: 'c2' }, { case_id: 'c3' }]), transaction } as unknown as DataSource;
    return new DeadlineJobsService(db, {} as AppConfig, {} as OutboxService, {} as MailDeliveryService, {} as CaseTimelineService, clock);
  };

  it('goes on past a case that fails', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const transaction = jest.fn().mockRejectedValueOnce(new Error('this case cannot be recomputed')).mockResolvedValue({ newlyMissed: [{}] });
    await expect(service(transaction).sweepMissed()).resolves.toBe(2);
    expect(transaction).toHaveBeenCalledTimes(3);
    logged.mockRestore();
  });

  it('ends the pass when the database is out of reach (the other cases would fail alike)', async () => {
    const transaction = jest.fn().mockRejectedValue(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }));
    await expect(service(transaction).sweepMissed()).rejects.toThrow('ECONNREFUSED');
    expect(transaction).toHaveBeenCalledTimes(1);
  });
});

describe('DeadlineJobsService.reviewUrgency', () => {
  it('puts a case that fails an hour back, so that it does not come first on every pass', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const now = new Date('2026-11-26T12:00:00Z');
    const query = jest.fn().mockResolvedValueOnce([{ id: 'c1' }, { id: 'c2' }]).mockResolvedValue([]);
    const transaction = jest.fn().mockRejectedValueOnce(new Error('this case cannot be recomputed')).mockResolvedValue({ newlyMissed: [] });
    const db = { query, transaction } as unknown as DataSource;
    const service = new DeadlineJobsService(db, {} as AppConfig, {} as OutboxService, {} as MailDeliveryService, {} as CaseTimelineService, { now: () => now } as Clock);
    await expect(service.reviewUrgency()).resolves.toBe(1);
    expect(query).toHaveBeenLastCalledWith(expect.stringContaining('SET urgency_review_at'), ['c1', new Date('2026-11-26T13:00:00Z'), now]);
    logged.mockRestore();
  });

  it('does not put back a case that only lost to a concurrent transaction (the next pass takes it)', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const now = new Date('2026-11-26T12:00:00Z');
    const query = jest.fn().mockResolvedValueOnce([{ id: 'c1' }]).mockResolvedValue([]);
    const deadlock = Object.assign(new Error('deadlock detected'), { code: '40P01' });
    const transaction = jest.fn().mockRejectedValueOnce(deadlock);
    const db = { query, transaction } as unknown as DataSource;
    const service = new DeadlineJobsService(db, {} as AppConfig, {} as OutboxService, {} as MailDeliveryService, {} as CaseTimelineService, { now: () => now } as Clock);
    await expect(service.reviewUrgency()).resolves.toBe(0);
    expect(query).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
