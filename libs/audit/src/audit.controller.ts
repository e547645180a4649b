import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { Page, PageQuery } from '@amparo/common';
import { AUDIT_ACTIONS, AuditEventView, AuditService } from './audit.service';

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
  @IsOptional()
  @IsIn(AUDIT_ACTIONS)
  action?: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @Access('admin', 'coordinator')
  @ApiOperation({ summary: 'The organization\'s audit trail, newest first. It records who did what to which case and which fields, never values.' })
  list(@CurrentUser() user: Principal, @Query() query: AuditQuery): Promise<Page<AuditEventView>> {
    return this.audit.list(user.organizationId, query, query.page, query.limit);
  }

  @Get('verify')
  @Access('admin')
  @ApiOperation({ summary: 'Re-computes the hash chain; names the first broken link.' })
  verify(@CurrentUser() user: Principal): Promise<{ ok: boolean; checked: number; firstBrokenId?: string; truncatedChains?: number[] }> {
    return this.audit.verify(user.organizationId);
  }
}
