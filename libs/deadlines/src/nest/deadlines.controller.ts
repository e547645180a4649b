import { Body, Controller, Get, Headers, Param, Patch, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Transform } from 'class-transformer';
import { ApiBearerAuth, ApiDefaultResponse, ApiExtraModels, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { BlankMeansAny, CodeValue, ErrorResponse, PageQuery, UuidParam, pageOf } from '@amparo/common';
import { BoardPage, DeadlinesService, deadlineVersion } from './deadlines.service';
import type { DeadlineView } from './case-timeline.service';
import { BoardDeadlineResponse, DeadlineResponse } from './openapi';
import { HasNoIdentifyingNumber, IsOffsetDateTime } from '@amparo/common';

export class BoardQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['open', 'met', 'waived', 'missed', 'all'], default: 'open', description: 'The board shows open deadlines unless asked otherwise (with them, a detainer hold missed at its 48 hours while its 8 CFR 287.7(d) outer limit is ahead and a jail may still hold the person); `all` lists every status' })
  @BlankMeansAny()
  @CodeValue()
  @IsOptional()
  @IsIn(['open', 'met', 'waived', 'missed', 'all'])
  status?: string;

  @ApiPropertyOptional({ example: '2026-11-30T00:00:00-06:00', description: 'A date-time with its UTC offset; a `+` typed unencoded (read as a space in a query string) is taken as `+`' })
  // A query string reads an unencoded `+` as a space: `T00:00:00+10:00` arrives as `T00:00:00 10:00`.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.replace(/(T[\d:.]+) (\d{2}:\d{2})$/, '$1+$2') : value))
  @BlankMeansAny()
  @IsOptional()
  @IsOffsetDateTime()
  dueBefore?: string;

  @ApiPropertyOptional({ enum: ['critical', 'high', 'normal', 'low'], description: "The case's urgency level" })
  @BlankMeansAny()
  @CodeValue()
  @IsOptional()
  @IsIn(['critical', 'high', 'normal', 'low'])
  level?: string;

  @ApiPropertyOptional({
    description: 'The `next` cursor of the page before (same filters): the rows after its last one. Unlike `page`, it neither skips nor repeats a row when one on the page before was marked met or swept missed meanwhile. Not with `page`.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  after?: string;
}

export class UpdateDeadlineDto {
  @ApiProperty({
    enum: ['met', 'waived', 'open', 'missed'],
    description: '`missed` is set by the system when a deadline passes open; a person may set it only once the deadline has passed (e.g. a filing thought made was not).',
  })
  @CodeValue()
  @IsIn(['met', 'waived', 'open', 'missed'])
  status: 'met' | 'waived' | 'open' | 'missed';

  @ApiPropertyOptional({ description: 'Short operational note (e.g. "filed by fax"). Not for personal data: it is not encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  @HasNoIdentifyingNumber()
  note?: string;
}

const boardPageSchema = (() => {
  const schema = pageOf(BoardDeadlineResponse);
  return {
    ...schema,
    properties: {
      ...schema.properties,
      next: { type: 'string', nullable: true, description: 'With hasMore: the cursor to read on from (`after`), else null' },
    },
  };
})();

@ApiTags('deadlines')
@ApiBearerAuth()
@ApiExtraModels(BoardDeadlineResponse)
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/deadlines')
export class DeadlinesController {
  constructor(private readonly deadlines: DeadlinesService) {}

  @Get()
  @Access('coordinator', 'attorney')
  @ApiOperation({ summary: 'The deadline board, sorted by due time: coordinators see the organization, attorneys their cases.' })
  @ApiOkResponse({ schema: boardPageSchema })
  board(@CurrentUser() user: Principal, @Query() query: BoardQuery): Promise<BoardPage> {
    return this.deadlines.board(user, query);
  }

  @Patch(':id')
  @Access('coordinator', 'attorney')
  @ApiHeader({
    name: 'If-Match', required: false,
    description: 'The deadline\'s version as read: its statusChangedAt ("2026-11-27T17:09:00.000Z"), or "never" when it had none. The mark is refused (412 STALE_RECORD) if its status changed since, rather than replacing another person\'s mark and note.',
  })
  @ApiOkResponse({ type: DeadlineResponse, headers: { ETag: { description: 'The version written ("<statusChangedAt>", or "never")', schema: { type: 'string' } } } })
  async update(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: UpdateDeadlineDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeadlineView> {
    const view = await this.deadlines.updateStatus(user, id, dto.status, dto.note, ifMatch);
    res.setHeader('ETag', `"${deadlineVersion(view.statusChangedAt)}"`);
    return view;
  }
}
