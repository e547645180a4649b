import { Body, Controller, Get, Headers, Patch, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiDefaultResponse, ApiHeader, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Type } from 'class-transformer';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsBoolean, IsInt, IsObject, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { AuditService, canonicalJson } from '@amparo/audit';
import { Access, CurrentUser, Organization, RETENTION_LOWERING_GRACE_DAYS, type Principal } from '@amparo/auth';
import { Clock, ErrorResponse, IsUsTimeZone, IsOptionalNotNull, entityTags, invalid, notFound, requireVersion, withETag } from '@amparo/common';

export class OfferWindowsDto {
  @ApiProperty({ type: 'integer', description: 'minutes', example: 120, minimum: 15, maximum: 43200 }) @IsInt() @Min(15) @Max(43200) critical: number;
  @ApiProperty({ type: 'integer', description: 'minutes', example: 1440, minimum: 15, maximum: 43200 }) @IsInt() @Min(15) @Max(43200) high: number;
  @ApiProperty({ type: 'integer', description: 'minutes', example: 4320, minimum: 15, maximum: 43200 }) @IsInt() @Min(15) @Max(43200) normal: number;
  @ApiProperty({ type: 'integer', description: 'minutes', example: 10080, minimum: 15, maximum: 43200 }) @IsInt() @Min(15) @Max(43200) low: number;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional() @IsOptionalNotNull() @IsString() @MinLength(1) @MaxLength(200) name?: string;

  @ApiPropertyOptional({ description: 'Offer urgent cases with consent to the best attorney on intake' })
  @IsOptionalNotNull() @IsBoolean() autoRouting?: boolean;

  @ApiPropertyOptional({ type: OfferWindowsDto, description: 'How long an attorney has to answer an offer, per urgency (minutes)' })
  @IsOptionalNotNull() @IsObject() @ValidateNested() @Type(() => OfferWindowsDto) offerWindowsMinutes?: OfferWindowsDto;

  @ApiPropertyOptional({
    type: 'integer', minimum: 30, maximum: 36500,
    description: `Days after closing before a case is crypto-shredded. A lowering takes effect after ${RETENTION_LOWERING_GRACE_DAYS} days (until then closed cases are kept as long as before: see retentionLowered), so that a mistyped value can be put back before it shreds anything`,
  })
  @IsOptionalNotNull() @IsInt() @Min(30) @Max(36500) retentionDays?: number;
  @ApiPropertyOptional({ example: 'America/Chicago', description: "IANA zone (of the United States or its territories) for cases whose place is not known yet (no facility, zone or state); default America/New_York" })
  @IsOptionalNotNull() @IsUsTimeZone() timeZone?: string;
}

const LEVELS = ['critical', 'high', 'normal', 'low'] as const;

export class RetentionLoweredResponse {
  @ApiProperty({ type: 'integer', example: 1095 }) keptDays: number;
  @ApiProperty({ example: '2026-12-05T10:02:13.480Z' }) until: string;
}

/** Documentation only: the settings as GET and PATCH /api/organization answer them (OpenAPI). */
export class OrganizationResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'My organization' }) name: string;
  @ApiProperty() autoRouting: boolean;
  @ApiProperty({ type: OfferWindowsDto }) offerWindowsMinutes: OfferWindowsDto;
  @ApiProperty({ type: 'integer', example: 1095 }) retentionDays: number;
  @ApiProperty({ example: 'America/New_York' }) timeZone: string;
  @ApiProperty({
    type: RetentionLoweredResponse, nullable: true,
    description: `A lowering of retentionDays not in effect yet: until \`until\`, closed cases are kept \`keptDays\` (the period in force before). Raising retentionDays back to keptDays or more ends it; null when there is none`,
  })
  retentionLowered: RetentionLoweredResponse | null;
  @ApiProperty() createdAt: string;
  @ApiProperty({ description: 'The version of the settings (their ETag), for If-Match on a PATCH' }) updatedAt: string;
}

/** The settings as answered: the entity, its dates as the JSON shows them (the ETag is the version's). */
type OrganizationView = Omit<Organization, 'createdAt' | 'updatedAt' | 'retentionKeptDays' | 'retentionKeptUntil'> & {
  createdAt: string; updatedAt: string; retentionLowered: { keptDays: number; until: string } | null;
};

function viewOf(org: Organization, now: Date): OrganizationView {
  const { retentionKeptDays, retentionKeptUntil, ...settings } = org;
  const lowered = retentionKeptDays !== null && retentionKeptUntil !== null && retentionKeptUntil > now;
  return {
    ...settings,
    retentionLowered: lowered ? { keptDays: retentionKeptDays, until: retentionKeptUntil.toISOString() } : null,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

/**
 * The retention kept while a lowering waits: a lowering below the period in force now (the one kept by an earlier
 * lowering still waiting, if longer) keeps that period for RETENTION_LOWERING_GRACE_DAYS from now; a value at or above
 * it ends any wait.
 */
function keptRetention(org: Organization, retentionDays: number, now: Date): Pick<Organization, 'retentionKeptDays' | 'retentionKeptUntil'> {
  const waiting = org.retentionKeptDays !== null && org.retentionKeptUntil !== null && org.retentionKeptUntil > now;
  const inForce = Math.max(org.retentionDays, waiting ? org.retentionKeptDays! : 0);
  if (retentionDays >= inForce) return { retentionKeptDays: null, retentionKeptUntil: null };
  if (retentionDays === org.retentionDays) return { retentionKeptDays: org.retentionKeptDays, retentionKeptUntil: org.retentionKeptUntil };
  return { retentionKeptDays: inForce, retentionKeptUntil: new Date(now.getTime() + RETENTION_LOWERING_GRACE_DAYS * 86_400_000) };
}

const ETAG = { ETag: { description: 'The version of the settings ("<updatedAt>"), for If-Match on a PATCH', schema: { type: 'string' as const } } };

/**
 * The organization's own settings, editable by its admin. They span routing (auto-routing, offer windows) and
 * retention (when closed cases are crypto-shredded), so they live in the app, beside both; every change is audited
 * (`organization.update`, with each changed setting's old and new value: settings are not client data).
 */
@ApiTags('organization')
@ApiBearerAuth()
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/organization')
export class OrganizationController {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Access('admin', 'coordinator')
  @ApiOkResponse({ type: OrganizationResponse, headers: ETAG })
  async get(@CurrentUser() user: Principal, @Res({ passthrough: true }) res: Response): Promise<OrganizationView> {
    const org = await this.db.getRepository(Organization).findOne({ where: { id: user.organizationId } });
    if (!org) throw notFound('Organization');
    return withETag(res, viewOf(org, this.clock.now()));
  }

  @Patch()
  @Access('admin')
  @ApiHeader({
    name: 'If-Match', required: false,
    description: 'The ETag of the settings as read ("<updatedAt>"): the PATCH is refused (412 STALE_RECORD) if they changed since, rather than putting back what another admin changed meanwhile (all four offer windows sent from an old read, say).',
  })
  @ApiOkResponse({ type: OrganizationResponse, headers: ETAG })
  async update(
    @CurrentUser() user: Principal, @Body() dto: UpdateOrganizationDto, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) res: Response,
  ): Promise<OrganizationView> {
    const versions = entityTags(ifMatch);
    const windows = dto.offerWindowsMinutes;
    if (windows) {
      for (let i = 1; i < LEVELS.length; i++) {
        if (windows[LEVELS[i - 1]] > windows[LEVELS[i]]) {
          throw invalid(`offerWindowsMinutes.${LEVELS[i - 1]}`, `${LEVELS[i - 1]} must not be longer than ${LEVELS[i]}`);
        }
      }
    }
    if (dto.name !== undefined && !dto.name.trim()) throw invalid('name', 'name cannot be blank');
    const now = this.clock.now();
    return withETag(res, viewOf(await this.db.transaction(async (tx) => {
      const repo = tx.getRepository(Organization);
      const org = await repo.findOne({ where: { id: user.organizationId }, lock: { mode: 'for_no_key_update' } });
      if (!org) throw notFound('Organization');
      const next = {
        name: dto.name !== undefined ? dto.name.trim() : org.name,
        autoRouting: dto.autoRouting ?? org.autoRouting,
        offerWindowsMinutes: windows ? { critical: windows.critical, high: windows.high, normal: windows.normal, low: windows.low } : org.offerWindowsMinutes,
        retentionDays: dto.retentionDays ?? org.retentionDays,
        timeZone: dto.timeZone ?? org.timeZone,
      };
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      for (const key of Object.keys(next) as (keyof typeof next)[]) {
        // Canonical JSON: jsonb hands objects back with its own key order.
        if (canonicalJson(org[key]) !== canonicalJson(next[key])) changes[key] = { from: org[key], to: next[key] };
      }
      // What is already so is answered as it stands, whatever was read (a retry of a change that was saved).
      if (Object.keys(changes).length === 0) return org;
      requireVersion(versions, org.updatedAt, 'organization\'s settings');
      const kept = keptRetention(org, next.retentionDays, now);
      Object.assign(org, next, kept);
      // A new version for every change, even two in the same millisecond (an ETag read before the second is refused).
      org.updatedAt = new Date(Math.max(now.getTime(), org.updatedAt.getTime() + 1));
      const saved = await repo.save(org);
      await this.audit.record(tx, {
        organizationId: user.organizationId,
        actorId: user.userId,
        actorRole: user.role,
        action: 'organization.update',
        fields: Object.keys(changes),
        // A lowering waiting: until when the period before is kept (what the next purges do).
        details: 'retentionDays' in changes && kept.retentionKeptUntil
          ? { changes, retentionLowered: { keptDays: kept.retentionKeptDays, until: kept.retentionKeptUntil.toISOString() } }
          : { changes },
      });
      return saved;
    }), now));
  }
}
