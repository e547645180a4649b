import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DeadlineResponse, FlagResponse, UrgencyResponse } from '@amparo/deadlines';

/** Documentation only: the case and event shapes of the API's answers (OpenAPI). */

export class CaseResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ enum: ['new', 'offered', 'assigned', 'unplaced', 'closed', 'purged'] }) status: string;
  @ApiProperty({ enum: ['summary', 'full'], description: 'full: the sensitive fields are included (docs/api.md, who gets which)' }) view: string;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;
  @ApiProperty({ type: UrgencyResponse }) urgency: UrgencyResponse;
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
  @ApiPropertyOptional({ type: [DeadlineResponse] }) deadlines?: DeadlineResponse[];
  @ApiProperty({ description: 'preferredLanguage, needsInterpreter; with the full view also the identity and contact fields' })
  client: Record<string, unknown>;
  @ApiProperty({ example: { shareWithAttorney: true, obtainedFrom: 'caller' } }) consent: Record<string, unknown>;
  @ApiProperty({ description: 'status, facilityCode, county, state, timeZone, detainerLodged, releaseEligibleAt; with the full view bookingNumber' })
  custody: Record<string, unknown>;
  @ApiProperty({ type: [String] }) practiceAreas: string[];
  @ApiProperty({ nullable: true, type: String }) assignedAttorneyId: string | null;
  @ApiProperty({ nullable: true, type: String }) outcome: string | null;
  @ApiProperty({ nullable: true, type: String }) closedAt: string | null;
  @ApiPropertyOptional({ description: 'Full view only', nullable: true }) caller?: Record<string, unknown> | null;
  @ApiPropertyOptional({ description: 'Full view only', nullable: true, type: String }) narrative?: string | null;
  @ApiPropertyOptional({ description: 'Full view only', type: 'array', items: { type: 'object' } }) adverseParties?: unknown[];
}

export class CreateCaseResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ enum: ['new', 'offered', 'unplaced'], description: 'offered or unplaced when auto-routing ran' }) status: string;
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
}

@ApiExtraModels(CaseEventResponse)
export class CaseEventListResponse {
  @ApiProperty({ type: [CaseEventResponse], description: "Each event also carries its type's fields (hearingType, outcome, ...)" })
  items: CaseEventResponse[];
}

export class TimelineResponse {
  @ApiProperty({ type: CaseEventResponse, description: "Also carries its type's fields" }) event: CaseEventResponse;
  @ApiPropertyOptional({
    description: "Recording an event: the case's custody after it (status, facilityCode, county, state, timeZone, detainerLodged, releaseEligibleAt), unchanged when the event is history (a later custody event speaks for the present, or, for a release from a jail, ICE's custody)",
  })
  custody?: Record<string, unknown>;
  @ApiProperty({ type: [DeadlineResponse], description: 'Every current deadline of the case' }) deadlines: DeadlineResponse[];
  @ApiProperty({ type: UrgencyResponse }) urgency: UrgencyResponse;
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
}

export class RevealResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty({ description: 'With the identity and contact fields' }) client: Record<string, unknown>;
  @ApiProperty({ nullable: true }) caller: Record<string, unknown> | null;
  @ApiProperty({ description: 'With bookingNumber' }) custody: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String }) narrative: string | null;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) adverseParties: unknown[];
}
