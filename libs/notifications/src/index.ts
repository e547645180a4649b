export * from './outbox.service';
export * from './mail-delivery.service';
export * from './notifications.module';
