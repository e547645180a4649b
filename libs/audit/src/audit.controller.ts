import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiDefaultResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { BlankMeansAny, ErrorResponse, Page, PageQuery, pageOf } from '@amparo/common';
import { AUDIT_ACTIONS, AuditEventView, AuditService, AuditVerification } from './audit.service';
import { AuditEventResponse, AuditVerifyResponse } from './openapi';

export class AuditQuery extends PageQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  caseId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @BlankMeansAny()
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@ApiExtraModels(AuditEventResponse)
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access('admin', 'coordinator')
  @ApiOperation({ summary: 'The organization\'s audit trail, newest first. It records who did what to which case and which fields, never a case field\'s value (a reveal\'s reason is kept as given; changes of settings, roles and accounts keep their before and after).' })
  @ApiOkResponse({ schema: pageOf(AuditEventResponse) })
  list(@CurrentUser() user: Principal, @Query() query: AuditQuery): Promise<Page<AuditEventView>> {
    return this.audit.list(user.organizationId, query, query.page, query.limit);
  }

  @Get('verify')
  @Access('admin')
  @ApiOperation({ summary: 'Re-computes the hash chain; names the first broken link.' })
  @ApiOkResponse({ type: AuditVerifyResponse })
  verify(@CurrentUser() user: Principal): Promise<AuditVerification> {
    return this.audit.verify(user.organizationId);
  }
}
