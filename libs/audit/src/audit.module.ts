import { Module } from '@nestjs/common';
import { AuthModule } from '@amparo/auth';
import { AuditSealService } from './audit-seal.service';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';
import { UserChangeAudit } from './user-change-audit';

@Module({ imports: [AuthModule], controllers: [AuditController], providers: [AuditService, AuditSealService, UserChangeAudit], exports: [AuditService, AuditSealService] })
export class AuditModule {}
