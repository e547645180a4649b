import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, MaxLength, MinLength, ValidateBy, isEmail } from 'class-validator';
import { plainEmail } from '@amparo/common';
import { composedPassword } from '../password.service';

export class LoginDto {
  @ApiProperty({ example: 'coordinator@example.org', description: 'The account\'s email address (any case; spaces around it, as a phone keyboard adds one after a suggestion, are dropped)' })
  // Trimmed only: the service reads it in the canonical form, and as an older release stored it (canonicalEmail). An
  // address is judged as account creation judges it, without the characters Unicode says to ignore.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @ValidateBy({
    name: 'isSignInEmail',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && isEmail(plainEmail(value)) && plainEmail(value).length <= 254,
      defaultMessage: () => 'email must be an email address',
    },
  })
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password: string;

  @ApiPropertyOptional({ description: "The deviceToken an earlier sign-in on this device answered: its failed attempts are counted apart from a stranger's" })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  deviceToken?: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  currentPassword: string;

  @ApiProperty({ minLength: 12, description: 'At least 12 characters (OWASP ASVS 6.2.1), not easy to guess (zxcvbn score 3 of 4), not the current one.' })
  @Transform(composedPassword)
  @IsString()
  @MinLength(12)
  @MaxLength(200)
  newPassword: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MinLength(20)
  @MaxLength(200)
  refreshToken: string;
}
