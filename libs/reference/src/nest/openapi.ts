import { ApiProperty } from '@nestjs/swagger';

/** Documentation only: a facility as GET /api/facilities answers it (OpenAPI). */
export class FacilityResponse {
  @ApiProperty({ example: 'HOUICDF' }) code: string;
  @ApiProperty({ example: 'HOUSTON CONTRACT DETENTION FACILITY' }) name: string;
  @ApiProperty({ nullable: true, type: String }) city: string | null;
  @ApiProperty({ nullable: true, type: String }) county: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'TX' }) state: string | null;
  @ApiProperty({ example: 'America/Chicago' }) timeZone: string;
  @ApiProperty({ example: 'CDF' }) type: string;
  @ApiProperty({ description: 'In a county with a participating 287(g) Jail Enforcement Model agreement' }) jail287g: boolean;
  @ApiProperty({ description: 'In the latest ICE facilities file imported (the list shows only these)' }) listed: boolean;
}
