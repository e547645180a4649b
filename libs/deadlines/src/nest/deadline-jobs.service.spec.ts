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
    jest.spyOn(service, 'planReminders').mockResolvedValue(2);
    await expect(service.tick()).resolves.toEqual({ missed: 0, planned: 2, sent: 3 });
    expect(logged).toHaveBeenCalledTimes(1);
    logged.mockRestore();
  });
});
