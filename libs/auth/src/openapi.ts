import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** Documentation only: the user and token shapes of the API's answers (OpenAPI). */

const PASSWORD_CHANGE_REQUIRED_TEXT =
  'The password is a temporary one (the first admin\'s generated one, the operator\'s reset, or one an admin chose for the account): until it is changed ' +
  '(POST /api/auth/password), every route but that one, GET /api/auth/me and logout answers 403 PASSWORD_CHANGE_REQUIRED, ' +
  'and 72 hours after it was made, unchanged, it stops signing in, and the sessions it opened end (401 PASSWORD_EXPIRED)';

export class UserResponse {
  @ApiProperty() id: string;
  @ApiProperty({ example: 'rosa.intake@example.org' }) email: string;
  @ApiProperty({ example: 'Rosa' }) name: string;
  @ApiProperty({ enum: ['admin', 'coordinator', 'intake', 'attorney'] }) role: string;
  @ApiProperty() organizationId: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ description: PASSWORD_CHANGE_REQUIRED_TEXT }) passwordChangeRequired: boolean;
}

export class TokenUserResponse {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['admin', 'coordinator', 'intake', 'attorney'] }) role: string;
  @ApiProperty() organizationId: string;
  @ApiProperty({ description: PASSWORD_CHANGE_REQUIRED_TEXT }) passwordChangeRequired: boolean;
}

export class TokensResponse {
  @ApiProperty({ description: 'Bearer token for the Authorization header' }) accessToken: string;
  @ApiProperty({ description: 'For POST /api/auth/refresh (single use: a reused one revokes the session)' }) refreshToken: string;
  @ApiProperty({ description: 'Seconds until the access token expires', example: 900 }) expiresIn: number;
  @ApiProperty({ type: TokenUserResponse }) user: TokenUserResponse;
  @ApiPropertyOptional({
    description: "Sign-in only: this device's token. Send it with the device's next sign-ins (deviceToken): its failed attempts are then " +
      "counted apart, and a stranger's guesses that lock the account do not lock this device out. Good 30 days from its last sign-in; " +
      "ended by a password change made on another device, the operator's reset or a deactivation. Keep one per account.",
  })
  deviceToken?: string;
}
