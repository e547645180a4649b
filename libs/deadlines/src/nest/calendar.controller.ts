import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiDefaultResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Access, CurrentUser, Principal } from '@amparo/auth';
import { Clock, ErrorResponse, NoBody, notFound } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { DeadlinesService } from './deadlines.service';
import { toIcs } from './ics';

@ApiTags('deadlines')
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/calendar')
export class CalendarController {
  constructor(
    private readonly deadlines: DeadlinesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post('token')
  @Access('coordinator', 'attorney')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Issue or rotate your calendar feed token (the previous URL stops working).' })
  @ApiCreatedResponse({ schema: { type: 'object', properties: { token: { type: 'string' }, url: { type: 'string', example: 'https://amparo.example.org/api/calendar/<token>.ics' } } } })
  async issue(@CurrentUser() user: Principal, @Body(NoBody) _body?: undefined): Promise<{ token: string; url: string }> {
    const token = await this.deadlines.issueCalendarToken(user);
    return { token, url: `${this.config.publicUrl}/api/calendar/${token}.ics` };
  }

  @Delete('token')
  @HttpCode(204)
  @Access('coordinator', 'attorney')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke your calendar feed.' })
  @ApiNoContentResponse({ description: 'Revoked (or there was none): its address answers 404 from now on' })
  async revoke(@CurrentUser() user: Principal, @Body(NoBody) _body?: undefined): Promise<void> {
    await this.deadlines.revokeCalendarToken(user);
  }

  @Get(':file')
  @Access('public')
  @ApiOperation({ summary: 'Your open deadlines as iCalendar: case reference and rule only, never client names.' })
  // The contract's `/api/calendar/:token.ics`: one path segment, the token and `.ics` (an Express route parameter cannot
  // be followed by a literal suffix), read apart by the handler.
  @ApiParam({ name: 'file', description: '`<token>.ics`: the token `POST /api/calendar/token` issued, then `.ics` (the URL it answers is the whole feed address)', example: 'q3W0vYy8Zk2nG5xTfR1pLmA7cE4sHd9J.ics' })
  @ApiOkResponse({ description: 'text/calendar (RFC 5545): one event per open deadline, with a display alarm 24 hours before', content: { 'text/calendar': { schema: { type: 'string' } } } })
  async feed(@Param('file') file: string, @Res() res: Response): Promise<void> {
    const match = /^([A-Za-z0-9_-]{20,64})\.ics$/.exec(file);
    const feed = match ? await this.deadlines.calendarFeed(match[1]) : null;
    if (!feed) throw notFound('Calendar');
    res.setHeader('Content-Type', 'text/calendar; charset=utf-8');
    res.send(toIcs(feed.deadlines, this.clock.now(), new URL(this.config.publicUrl).hostname, feed.more));
  }
}
