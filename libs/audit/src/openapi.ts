import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIT_ACTIONS } from './audit.service';

/** Documentation only: the audit trail's shapes in the API's answers (OpenAPI). */

export class AuditEventResponse {
  @ApiProperty({ description: 'Increasing; a string (64-bit)' }) id: string;
  @ApiProperty() occurredAt: string;
  @ApiProperty({ nullable: true, type: String, description: 'null for the system (jobs, auto-routing)' }) actorId: string | null;
  @ApiProperty({ nullable: true, type: String }) actorRole: string | null;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: string;
  @ApiProperty({ nullable: true, type: String }) caseId: string | null;
  @ApiProperty({ nullable: true, type: String }) caseReference: string | null;
  @ApiProperty({ type: [String], description: 'Names of the fields written or read, never their values' }) fields: string[];
  @ApiProperty({ nullable: true, type: String, description: 'A reveal reason, or why the system acted' }) reason: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details: Record<string, unknown>;
}

export class UnsealedChain {
  @ApiProperty() chain: number;
  @ApiProperty({ description: 'The time of the oldest event no seal covers' }) since: string;
}

export class AuditVerifyResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'Events verified, each chain up to its first break' }) checked: number;
  @ApiPropertyOptional({ description: 'The lowest broken event id over all chains (a string: ids are 64-bit)' }) firstBrokenId?: string;
  @ApiPropertyOptional({ type: [Number], description: 'Chains whose newest events were deleted' }) truncatedChains?: number[];
  @ApiPropertyOptional({
    type: [String],
    description: 'Ids of sealed events whose hash is not the one sealed under AMPARO_AUDIT_KEYS (the chain was edited and recomputed) or that are gone, and of seals forged or out of sequence (seals removed)',
  })
  brokenSeals?: string[];
  @ApiPropertyOptional({
    type: [UnsealedChain],
    description: 'Chains with events older than the grace period that no seal covers: sealing is off or stopped, or the newest seals were removed and no pass has run since',
  })
  unsealedChains?: UnsealedChain[];
  @ApiPropertyOptional({ type: [String], description: 'Key ids named by seals that AMPARO_AUDIT_KEYS no longer holds' }) unknownSealKeys?: string[];
  @ApiPropertyOptional({ description: 'Seal rows that no numbered walk of the sequence reaches: written by hand' }) sealsOutOfSequence?: boolean;
  @ApiPropertyOptional({ description: 'When the trail was first sealed (its oldest seal)' }) sealedSince?: string;
}
