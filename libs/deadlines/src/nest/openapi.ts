import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation only: the deadline, urgency and flag shapes of the API's answers (OpenAPI). */

export class DeadlineResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'bond_appeal' }) rule: string;
  @ApiProperty({ example: 'Bond appeal to the BIA (received by)' }) label: string;
  @ApiProperty({ example: '2026-12-28T23:59:59.999-05:00', description: 'In the zone that counts it (timeZone)' }) dueAt: string;
  @ApiProperty({ example: 'America/New_York' }) timeZone: string;
  @ApiPropertyOptional({ description: 'The 8 CFR 287.7(d) outer limit of a detainer hold' }) outerLimitAt?: string;
  @ApiPropertyOptional({ description: 'When a window opens (a detainer hold: release-eligibility)' }) opensAt?: string;
  @ApiProperty({ example: '8 CFR 1003.38(b), 1236.1(d)(3)(i)' }) citation: string;
  @ApiProperty({ example: '2026.2' }) ruleVersion: string;
  @ApiPropertyOptional({ description: "The rule's own guidance" }) note?: string;
  @ApiProperty({ enum: ['open', 'met', 'waived', 'missed'] }) status: string;
  @ApiPropertyOptional({ description: 'The note of the last status change made by a person' }) statusNote?: string;
  @ApiPropertyOptional() statusChangedAt?: string;
  @ApiPropertyOptional({ description: 'User id; absent when the system marked it missed' }) statusChangedBy?: string;
  @ApiProperty() caseId: string;
  @ApiProperty({ example: 'AMP-7KQ3XH' }) reference: string;
}

export class BoardDeadlineResponse extends DeadlineResponse {
  @ApiProperty({ enum: ['critical', 'high', 'normal', 'low'], description: "The case's urgency" }) caseUrgency: string;
}

export class UrgencyResponse {
  @ApiProperty({ enum: ['critical', 'high', 'normal', 'low'] }) level: string;
  @ApiProperty({ type: [String], example: ['ICE detainer: the 48-hour hold ends Sat 28 Nov, 4:00 PM CST at Harris County Jail'] }) reasons: string[];
  @ApiProperty({ nullable: true, type: String }) nextDeadlineAt: string | null;
}

export class FlagResponse {
  @ApiProperty({ example: 'detained_without_counsel' }) code: string;
  @ApiProperty() label: string;
  @ApiPropertyOptional() citation?: string;
}
