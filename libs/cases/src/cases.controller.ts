import { Body, CallHandler, Controller, ExecutionContext, Get, Headers, HttpCode, Injectable, NestInterceptor, Param, Patch, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBearerAuth, ApiCreatedResponse, ApiDefaultResponse, ApiExtraModels, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { ApiRateLimited, ErrorResponse, NoBody, UuidParam, invalid, pageOf, withETag } from '@amparo/common';
import { ReleaseCaseDto } from '@amparo/routing';
import { CasesService } from './cases.service';
import { CreateCaseDto } from './dto/create-case.dto';
import { CloseCaseDto, ListCasesQuery, RevealDto, UpdateCaseDto } from './dto/other.dto';
import { CreateEventDto } from './dto/event.dto';
import { CaseEventListResponse, CaseResponse, CreateCaseResponse, RevealResponse, TimelineResponse } from './openapi';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/**
 * A malformed Idempotency-Key is refused before the body is read (an interceptor runs before the pipes that validate
 * it): a client correcting a body's errors would otherwise learn of its key only on the next attempt.
 */
@Injectable()
class IdempotencyKeyChecked implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const key = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      throw invalid('Idempotency-Key', 'Idempotency-Key must be 8-128 characters: letters, digits, _ . : -');
    }
    return next.handle();
  }
}

@ApiTags('cases')
@ApiBearerAuth()
@ApiExtraModels(CaseResponse)
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Post()
  @Access('intake', 'coordinator')
  @ApiOperation({
    summary: 'Open a case (intake).',
    description:
      'Only client.firstName or client.lastName, client.preferredLanguage, custody.status and consent are required. ' +
      'Immigration status, criminal history and country of birth are never required: the organizations promise not to ' +
      'inquire into status without need. Identifying fields are encrypted at rest. With an Idempotency-Key, a retried ' +
      'request returns the first answer and never opens a second case.',
  })
  // Named as @Headers reads it (lower case), so that the generated document has one, optional, parameter.
  @ApiHeader({ name: 'idempotency-key', required: false, description: 'Idempotency-Key: 8-128 characters: letters, digits, _ . : -' })
  @ApiCreatedResponse({ type: CreateCaseResponse })
  @UseInterceptors(IdempotencyKeyChecked)
  create(
    @CurrentUser() user: Principal,
    @Body() dto: CreateCaseDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    return this.cases.create(user, dto, idempotencyKey);
  }

  @Get()
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({ summary: 'Case summaries in your scope (no sensitive fields). ?aNumber= is an audited, rate-limited exact lookup for coordinators.' })
  @ApiOkResponse({ schema: pageOf(CaseResponse) })
  @ApiRateLimited('more than 30 A-number lookups in the hour')
  list(@CurrentUser() user: Principal, @Query() query: ListCasesQuery) {
    return this.cases.list(user, query);
  }

  @Get(':id')
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({ summary: 'One case: the full record for those who need it, else the summary; 404 if not visible to you.' })
  @ApiOkResponse({ type: CaseResponse, headers: { ETag: { description: 'The version read ("<updatedAt>"), for If-Match on a correction', schema: { type: 'string' } } } })
  async get(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Res({ passthrough: true }) res: Response) {
    return withETag(res, await this.cases.get(user, id));
  }

  @Patch(':id')
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({
    summary:
      'Correct intake data. Only the fields sent change; null clears an optional field. adverseParties replaces the list, except for a coordinator without the full view, whose names are added to it (past 10 in all: 409 ADVERSE_PARTIES_FULL; clearing it, or a client name, without the full view: 409 FULL_VIEW_REQUIRED). With If-Match (the ETag read), refused 412 STALE_RECORD if the case changed since. ' +
      'On a case at a facility, a custody.state, county or timeZone that differs from the facility\'s is 400 naming it, unless custody.facilityCode is cleared (null) or another facility named in the same correction. ' +
      'A closed case takes a correction of consent alone (else 409 CASE_CLOSED): consent withdrawn takes its record from its attorney.',
  })
  @ApiHeader({
    name: 'If-Match', required: false,
    description: 'The ETag of the case as read ("<updatedAt>"): the correction is refused (412 STALE_RECORD) if the case changed since, rather than replacing what someone else wrote meanwhile (a list of adverse parties, say).',
  })
  @ApiOkResponse({ type: CaseResponse, headers: { ETag: { description: 'The version written', schema: { type: 'string' } } } })
  async update(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: UpdateCaseDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return withETag(res, await this.cases.update(user, id, dto, ifMatch));
  }

  @Post(':id/reveal')
  @HttpCode(200)
  @Access('coordinator')
  @ApiOperation({ summary: 'Break-glass: the sensitive fields, with a stated reason that goes to the audit trail. At most 60 an hour per user (then 429).' })
  @ApiOkResponse({ type: RevealResponse })
  @ApiRateLimited('more than 60 reveals in the hour')
  reveal(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body() dto: RevealDto) {
    return this.cases.reveal(user, id, dto.reason);
  }

  @Post(':id/events')
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({
    summary: 'Record what happened (detainer, release, transfer, hearing, decision...): deadlines, flags and urgency are recomputed.',
    description: 'With an Idempotency-Key, a retried request returns the first answer and never records the event twice.',
  })
  @ApiHeader({ name: 'idempotency-key', required: false, description: 'Idempotency-Key: 8-128 characters: letters, digits, _ . : -' })
  @ApiCreatedResponse({ type: TimelineResponse })
  @UseInterceptors(IdempotencyKeyChecked)
  addEvent(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: CreateEventDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ) {
    return this.cases.addEvent(user, id, dto, idempotencyKey);
  }

  @Get(':id/events')
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({ summary: 'The events recorded on the case, in the order they were recorded, retracted ones marked.' })
  @ApiOkResponse({ type: CaseEventListResponse })
  listEvents(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string) {
    return this.cases.listEvents(user, id);
  }

  @Post(':id/events/:eventId/retract')
  @HttpCode(200)
  @Access('intake', 'coordinator', 'attorney')
  @ApiOperation({
    summary: 'Retract an event recorded by mistake: it no longer counts, the deadlines counted from it are superseded, and the case is recomputed.',
  })
  @ApiOkResponse({ type: TimelineResponse })
  retractEvent(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Param('eventId', UuidParam('eventId')) eventId: string,
    @Body(NoBody) _body?: undefined,
  ) {
    return this.cases.retractEvent(user, id, eventId);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Access('coordinator', 'attorney')
  @ApiOperation({ summary: 'Close a case. Closed cases are crypto-shredded after the organization\'s retention period.' })
  @ApiOkResponse({ type: CaseResponse })
  close(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body() dto: CloseCaseDto) {
    return this.cases.close(user, id, dto);
  }

  @Post(':id/release')
  @HttpCode(204)
  @Access('coordinator', 'attorney')
  @ApiOperation({
    summary:
      "Take an assigned case from its attorney (a coordinator), or step down from it (its attorney): the case is new again, with no attorney, for a coordinator to place; the attorney's access to its record ends, and routing does not offer it to them again. Audited as case.unassign. 409 CASE_NOT_ASSIGNED.",
  })
  @ApiNoContentResponse()
  release(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body() dto: ReleaseCaseDto) {
    return this.cases.release(user, id, dto);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Access('coordinator')
  @ApiOperation({
    summary:
      'Reopen a case closed by mistake: its deadlines are followed again (those that fell due meanwhile are missed) and it is no longer counted towards its purge. It goes back to its attorney if they still practise here and the client\'s consent to share stands, else it is new (an attorney the consent no longer covers is told it is no longer theirs). A case placed by state and county closed before an upgrade read counties anew has its county read the new way. 409 CASE_NOT_CLOSED, CASE_PURGED.',
  })
  @ApiOkResponse({ type: CaseResponse })
  reopen(@CurrentUser() user: Principal, @Param('id', UuidParam('id')) id: string, @Body(NoBody) _body?: undefined) {
    return this.cases.reopen(user, id);
  }
}
