import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { CodeValue, FieldErrors, IsOptionalNotNull, TrimmedName, plainEmailValue } from '@amparo/common';
import { composedPassword } from '../password.service';
import { ROLES, Role } from '../roles';
import { TEMPORARY_PASSWORD_HOURS } from '../temporary-password';

const PASSWORD_RULES = 'At least 12 characters (OWASP ASVS 6.2.1), not easy to guess (6.2.4, 6.2.11: zxcvbn score 3 of 4; no common password, keyboard row, repeat or word of the account).';

export class CreateUserDto {
  @ApiProperty({ description: 'An email address, unique in the installation (compared without case; spaces around it dropped)' })
  @Transform(plainEmailValue)
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @TrimmedName()
  @IsString()
  @MinLength(1, { message: 'name cannot be blank' })
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: ROLES })
  @CodeValue()
  @IsIn(ROLES)
  role: Role;

  @ApiProperty({ minLength: 12, description: `${PASSWORD_RULES} A temporary password: the user chooses their own at the first sign-in (403 PASSWORD_CHANGE_REQUIRED on every other route until then), and unchanged it expires after ${TEMPORARY_PASSWORD_HOURS} hours.` })
  @Transform(composedPassword)
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password: string;
}

export class UpdateUserDto {
  /** A change that names nothing to change is a mistake (a form sent before it was filled): a 400, not a 200. */
  static crossFieldErrors(body: unknown): FieldErrors {
    const empty = body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);
    return empty ? { body: ['send at least one field to change: name, role, active or password'] } : {};
  }

  @ApiPropertyOptional()
  @TrimmedName()
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1, { message: 'name cannot be blank' })
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ enum: ROLES })
  @CodeValue()
  @IsOptionalNotNull()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ description: 'false deactivates the user and ends all their sessions at once.' })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({
    minLength: 12,
    description: `A new temporary password, only while the account's password is one an admin set (the user has not chosen their own yet: the first one lost, or expired unchanged): 409 PASSWORD_SET_BY_USER once the user has chosen theirs or the operator has reset it (the operator resets a forgotten one: users:reset-password). Ends the user's sessions. ${PASSWORD_RULES}`,
  })
  @Transform(composedPassword)
  @IsOptionalNotNull()
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  password?: string;
}
