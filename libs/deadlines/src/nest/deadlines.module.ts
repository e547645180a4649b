import { Module } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
import { NotificationsModule } from '@amparo/notifications';
import { CalendarController } from './calendar.controller';
import { CaseTimelineService } from './case-timeline.service';
import { DeadlineJobsService } from './deadline-jobs.service';
import { DeadlinesController } from './deadlines.controller';
import { DeadlinesService } from './deadlines.service';

@Module({
  imports: [NotificationsModule, AuditModule],
  controllers: [DeadlinesController, CalendarController],
  providers: [CaseTimelineService, DeadlineJobsService, DeadlinesService],
  exports: [CaseTimelineService, DeadlineJobsService],
})
export class DeadlinesModule {}
