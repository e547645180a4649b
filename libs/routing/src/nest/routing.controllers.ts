import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiDefaultResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { ErrorResponse, NoBody, UuidParam, pageOf, withETag } from '@amparo/common';
import { AttorneyProfileDto } from './attorney-profile.dto';
import { AttorneyProfileView, AttorneysService } from './attorneys.service';
import { CreateReferralDto, DeclineReferralDto, ListReferralsQuery } from './referral.dto';
import { ReferralsService } from './referrals.service';
import { AttorneyProfileResponse, DeclineResponse, ReferralResponse } from './openapi';

const IF_MATCH = {
  name: 'If-Match', required: false,
  description: 'The ETag of the profile as read ("<updatedAt>"): the PUT is refused (412 STALE_RECORD) if it changed since, rather than undoing what someone else saved meanwhile (the attorney marking themself away, say).',
};
const ETAG = { ETag: { description: 'The version of the profile ("<updatedAt>")', schema: { type: 'string' as const } } };

@ApiTags('attorneys')
@ApiBearerAuth()
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/attorneys')
export class AttorneysController {
  constructor(private readonly attorneys: AttorneysService) {}

  @Put('me/profile')
  @Access('attorney')
  @ApiOperation({ summary: 'Your referral profile: languages, practice areas, facilities, capacity, availability.' })
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: AttorneyProfileResponse, headers: ETAG })
  async putMine(
    @CurrentUser() user: Principal, @Body() dto: AttorneyProfileDto, @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) res: Response,
  ): Promise<AttorneyProfileView> {
    return withETag(res, await this.attorneys.upsert(user, user.userId, dto, ifMatch));
  }

  @Get('me/profile')
  @Access('attorney')
  @ApiOperation({ summary: 'Your referral profile as stored (PUT replaces all of it: read it first to change one field).' })
  @ApiOkResponse({ type: AttorneyProfileResponse, headers: ETAG })
  async getMine(@CurrentUser() user: Principal, @Res({ passthrough: true }) res: Response): Promise<AttorneyProfileView> {
    return withETag(res, await this.attorneys.get(user, user.userId));
  }

  @Put(':userId/profile')
  @Access('admin', 'coordinator')
  @ApiHeader(IF_MATCH)
  @ApiOkResponse({ type: AttorneyProfileResponse, headers: ETAG })
  async putFor(
    @CurrentUser() user: Principal, @Param('userId', UuidParam('userId')) userId: string, @Body() dto: AttorneyProfileDto,
    @Headers('if-match') ifMatch: string | undefined, @Res({ passthrough: true }) res: Response,
  ): Promise<AttorneyProfileView> {
    return withETag(res, await this.attorneys.upsert(user, userId, dto, ifMatch));
  }

  @Get()
  @Access('admin', 'coordinator')
  @ApiOkResponse({ type: [AttorneyProfileResponse] })
  list(@CurrentUser() user: Principal): Promise<AttorneyProfileView[]> {
    return this.attorneys.list(user);
  }
}

@ApiTags('referrals')
@ApiBearerAuth()
@ApiExtraModels(ReferralResponse)
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api')
export class ReferralsController {
  constructor(private readonly referrals: ReferralsService) {}

  @Post('cases/:id/referrals')
  @Access('coordinator')
  @ApiOperation({
    summary: 'Offer the case to the best eligible attorney, or to attorneyId (override; the conflict check still applies).',
    description: '409 if an offer is open or the case is assigned; 422 when nobody is eligible (the case becomes unplaced) or the client did not consent to sharing.',
  })
  @ApiCreatedResponse({ type: ReferralResponse })
  offer(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body() dto: CreateReferralDto) {
    return this.referrals.offerFromCoordinator(user, id, dto.attorneyId);
  }

  @Get('referrals')
  @Access('attorney', 'coordinator')
  @ApiOperation({ summary: 'Referrals: an attorney sees their own, with a de-identified case summary; coordinators see all.' })
  @ApiOkResponse({ schema: pageOf(ReferralResponse) })
  list(@CurrentUser() user: Principal, @Query() query: ListReferralsQuery) {
    return this.referrals.list(user, query);
  }

  @Post('referrals/:id/accept')
  @HttpCode(200)
  @Access('attorney')
  @ApiOperation({ summary: 'Accept: the case is assigned to you and its sensitive fields become visible to you (audited).' })
  @ApiOkResponse({ type: ReferralResponse })
  accept(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body(NoBody) _body?: undefined) {
    return this.referrals.accept(user, id);
  }

  @Post('referrals/:id/decline')
  @HttpCode(200)
  @Access('attorney')
  @ApiOperation({ summary: 'Decline with a reason: the next eligible attorney is offered the case.' })
  @ApiOkResponse({ type: DeclineResponse })
  decline(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body() dto: DeclineReferralDto) {
    return this.referrals.decline(user, id, dto);
  }

  @Post('referrals/:id/withdraw')
  @HttpCode(200)
  @Access('coordinator')
  @ApiOkResponse({ type: ReferralResponse })
  withdraw(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body(NoBody) _body?: undefined) {
    return this.referrals.withdraw(user, id);
  }
}
