import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
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
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly referrals: ReferralsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.timer = setInterval(() => {
      this.referrals.expireDue().catch((error: unknown) => this.logger.error({ err: error }, 'Offer expiry failed'));
    }, this.config.jobs.intervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

@Module({
  imports: [AuditModule, NotificationsModule, DeadlinesModule],
  controllers: [AttorneysController, ReferralsController],
  providers: [AttorneysService, ReferralsService, OfferExpiryJob],
  exports: [ReferralsService],
})
export class RoutingModule {}
