import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '@amparo/common';
import { ROLES, Role } from '../roles';

export class CreateUserDto {
  @ApiProperty()
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES)
  role: Role;

  @ApiProperty({ minLength: 12, description: 'At least 12 characters (OWASP ASVS 6.2.1).' })
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @IsOptionalNotNull()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ description: 'false deactivates the user and ends all their sessions at once.' })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;
}
