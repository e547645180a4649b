import { Module } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
import { DeadlinesModule } from '@amparo/deadlines';
import { ReferenceModule } from '@amparo/reference';
import { RoutingModule } from '@amparo/routing';
import { CaseCipher } from './case-cipher.service';
import { CasesController } from './cases.controller';
import { CasesService } from './cases.service';
import { KeyRotationService } from './key-rotation.service';
import { PurgeService } from './purge.service';

@Module({
  imports: [AuditModule, DeadlinesModule, ReferenceModule, RoutingModule],
  controllers: [CasesController],
  providers: [CasesService, CaseCipher, PurgeService, KeyRotationService],
  exports: [CasesService, CaseCipher, PurgeService, KeyRotationService],
})
export class CasesModule {}
