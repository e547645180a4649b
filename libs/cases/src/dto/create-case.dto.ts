import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, Matches, MaxLength,
  MinLength, ValidateNested, IsObject, ValidateBy,
} from 'class-validator';
import { IsStateCode } from '@amparo/reference';
import { CRIMINAL_HISTORY_MAX, FACILITY_CODE_HINT, IsANumber, IsNotNothing, IsPhone } from './formats';
import { NotFarAhead } from './event.dto';
import { BlankAsNull, CodeValue, FieldErrors, HasLetterOrDigit, isBlankName, IsCalendarDate, IsUsTimeZone, IsLanguageCode, IsOffsetDateTime, LanguageCode, TrimmedName } from '@amparo/common';

/** Adverse parties a case holds at most (a request's list, and a coordinator's additions to one they cannot read). */
export const MAX_ADVERSE_PARTIES = 10;

/**
 * A county as people type it ("Harris", "Galveston County, TX", "Prince George's", "St. Louis (city)", "Harris County –
 * TX" with a pasted dash): letters, spaces and . , ' ( ) & / and dashes; no digits.
 */
const COUNTY_NAME = /^\p{L}[\p{L}\p{M} .,'\u2019()&/\-\u2010-\u2015]*$/u;

export const PRACTICE_AREAS = ['detention_bond', 'removal_defense', 'asylum', 'daca', 'u_visa', 't_visa', 'vawa', 'crimmigration', 'other'] as const;
export const CUSTODY_STATUSES = ['local_jail', 'ice_detention', 'released', 'not_detained', 'unknown'] as const;
export const CALLER_RELATIONSHIPS = ['self', 'family', 'friend', 'community_org', 'attorney', 'other'] as const;
export type PracticeArea = (typeof PRACTICE_AREAS)[number];
export type CustodyStatus = (typeof CUSTODY_STATUSES)[number];

/** How the API reads a phone number and a state, for the OpenAPI descriptions (the validators say it in their 400s). */
const PHONE_NOTE = 'Digits, with + ( ) . / - and spaces; at least 5 digits; an extension as "ext 12"; at most 40 characters, 30 before the extension. Encrypted.';
const STATE_NOTE = 'The 2-letter code of a U.S. state or territory, such as TX or PR.';

const OPTIONAL_NOTE =
  'Optional and never required to open a case: Amparo collects the minimum, and does not inquire into immigration ' +
  'status without need (sanctuary principles). Encrypted at rest; visible only to those who need it.';

export class SafeToContactDto {
  @ApiPropertyOptional({ description: 'May we leave a voicemail?' })
  @IsOptional()
  @IsBoolean()
  voicemail?: boolean;

  @ApiPropertyOptional({ description: 'May we send text messages?' })
  @IsOptional()
  @IsBoolean()
  sms?: boolean;

  @ApiPropertyOptional({ description: 'e.g. a code word, or "only call after 6 PM". Encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

export class ClientDto {
  @ApiPropertyOptional({ description: 'firstName or lastName is required. Encrypted.' })
  @TrimmedName()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @HasLetterOrDigit()
  firstName?: string;

  @ApiPropertyOptional({ description: 'firstName or lastName is required. Encrypted.' })
  @TrimmedName()
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @HasLetterOrDigit()
  lastName?: string;

  @ApiPropertyOptional({ example: '1990-04-02', description: 'Encrypted; with the name, used (as a keyed hash) to spot duplicates.' })
  @BlankAsNull()
  @IsOptional()
  @IsCalendarDate()
  dateOfBirth?: string;

  @ApiPropertyOptional({ example: 'A123-456-789', maxLength: 32, description: 'Alien registration number (7 to 9 digits; shorter ones are zero-padded; at most 32 characters as typed). Encrypted; exact lookup through a keyed hash only.' })
  @BlankAsNull({ number: true })
  @IsOptional()
  @IsString()
  @IsANumber({ message: 'client.aNumber must be an A-number (7 to 9 digits, not all zeros, e.g. A123-456-789)' })
  aNumber?: string;

  @ApiPropertyOptional({ description: PHONE_NOTE })
  @BlankAsNull({ number: true })
  @IsOptional()
  @IsString()
  @IsPhone({ message: 'client.phone must be a phone number (at least 5 digits; an extension as "ext 12")' })
  phone?: string;

  @ApiPropertyOptional({ description: 'An email address. Encrypted.' })
  @BlankAsNull()
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  address?: string;

  @ApiPropertyOptional({ description: OPTIONAL_NOTE })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  countryOfBirth?: string;

  @ApiPropertyOptional({ description: OPTIONAL_NOTE })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  immigrationStatus?: string;

  @ApiPropertyOptional({
    description: `${OPTIONAL_NOTE} Leave it out when there is none or it is not known: anything written here counts as a criminal ` +
      'history and flags bond eligibility as contested (INA 236(c)); "none", "N/A", "ninguno" and the like are refused. ' +
      'In a correction, null (or "") clears one entered by mistake.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(CRIMINAL_HISTORY_MAX)
  @IsNotNothing({ message: 'client.criminalHistory: leave it out when there is none (or not known); in a correction, send null to clear one entered by mistake: anything written here counts as a criminal history, and flags bond eligibility as contested' })
  criminalHistory?: string;

  @ApiProperty({ example: 'spa', description: 'ISO 639-3 code (spa, eng, mam, quc, kjb, ...)' })
  @LanguageCode()
  @IsString()
  @IsLanguageCode('client.preferredLanguage')
  preferredLanguage: string;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  needsInterpreter?: boolean;

  @ApiPropertyOptional({ type: SafeToContactDto, nullable: true, description: 'How the client may be reached safely; the fields sent are merged over the stored ones in a correction, and null clears them all.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SafeToContactDto)
  safeToContact?: SafeToContactDto;
}

export class CallerDto {
  @ApiPropertyOptional({ enum: CALLER_RELATIONSHIPS })
  @BlankAsNull({ lowerCase: true })
  @IsOptional()
  @IsIn(CALLER_RELATIONSHIPS)
  relationship?: (typeof CALLER_RELATIONSHIPS)[number];

  @ApiPropertyOptional({ description: 'Encrypted.' })
  @TrimmedName()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ description: PHONE_NOTE })
  @BlankAsNull({ number: true })
  @IsOptional()
  @IsString()
  @IsPhone({ message: 'caller.phone must be a phone number (at least 5 digits; an extension as "ext 12")' })
  phone?: string;
}

export class ConsentDto {
  @ApiProperty({ description: 'The client agrees that their case may be shared with a volunteer attorney. Without it, the case is never offered.' })
  @IsBoolean()
  shareWithAttorney: boolean;

  @ApiProperty({ enum: ['client', 'caller'] })
  @CodeValue()
  @IsIn(['client', 'caller'])
  obtainedFrom: 'client' | 'caller';
}

export class CustodyDto {
  @ApiProperty({ enum: CUSTODY_STATUSES })
  @CodeValue()
  @IsIn(CUSTODY_STATUSES)
  status: CustodyStatus;

  @ApiPropertyOptional({ description: 'ICE detention location code (GET /api/facilities)', example: 'HOUICDF' })
  @BlankAsNull({ number: true })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9]{3,12}$/, { message: `custody.facilityCode must be an ICE detention location code (${FACILITY_CODE_HINT})` })
  facilityCode?: string;

  @ApiPropertyOptional({ description: "The county (or parish, borough, independent city) of a local jail, in letters: it is kept in plain text, shown to an offered attorney and kept after a purge", example: 'Harris' })
  @BlankAsNull({ place: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(COUNTY_NAME, { message: "custody.county must be the name of a county (such as Harris, or Harris County, TX): letters, spaces and . , ' ( ) & / - only; it is kept in plain text, so no digits" })
  county?: string;

  @ApiPropertyOptional({ example: 'TX', description: STATE_NOTE })
  @BlankAsNull({ upperCase: true })
  @IsOptional()
  @IsStateCode({ message: 'custody.state must be the 2-letter code of a U.S. state or territory, such as TX' })
  state?: string;

  @ApiPropertyOptional({ example: 'America/Chicago', description: 'IANA zone of a place in the United States or its territories. Derived from the facility, or from state and county, when omitted.' })
  @BlankAsNull()
  @IsOptional()
  @IsUsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ description: 'Jail booking number. Encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  bookingNumber?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  detainerLodged?: boolean;

  @ApiPropertyOptional({ example: '2026-11-20T16:00:00-06:00', description: 'When the person could otherwise be released (bail posted, charges dropped, sentence served): an ISO 8601 date-time with its UTC offset, not more than 10 years ahead (left out while a release is further off).' })
  @BlankAsNull()
  @IsOptional()
  @IsOffsetDateTime()
  @NotFarAhead()
  releaseEligibleAt?: string;
}

export class AdversePartyDto {
  @ApiProperty({ description: 'Full name of a person adverse to the client (e.g. the abuser in a VAWA or U visa case). Encrypted; used, as a keyed hash, for conflict checks.' })
  @TrimmedName()
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  @HasLetterOrDigit()
  name: string;

  @ApiPropertyOptional({ example: 'spouse' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  relationship?: string;
}

/**
 * A part of the intake that must be sent, as an object: one message saying what to send (class-validator's two, "should
 * not be null or undefined" and "must be an object", told a volunteer nothing of what goes in it).
 */
function RequiredObject(message: string): PropertyDecorator {
  return ValidateBy({
    name: 'requiredObject',
    validator: {
      validate: (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value),
      defaultMessage: () => message,
    },
  });
}

/** What to send for each required part of the intake, sent missing or in another shape (a list, a string, null). */
const REQUIRED = {
  client: 'client is required: an object with firstName or lastName and preferredLanguage, e.g. {"firstName": "Ana", "preferredLanguage": "spa"}',
  consent: 'consent is required: {"shareWithAttorney": true or false, "obtainedFrom": "client" or "caller"}',
  custody: `custody is required: {"status": one of ${CUSTODY_STATUSES.join(', ')}} ("unknown" when nobody knows)`,
};

/** Both of a client's names left out (or blank): the intake cannot be told apart from any other. */
export const NAME_REQUIRED = 'client.firstName or client.lastName is required';

export class CreateCaseDto {
  /** A name is required, either one: said beside the other fields' errors (see `CrossFieldRules`). */
  static crossFieldErrors(body: unknown): FieldErrors {
    const client = (body as { client?: unknown } | null)?.client;
    if (typeof client !== 'object' || client === null || Array.isArray(client)) return {};
    const { firstName, lastName } = client as { firstName?: unknown; lastName?: unknown };
    return isBlankName(firstName) && isBlankName(lastName)
      ? { 'client.firstName': [NAME_REQUIRED], 'client.lastName': [NAME_REQUIRED] }
      : {};
  }

  @ApiProperty({ type: ClientDto })
  @RequiredObject(REQUIRED.client)
  @ValidateNested({ message: REQUIRED.client })
  @Type(() => ClientDto)
  client: ClientDto;

  @ApiPropertyOptional({ type: CallerDto, description: 'Who called, when not the client. Encrypted.' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CallerDto)
  caller?: CallerDto;

  @ApiProperty({ type: ConsentDto })
  @RequiredObject(REQUIRED.consent)
  @ValidateNested({ message: REQUIRED.consent })
  @Type(() => ConsentDto)
  consent: ConsentDto;

  @ApiProperty({ type: CustodyDto })
  @RequiredObject(REQUIRED.custody)
  @ValidateNested({ message: REQUIRED.custody })
  @Type(() => CustodyDto)
  custody: CustodyDto;

  @ApiPropertyOptional({ enum: PRACTICE_AREAS, isArray: true })
  // One area sent alone, as a form's single choice sends it, is a list of one (else: "must be an array", and elements
  // "unique" and "no more than 9" said of a string); a blank one, as a select with nothing chosen sends it, is none
  // (in a correction, it clears them).
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (value.trim() === '' ? [] : [value]) : value))
  @CodeValue()
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(PRACTICE_AREAS.length)
  @ArrayUnique()
  @IsIn(PRACTICE_AREAS, { each: true })
  practiceAreas?: PracticeArea[];

  @ApiPropertyOptional({ description: 'Free text. Encrypted.' })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  narrative?: string;

  @ApiPropertyOptional({ type: [AdversePartyDto], description: 'Adverse parties, for conflict checks. Encrypted.' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_ADVERSE_PARTIES)
  // A list inside the list ([[{...}]]) passes ValidateNested (it validates the inner list's objects), and its names
  // would be in no conflict check.
  @ValidateBy({ name: 'notNestedList', validator: { validate: (value: unknown) => !Array.isArray(value) } },
    { each: true, message: 'each adverse party must be an object such as {"name": "..."}, not a list' })
  @ValidateNested({ each: true, message: 'each adverse party must be an object such as {"name": "..."}, not a name alone' })
  @Type(() => AdversePartyDto)
  adverseParties?: AdversePartyDto[];
}
