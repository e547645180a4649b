import { Body, Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiDefaultResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiRateLimited, ErrorResponse, NoBody } from '@amparo/common';
import { Access, AllowsTemporaryPassword, CurrentUser } from './access.decorator';
import { AuthService, TokenPair } from './auth.service';
import { ChangePasswordDto, LoginDto, RefreshDto } from './dto/auth.dto';
import type { Principal } from './roles';
import { UsersService } from './users.service';
import type { UserView } from './entities/user.entity';
import { TokensResponse, UserResponse } from './openapi';

@ApiTags('auth')
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
  ) {}

  @Post('login')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({ summary: 'Sign in. 401 on bad credentials (same answer for unknown users), 429 after repeated failures.' })
  @ApiOkResponse({ type: TokensResponse })
  @ApiRateLimited('the account (or this device, when its deviceToken is sent) or the address is locked after repeated failed sign-ins')
  login(@Body() dto: LoginDto, @Req() req: Request): Promise<TokenPair> {
    return this.auth.login(dto.email, dto.password, req.ip ?? 'unknown', dto.deviceToken);
  }

  @Post('refresh')
  @HttpCode(200)
  @Access('public')
  @ApiOperation({ summary: 'Exchange a refresh token for a new pair. A token works once; reuse revokes the session. 401 PASSWORD_EXPIRED: the session was opened with a temporary password that has since expired unchanged.' })
  @ApiOkResponse({ type: TokensResponse })
  refresh(@Body() dto: RefreshDto): Promise<TokenPair> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Access('authenticated')
  @AllowsTemporaryPassword()
  @ApiBearerAuth()
  @ApiOperation({ summary: 'End this session at once (its access and refresh tokens stop working).' })
  async logout(@CurrentUser() user: Principal, @Body(NoBody) _body?: undefined): Promise<void> {
    await this.auth.logout(user.sessionId, user.userId);
  }

  @Post('password')
  @HttpCode(204)
  @Access('authenticated')
  @AllowsTemporaryPassword()
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Changed; your other sessions have ended' })
  @ApiRateLimited('more than 20 new passwords tried in 15 minutes on this session, or 5 wrong current passwords within 15 minutes on this session (or the address locked)')
  @ApiOperation({ summary: 'Change your password: the current one, then the new one (12+ characters, not easy to guess: 400 naming newPassword). Your other sessions end. 429 after 20 new passwords tried in 15 minutes on this session.' })
  async changePassword(@CurrentUser() user: Principal, @Body() dto: ChangePasswordDto, @Req() req: Request): Promise<void> {
    await this.auth.changePassword(user, dto.currentPassword, dto.newPassword, req.ip ?? 'unknown');
  }

  @Get('me')
  @Access('authenticated')
  @AllowsTemporaryPassword()
  @ApiBearerAuth()
  @ApiOkResponse({ type: UserResponse })
  me(@CurrentUser() user: Principal): Promise<UserView> {
    return this.users.get(user, user.userId);
  }
}
