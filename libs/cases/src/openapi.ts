import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DeadlineResponse, FlagResponse, UrgencyResponse } from '@amparo/deadlines';

/** Documentation only: the case and event shapes of the API's answers (OpenAPI). */

const FULL = 'Full view only (docs/api.md, who gets which); absent when not recorded.';

export class SafeToContactResponse {
  @ApiPropertyOptional() voicemail?: boolean;
  @ApiPropertyOptional() sms?: boolean;
  @ApiPropertyOptional() note?: string;
}

export class CaseClientResponse {
  @ApiProperty({ example: 'spa', description: 'ISO 639-3' }) preferredLanguage: string;
  @ApiProperty() needsInterpreter: boolean;
  @ApiPropertyOptional({ description: FULL }) firstName?: string;
  @ApiPropertyOptional({ description: FULL }) lastName?: string;
  @ApiPropertyOptional({ description: FULL, format: 'date' }) dateOfBirth?: string;
  @ApiPropertyOptional({ description: `${FULL} As typed (the lookup reads any spelling).`, example: 'A123-456-789' }) aNumber?: string;
  @ApiPropertyOptional({ description: FULL }) phone?: string;
  @ApiPropertyOptional({ description: FULL }) email?: string;
  @ApiPropertyOptional({ description: FULL }) address?: string;
  @ApiPropertyOptional({ description: FULL }) countryOfBirth?: string;
  @ApiPropertyOptional({ description: FULL }) immigrationStatus?: string;
  @ApiPropertyOptional({ description: FULL }) criminalHistory?: string;
  @ApiPropertyOptional({ description: FULL, type: SafeToContactResponse }) safeToContact?: SafeToContactResponse;
}

export class CaseConsentResponse {
  @ApiProperty() shareWithAttorney: boolean;
  @ApiProperty({ enum: ['client', 'caller'] }) obtainedFrom: string;
}

export class CaseCustodyResponse {
  @ApiProperty({ enum: ['local_jail', 'ice_detention', 'released', 'not_detained', 'unknown'] }) status: string;
  @ApiProperty({ nullable: true, type: String, example: 'HOUICDF' }) facilityCode: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'Harris' }) county: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'TX' }) state: string | null;
  @ApiProperty({ example: 'America/Chicago', description: "The zone the case's times are read in" }) timeZone: string;
  @ApiProperty() detainerLodged: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'In the case zone' }) releaseEligibleAt: string | null;
  @ApiPropertyOptional({ description: FULL }) bookingNumber?: string;
}

export class CaseCallerResponse {
  @ApiPropertyOptional({ enum: ['self', 'family', 'friend', 'community_org', 'attorney', 'other'] }) relationship?: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional() phone?: string;
}

export class AdversePartyResponse {
  @ApiProperty() name: string;
  @ApiPropertyOptional() relationship?: string;
}

export class CaseResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ enum: ['new', 'offered', 'assigned', 'unplaced', 'closed', 'purged'], description: 'An intake volunteer reads new for a case that is offered or unplaced (how a case is placed is not theirs to read)' }) status: string;
  @ApiProperty({ enum: ['summary', 'full'], description: 'full: the sensitive fields are included (docs/api.md, who gets which)' }) view: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: UrgencyResponse }) urgency: UrgencyResponse;
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
  @ApiPropertyOptional({ type: [DeadlineResponse] }) deadlines?: DeadlineResponse[];
  @ApiProperty({ type: CaseClientResponse }) client: CaseClientResponse;
  @ApiProperty({ type: CaseConsentResponse }) consent: CaseConsentResponse;
  @ApiProperty({ type: CaseCustodyResponse }) custody: CaseCustodyResponse;
  @ApiProperty({ type: [String] }) practiceAreas: string[];
  @ApiProperty({ nullable: true, type: String }) assignedAttorneyId: string | null;
  @ApiProperty({ nullable: true, type: String }) outcome: string | null;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiPropertyOptional({ description: 'Full view only', nullable: true, type: CaseCallerResponse }) caller?: CaseCallerResponse | null;
  @ApiPropertyOptional({ description: 'Full view only', nullable: true, type: String }) narrative?: string | null;
  @ApiPropertyOptional({ description: 'Full view only', type: [AdversePartyResponse] }) adverseParties?: AdversePartyResponse[];
}

export class CreateCaseResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ enum: ['new', 'offered', 'unplaced'], description: 'offered or unplaced when auto-routing ran; an intake volunteer reads new either way' }) status: string;
  @ApiProperty({ type: UrgencyResponse }) urgency: UrgencyResponse;
  @ApiProperty({ type: [DeadlineResponse] }) deadlines: DeadlineResponse[];
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
  @ApiProperty({ type: [String], description: "References of the organization's cases sharing an A-number, a phone, or a name and birth date" })
  possibleDuplicates: string[];
}

export class CaseEventResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'hearing_scheduled' }) type: string;
  @ApiProperty({ example: '2026-11-20T10:00:00-06:00' }) occurredAt: string;
  @ApiPropertyOptional({ description: 'The zone the event is read in' }) timeZone?: string;
  @ApiProperty() recordedAt: string;
  @ApiProperty({ nullable: true, type: String }) recordedBy: string | null;
  @ApiPropertyOptional() retractedAt?: string;
  @ApiPropertyOptional({ nullable: true, type: String }) retractedBy?: string | null;
  // The fields of its type, as recorded (POST /api/cases/:id/events names which type takes which).
  @ApiPropertyOptional({ enum: ['ice', 'jail'], description: 'released' }) from?: string;
  @ApiPropertyOptional({ description: 'transferred: the facility the person was moved to' }) facilityCode?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'transferred: the facility the case was at, recorded by the API' }) fromFacilityCode?: string | null;
  @ApiPropertyOptional({ description: 'transferred: the state the case was in, recorded by the API' }) fromState?: string;
  @ApiPropertyOptional({ enum: ['bond', 'master', 'individual'], description: 'hearing_scheduled' }) hearingType?: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'hearing_scheduled' }) scheduledAt?: string;
  @ApiPropertyOptional({ description: 'hearing_scheduled' }) courtCode?: string;
  @ApiPropertyOptional({ description: 'bond_decision, ij_decision, motion_decided' }) outcome?: string;
  @ApiPropertyOptional({ description: 'bond_decision: USD' }) amount?: number;
  @ApiPropertyOptional({ type: 'integer', description: 'voluntary_departure_granted' }) days?: number;
  @ApiPropertyOptional({ enum: ['pre_conclusion', 'conclusion'], description: 'voluntary_departure_granted' }) stage?: string;
  @ApiPropertyOptional({ enum: ['ij', 'bia'], description: 'final_order, motion_decided' }) issuedBy?: string;
  @ApiPropertyOptional({ enum: ['reopen', 'reconsider'], description: 'motion_decided' }) motion?: string;
  @ApiPropertyOptional({ description: 'final_order, motion_decided: the state of the immigration court' }) venueState?: string;
  @ApiPropertyOptional({ enum: ['inspected', 'ewi', 'paroled', 'unknown'], description: 'entered_us; only in GET /api/cases/:id/events with the full view (audited), never in the answer to recording or retracting an event' }) manner?: string;
}

@ApiExtraModels(CaseEventResponse)
export class CaseEventListResponse {
  @ApiProperty({ type: [CaseEventResponse] })
  items: CaseEventResponse[];
}

export class TimelineResponse {
  @ApiProperty({ type: CaseEventResponse }) event: CaseEventResponse;
  @ApiPropertyOptional({
    type: CaseCustodyResponse,
    description: "Recording an event: the case's custody after it, unchanged when the event is history (a later custody event speaks for the present, or, for a release from a jail, ICE's custody)",
  })
  custody?: CaseCustodyResponse;
  @ApiProperty({ type: [DeadlineResponse], description: 'Every current deadline of the case' }) deadlines: DeadlineResponse[];
  @ApiProperty({ type: UrgencyResponse }) urgency: UrgencyResponse;
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
}

export class RevealResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ type: CaseClientResponse, description: 'With the identity and contact fields' }) client: CaseClientResponse;
  @ApiProperty({ nullable: true, type: CaseCallerResponse }) caller: CaseCallerResponse | null;
  @ApiProperty({ type: CaseCustodyResponse, description: 'With bookingNumber' }) custody: CaseCustodyResponse;
  @ApiProperty({ nullable: true, type: String }) narrative: string | null;
  @ApiProperty({ type: [AdversePartyResponse] }) adverseParties: AdversePartyResponse[];
}
