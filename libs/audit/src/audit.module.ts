import { Module } from '@nestjs/common';
import { AuthModule } from '@amparo/auth';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { UserChangeAudit } from './user-change-audit';

@Module({ imports: [AuthModule], controllers: [AuditController], providers: [AuditService, UserChangeAudit], exports: [AuditService] })
export class AuditModule {}
