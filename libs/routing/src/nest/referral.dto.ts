import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { HasNoIdentifyingNumber, PageQuery } from '@amparo/common';

export class CreateReferralDto {
  @ApiPropertyOptional({ description: 'Offer to this attorney (a coordinator override). Without it, the best eligible match.' })
  @IsOptional()
  @IsUUID()
  attorneyId?: string;
}

export const DECLINE_REASONS = ['capacity', 'conflict', 'language', 'expertise', 'geography', 'other'] as const;

export class DeclineReferralDto {
  @ApiProperty({ enum: DECLINE_REASONS })
  @IsIn(DECLINE_REASONS)
  reason: (typeof DECLINE_REASONS)[number];

  @ApiPropertyOptional({ description: 'Short note for the coordinator. Not for client data.' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @HasNoIdentifyingNumber()
  note?: string;
}

export const REFERRAL_STATUSES = ['offered', 'accepted', 'declined', 'expired', 'withdrawn'] as const;

export class ListReferralsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @IsOptional()
  @IsIn(REFERRAL_STATUSES)
  status?: (typeof REFERRAL_STATUSES)[number];
}
