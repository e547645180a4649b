import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { BlankMeansAny, CodeValue, HasNoIdentifyingNumber, IsOptionalNotNull, NotClearable, PageQuery } from '@amparo/common';
import { CallerDto, ClientDto, ConsentDto, CreateCaseDto, CustodyDto } from './create-case.dto';

// What a correction's null does not clear: CasesService.update refuses it (a value is required once given).
@NotClearable('preferredLanguage')
export class UpdateClientDto extends PartialType(ClientDto) {}
export class UpdateCallerDto extends PartialType(CallerDto) {}
@NotClearable('shareWithAttorney', 'obtainedFrom')
export class UpdateConsentDto extends PartialType(ConsentDto) {}
@NotClearable('status')
export class UpdateCustodyDto extends PartialType(CustodyDto) {}

/** Corrections: only the fields sent change; `null` clears an optional field. */
export class UpdateCaseDto extends PartialType(OmitType(CreateCaseDto, ['client', 'caller', 'consent', 'custody'] as const)) {
  @ApiPropertyOptional({ type: UpdateClientDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateClientDto)
  client?: UpdateClientDto;

  @ApiPropertyOptional({ type: UpdateCallerDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateCallerDto)
  caller?: UpdateCallerDto;

  @ApiPropertyOptional({ type: UpdateConsentDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateConsentDto)
  consent?: UpdateConsentDto;

  @ApiPropertyOptional({ type: UpdateCustodyDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => UpdateCustodyDto)
  custody?: UpdateCustodyDto;
}

export const CASE_OUTCOMES = ['represented', 'referred_elsewhere', 'advice_given', 'no_legal_remedy', 'client_unreachable', 'client_declined', 'duplicate', 'other'] as const;

export class CloseCaseDto {
  @ApiProperty({ enum: CASE_OUTCOMES })
  @CodeValue()
  @IsIn(CASE_OUTCOMES)
  outcome: (typeof CASE_OUTCOMES)[number];
}

export class RevealDto {
  @ApiProperty({ description: 'Why you need the sensitive fields (recorded in the audit trail).', minLength: 10 })
  // Trimmed before the length check: ten spaces are no reason (the trail stored an empty one).
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(10, { message: 'reason must be at least 10 characters, not counting spaces at either end' })
  @HasNoIdentifyingNumber()
  @MaxLength(500)
  reason: string;
}

export const CASE_STATUSES = ['new', 'offered', 'assigned', 'closed', 'unplaced', 'purged'] as const;
export const URGENCY_LEVELS = ['critical', 'high', 'normal', 'low'] as const;

export class ListCasesQuery extends PageQuery {
  @ApiPropertyOptional({ enum: CASE_STATUSES, description: 'As the caller reads it: an intake volunteer\'s new finds their cases new, offered or unplaced, and offered or unplaced finds none' })
  @BlankMeansAny()
  @IsOptional()
  @IsIn(CASE_STATUSES)
  status?: (typeof CASE_STATUSES)[number];

  @ApiPropertyOptional({ enum: URGENCY_LEVELS })
  @BlankMeansAny()
  @IsOptional()
  @IsIn(URGENCY_LEVELS)
  level?: (typeof URGENCY_LEVELS)[number];

  @ApiPropertyOptional({ description: 'The case with this reference (AMP-XXXXXX, as read over the phone), within your scope.', example: 'AMP-7KQ3XH' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toUpperCase() : value))
  @Matches(/^AMP-[A-Z0-9]{6}$/, { message: 'reference must look like AMP-7KQ3XH' })
  reference?: string;

  // Its format is checked after the role (cases.service.ts): anyone but a coordinator gets a 403 whatever A-number they
  // typed. (A parameter given twice, or holding a NUL character, is refused for every role before any route runs.)
  @ApiPropertyOptional({ description: 'Coordinators only: exact lookup by A-number (7 to 9 digits; audited, rate-limited).' })
  @IsOptional()
  @IsString()
  aNumber?: string;
}
