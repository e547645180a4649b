import { Module } from '@nestjs/common';
import { AuditModule } from '@amparo/audit';
import { DeadlinesModule } from '@amparo/deadlines';
import { ReferenceModule } from '@amparo/reference';
import { RoutingModule } from '@amparo/routing';
import { CaseCipher } from './case-cipher.service';
import { CasesController } from './cases.controller';
import { CasesService } from './cases.service';
import { CountyKeyBackfill } from './county-keys';
import { KeyRotationService } from './key-rotation.service';
import { PurgeService } from './purge.service';
import { ReferenceChangesForCases } from './reference-changes';

@Module({
  imports: [AuditModule, DeadlinesModule, ReferenceModule, RoutingModule],
  controllers: [CasesController],
  providers: [CasesService, CaseCipher, PurgeService, KeyRotationService, CountyKeyBackfill, ReferenceChangesForCases],
  exports: [CasesService, CaseCipher, PurgeService, KeyRotationService],
})
export class CasesModule {}
