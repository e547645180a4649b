import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { BlankMeansAny, CodeValue, HasNoIdentifyingNumber, PageQuery } from '@amparo/common';

export class CreateReferralDto {
  @ApiPropertyOptional({ description: 'Offer to this attorney (a coordinator override). Without it, the best eligible match.' })
  @IsOptional()
  @IsUUID()
  attorneyId?: string;
}

export const DECLINE_REASONS = ['capacity', 'conflict', 'language', 'expertise', 'geography', 'other'] as const;

export class DeclineReferralDto {
  @ApiProperty({ enum: DECLINE_REASONS })
  @CodeValue()
  @IsIn(DECLINE_REASONS)
  reason: (typeof DECLINE_REASONS)[number];

  @ApiPropertyOptional({ description: 'Short note for the coordinator. Not for client data.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @HasNoIdentifyingNumber()
  note?: string;
}

export const RELEASE_REASONS = ['conflict', 'capacity', 'unavailable', 'client_request', 'other'] as const;
export type ReleaseReason = (typeof RELEASE_REASONS)[number];

/** How a release's reason reads in the emails it sends (codes only: a free-text reason could hold client data). */
export const RELEASE_REASON_TEXT: Record<ReleaseReason, string> = {
  conflict: 'a conflict of interest',
  capacity: 'no capacity for it',
  unavailable: 'the attorney is unavailable',
  client_request: 'at the client\'s request',
  other: 'another reason',
};

export class ReleaseCaseDto {
  @ApiProperty({ enum: RELEASE_REASONS, description: 'Why the attorney no longer has the case (audited, and given in the emails).' })
  @CodeValue()
  @IsIn(RELEASE_REASONS)
  reason: ReleaseReason;
}

export const REFERRAL_STATUSES = ['offered', 'accepted', 'declined', 'expired', 'withdrawn'] as const;

export class ListReferralsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @BlankMeansAny()
  @CodeValue()
  @IsOptional()
  @IsIn(REFERRAL_STATUSES)
  status?: (typeof REFERRAL_STATUSES)[number];
}
