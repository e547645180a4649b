import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiDefaultResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Access, CurrentUser } from './access.decorator';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import type { UserView } from './entities/user.entity';
import type { Principal } from './roles';
import { UsersService } from './users.service';
import { ErrorResponse, UuidParam } from '@amparo/common';
import { UserResponse } from './openapi';

@ApiTags('users')
@ApiDefaultResponse({ type: ErrorResponse, description: 'An error: docs/api.md, Errors' })
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Access('admin')
  @ApiCreatedResponse({ type: UserResponse })
  create(@CurrentUser() user: Principal, @Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(user, dto);
  }

  @Get()
  @Access('admin', 'coordinator')
  @ApiOkResponse({ type: [UserResponse] })
  list(@CurrentUser() user: Principal): Promise<UserView[]> {
    return this.users.list(user);
  }

  @Patch(':id')
  @Access('admin')
  @ApiOkResponse({ type: UserResponse })
  update(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserView> {
    return this.users.update(user, id, dto);
  }
}
