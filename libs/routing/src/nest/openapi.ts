import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { FlagResponse } from '@amparo/deadlines';

/** Documentation only: the referral and attorney profile shapes of the API's answers (OpenAPI). */

export class ReferralMatchResponse {
  @ApiProperty({ example: 78.5 }) score: number;
  @ApiProperty({ type: [String], example: ['speaks Spanish (spa)', 'visits Houston Contract Detention Facility'] }) reasons: string[];
}

export class ReferralCaseDeadlineResponse {
  @ApiProperty({ example: 'detainer_hold' }) rule: string;
  @ApiProperty({ example: 'ICE detainer 48-hour hold' }) label: string;
  @ApiProperty({ enum: ['open', 'missed'] }) status: string;
  @ApiProperty({ example: '2026-11-28T16:00:00-06:00', description: 'In the zone that counts it (timeZone)' }) dueAt: string;
  @ApiProperty({ example: 'America/Chicago' }) timeZone: string;
  @ApiPropertyOptional({ description: 'The 8 CFR 287.7(d) outer limit of a detainer hold: what still matters once it is missed' }) outerLimitAt?: string;
  @ApiPropertyOptional({ description: 'When a window opens (a detainer hold: release-eligibility)' }) opensAt?: string;
  @ApiProperty({ example: '8 CFR 287.7(d)' }) citation: string;
}

/** What an offered attorney decides on: no name, number, contact or narrative. */
export class ReferralCaseSummaryResponse {
  @ApiProperty({ enum: ['critical', 'high', 'normal', 'low'] }) urgency: string;
  @ApiProperty({ type: [String], description: 'Why the case has its urgency: the deadline and its local time, or the custody',
    example: ['ICE detainer: the 48-hour hold ends Sat 28 Nov, 4:00 PM CST at Harris County Jail'] }) urgencyReasons: string[];
  @ApiProperty({ type: [FlagResponse] }) flags: FlagResponse[];
  @ApiProperty({ example: 'spa' }) language: string;
  @ApiProperty() needsInterpreter: boolean;
  @ApiProperty({ type: [String], example: ['detention_bond'] }) practiceAreas: string[];
  @ApiProperty({ enum: ['local_jail', 'ice_detention', 'released', 'not_detained', 'unknown'] }) custodyStatus: string;
  @ApiProperty({ nullable: true, type: String }) facilityCode: string | null;
  @ApiProperty({ nullable: true, type: String }) facilityName: string | null;
  @ApiProperty({ nullable: true, type: String }) county: string | null;
  @ApiProperty({ nullable: true, type: String }) state: string | null;
  @ApiProperty({ type: [ReferralCaseDeadlineResponse], description: 'The open deadlines, soonest first, then the missed ones whose outer limit is still ahead' })
  deadlines: ReferralCaseDeadlineResponse[];
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
    type: ReferralCaseSummaryResponse,
    description: "In lists: the case's de-identified summary, for an attorney only while the offer is open or the case is theirs (else null)",
  })
  case?: ReferralCaseSummaryResponse | null;
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
  @ApiProperty({ description: 'The version of the profile (its ETag), for a PUT\'s If-Match' }) updatedAt: string;
}
