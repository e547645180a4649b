import { Module } from '@nestjs/common';
import { MailDeliveryService } from './mail-delivery.service';
import { OutboxService } from './outbox.service';

@Module({ providers: [OutboxService, MailDeliveryService], exports: [OutboxService, MailDeliveryService] })
export class NotificationsModule {}
