import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation only: the referral and attorney profile shapes of the API's answers (OpenAPI). */

export class ReferralMatchResponse {
  @ApiProperty({ example: 78.5 }) score: number;
  @ApiProperty({ type: [String], example: ['speaks Spanish (spa)', 'visits Houston Contract Detention Facility'] }) reasons: string[];
}

export class ReferralResponse {
  @ApiProperty() id: string;
  @ApiProperty() caseId: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
  @ApiProperty() attorneyId: string;
  @ApiProperty({ enum: ['offered', 'accepted', 'declined', 'expired', 'withdrawn'] }) status: string;
  @ApiProperty() offeredAt: string;
  @ApiProperty({ description: 'Answer by then, or the offer expires and moves on. Moves earlier (never later) when the case becomes more urgent' }) respondBy: string;
  @ApiProperty({ nullable: true, type: String }) respondedAt: string | null;
  @ApiProperty({ nullable: true, type: String, enum: ['capacity', 'conflict', 'language', 'expertise', 'geography', 'other'] }) declineReason: string | null;
  @ApiPropertyOptional({ description: "In lists: the attorney's note on a decline" }) declineNote?: string;
  @ApiProperty({ type: ReferralMatchResponse }) match: ReferralMatchResponse;
  @ApiPropertyOptional({
    nullable: true,
    description: "In lists: the case's de-identified summary (urgency, language, practice areas, custody, facility, county, state, deadlines: " +
      'the open ones, then the missed ones whose outer limit is ahead, each with its status, due time, zone and outer limit), ' +
      'for an attorney only while the offer is open or the case is theirs (else null)',
  })
  case?: Record<string, unknown> | null;
}

export class DeclineResponse {
  @ApiProperty({ type: ReferralResponse }) referral: ReferralResponse;
  @ApiProperty({ example: 'offered', description: 'offered: offered to the next match (not said to whom); unplaced: nobody left' }) caseStatus: string;
}

export class AttorneyProfileResponse {
  @ApiProperty() userId: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: [String], example: ['TX'] }) barStates: string[];
  @ApiProperty() eoirRegistered: boolean;
  @ApiProperty({ type: [String], example: ['spa', 'eng'] }) languages: string[];
  @ApiProperty({ type: [String] }) practiceAreas: string[];
  @ApiProperty({ type: [String] }) experience: string[];
  @ApiProperty({ type: [String] }) facilityCodes: string[];
  @ApiProperty({ type: [String] }) states: string[];
  @ApiProperty() maxActiveCases: number;
  @ApiProperty() acceptingReferrals: boolean;
  @ApiProperty({ nullable: true, type: String }) unavailableUntil: string | null;
  @ApiProperty({ description: 'Cases assigned to the attorney' }) activeCases: number;
  @ApiProperty() openOffers: number;
}
