import { Module } from '@nestjs/common';
import { FacilitiesController } from './facilities.controller';
import { ReferenceService } from './reference.service';

@Module({ controllers: [FacilitiesController], providers: [ReferenceService], exports: [ReferenceService] })
export class ReferenceModule {}
