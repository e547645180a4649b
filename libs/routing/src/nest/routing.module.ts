import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
import { AuthModule } from '@amparo/auth';
import { every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { DeadlinesModule } from '@amparo/deadlines';
import { NotificationsModule } from '@amparo/notifications';
import { AttorneysService } from './attorneys.service';
import { ReferralsService } from './referrals.service';
import { AttorneysController, ReferralsController } from './routing.controllers';

/** Moves expired offers on, every minute (safe with several instances: each offer is claimed once). */
@Injectable()
export class OfferExpiryJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OfferExpiry');
  private stop?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly referrals: ReferralsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.intervalSeconds, () => this.referrals.expireDue(), this.logger, 'Offer expiry');
  }

  onApplicationShutdown(): void {
    this.stop?.();
  }
}

@Module({
  imports: [AuthModule, AuditModule, NotificationsModule, DeadlinesModule],
  controllers: [AttorneysController, ReferralsController],
  providers: [AttorneysService, ReferralsService, OfferExpiryJob],
  exports: [ReferralsService],
})
export class RoutingModule {}
