import { Inject, Injectable, Logger, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
import { AuthModule } from '@amparo/auth';
import { every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { DeadlinesModule } from '@amparo/deadlines';
import { NotificationsModule } from '@amparo/notifications';
import { AttorneysService } from './attorneys.service';
import { ReferralsService } from './referrals.service';
import { AttorneysController, ReferralsController } from './routing.controllers';

/**
 * Moves expired offers on, every minute (safe with several instances: each offer is claimed once), after releasing
 * what former attorneys still hold.
 */
@Injectable()
export class OfferExpiryJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OfferExpiry');
  private stop?: () => Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly referrals: ReferralsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.intervalSeconds, () => this.pass(), this.logger, 'Offer expiry');
  }

  /** Cases and offers stranded with former attorneys first (their offers then expire in the same pass), then expiry. */
  async pass(): Promise<number> {
    try {
      await this.referrals.releaseStranded();
    } catch (error) {
      this.logger.error({ err: error }, 'Releasing stranded cases failed; expiry goes on');
    }
    return this.referrals.expireDue();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }
}

@Module({
  imports: [AuthModule, AuditModule, NotificationsModule, DeadlinesModule],
  controllers: [AttorneysController, ReferralsController],
  providers: [AttorneysService, ReferralsService, OfferExpiryJob],
  exports: [ReferralsService],
})
export class RoutingModule {}
