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

export class AuditVerifyResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ description: 'Events verified, each chain up to its first break' }) checked: number;
  @ApiPropertyOptional({ description: 'The lowest broken event id over all chains (a string: ids are 64-bit)' }) firstBrokenId?: string;
  @ApiPropertyOptional({ type: [Number], description: 'Chains whose newest events were deleted' }) truncatedChains?: number[];
}
