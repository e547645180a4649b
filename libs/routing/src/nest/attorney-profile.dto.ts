import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsLanguageCode, IsOffsetDateTime, LanguageCode } from '@amparo/common';
import { IsStateCode } from '@amparo/reference';
import { EXPERIENCE, PRACTICE_AREAS } from '../domain/types';

/** Codes as typed on a phone (" tx"): trimmed and upper-cased, each, as intake reads its state and facility; once. */
const Codes = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? [...new Set(value.map((v) => (typeof v === 'string' ? v.trim().toUpperCase() : v)))] : value));

/** Each a U.S. state or territory's code (`ZZ` would be stored, and the attorney never matched anywhere). */
const IsStateCodes = (field: string) => IsStateCode({ each: true, message: `${field} must be 2-letter codes of U.S. states or territories, such as TX` });

export class AttorneyProfileDto {
  @ApiProperty({ example: ['TX'], description: 'States where the attorney is admitted to the bar: 2-letter codes of U.S. states or territories' })
  @IsArray()
  @ArrayMaxSize(60)
  @Codes()
  @ArrayUnique()
  @IsStateCodes('barStates')
  barStates: string[];

  @ApiProperty({ description: 'Registered with EOIR (required for immigration court matters)' })
  @IsBoolean()
  eoirRegistered: boolean;

  @ApiProperty({ example: ['spa'], description: 'ISO 639-3 codes of the languages spoken besides English (every attorney is taken to speak English, the courts\' language)' })
  @IsArray()
  @ArrayMaxSize(30)
  @ArrayUnique()
  @LanguageCode()
  @IsLanguageCode('languages', { list: true })
  languages: string[];

  @ApiProperty({ enum: PRACTICE_AREAS, isArray: true })
  @IsArray()
  @ArrayMaxSize(PRACTICE_AREAS.length)
  @ArrayUnique()
  @IsIn(PRACTICE_AREAS, { each: true })
  practiceAreas: string[];

  @ApiPropertyOptional({
    enum: EXPERIENCE,
    isArray: true,
    description: 'Case histories the attorney has experience with; cases with an in absentia order or a removal order prefer them. Omitted: unchanged (none for a new profile); [] clears.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EXPERIENCE.length)
  @ArrayUnique()
  @IsIn(EXPERIENCE, { each: true })
  experience?: string[];

  @ApiProperty({ example: ['HOUICDF'], description: 'ICE detention facilities the attorney visits' })
  @IsArray()
  @ArrayMaxSize(200)
  @Codes()
  @ArrayUnique()
  @Matches(/^[A-Z0-9]{3,12}$/, { each: true, message: 'facilityCodes must be ICE detention location codes' })
  facilityCodes: string[];

  @ApiProperty({ example: ['TX'], description: 'States the attorney covers: 2-letter codes of U.S. states or territories' })
  @IsArray()
  @ArrayMaxSize(60)
  @Codes()
  @ArrayUnique()
  @IsStateCodes('states')
  states: string[];

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 500, example: 5 })
  @IsInt()
  @Min(0)
  @Max(500)
  maxActiveCases: number;

  @ApiProperty()
  @IsBoolean()
  acceptingReferrals: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', example: '2026-12-26T00:00:00-06:00', nullable: true })
  @IsOptional()
  @ValidateIf((o: AttorneyProfileDto) => o.unavailableUntil !== null)
  @IsOffsetDateTime()
  unavailableUntil?: string | null;
}
