import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiDefaultResponse, ApiExtraModels, ApiOkResponse, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { FacilityResponse } from './openapi';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { Access } from '@amparo/auth';
import { BlankAsNull, ErrorResponse, Page, PageQuery, pageOf } from '@amparo/common';
import { FacilityView, ReferenceService } from './reference.service';

export class FacilityQuery extends PageQuery {
  // As a phone keyboard sends it ("houicdf ", " Houston"): trimmed, its invisible marks dropped; blank is no filter.
  @ApiPropertyOptional({ description: 'Part of the name, code or city' })
  @BlankAsNull({ place: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ example: 'TX' })
  @BlankAsNull({ upperCase: true })
  @IsOptional()
  @Matches(/^[A-Za-z]{2}$/, { message: 'state must be a 2-letter code' })
  state?: string;
}

@ApiTags('reference data')
@ApiBearerAuth()
@ApiExtraModels(FacilityResponse)
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/facilities')
export class FacilitiesController {
  constructor(private readonly reference: ReferenceService) {}

  @Get()
  @Access('authenticated')
  @ApiOkResponse({ schema: pageOf(FacilityResponse) })
  async list(@Query() query: FacilityQuery): Promise<Page<FacilityView>> {
    return this.reference.search(query, query.page, query.limit);
  }
}
