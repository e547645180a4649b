import { Body, Controller, Get, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Access, CurrentUser } from './access.decorator';
import { CreateUserDto, UpdateUserDto } from './dto/user.dto';
import type { UserView } from './entities/user.entity';
import type { Principal } from './roles';
import { UsersService } from './users.service';
import { UuidParam } from '@amparo/common';

@ApiTags('users')
@ApiBearerAuth()
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Access('admin')
  create(@CurrentUser() user: Principal, @Body() dto: CreateUserDto): Promise<UserView> {
    return this.users.create(user, dto);
  }

  @Get()
  @Access('admin', 'coordinator')
  list(@CurrentUser() user: Principal): Promise<UserView[]> {
    return this.users.list(user);
  }

  @Patch(':id')
  @Access('admin')
  update(
    @CurrentUser() user: Principal,
    @Param('id', UuidParam('id')) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserView> {
    return this.users.update(user, id, dto);
  }
}
