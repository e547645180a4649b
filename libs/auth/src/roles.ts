export const ROLES = ['admin', 'coordinator', 'intake', 'attorney'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: set on the request by the access guard once the token and its session check out. */
export interface Principal {
  userId: string;
  organizationId: string;
  role: Role;
  sessionId: string;
}
