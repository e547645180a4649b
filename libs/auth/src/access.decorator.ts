import { SetMetadata, applyDecorators, createParamDecorator, ExecutionContext } from '@nestjs/common';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponse } from '@amparo/common';
import type { Principal, Role } from './roles';

export const ACCESS_KEY = 'amparo:access';
export const TEMPORARY_PASSWORD_KEY = 'amparo:temporary-password';

/**
 * A handler a session signed in with a temporary password may call (changing it, reading who one is, signing out):
 * every other answers 403 PASSWORD_CHANGE_REQUIRED until the password is changed.
 */
export const AllowsTemporaryPassword = (): MethodDecorator => SetMetadata(TEMPORARY_PASSWORD_KEY, true);

/** `public` needs no token; `authenticated` any signed-in role; otherwise the listed roles. */
export type AccessRule = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'roles'; roles: Role[] };

/**
 * Declares who may call a handler. Every handler must carry exactly one; the guard denies a handler without it,
 * and the route-permission test lists them all.
 */
export function Access(...who: ['public'] | ['authenticated'] | Role[]): MethodDecorator {
  let rule: AccessRule;
  if (who.length === 1 && who[0] === 'public') rule = { kind: 'public' };
  else if (who.length === 1 && who[0] === 'authenticated') rule = { kind: 'authenticated' };
  else rule = { kind: 'roles', roles: [...(who as Role[])].sort() };
  if (rule.kind !== 'roles') return SetMetadata(ACCESS_KEY, rule);
  // The OpenAPI document says who may call it, from the same declaration the guard reads.
  return applyDecorators(
    SetMetadata(ACCESS_KEY, rule),
    ApiForbiddenResponse({ type: ErrorResponse, description: `Only for the roles ${rule.roles.join(', ')}: any other role gets 403. A route may also refuse one of them in a case its summary names.` }),
  );
}

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ user?: Principal }>();
  if (!request.user) throw new Error('CurrentUser used on a route without an authenticated principal');
  return request.user;
});

export function describeAccess(rule: AccessRule | undefined): string {
  if (!rule) return 'UNDECLARED';
  if (rule.kind === 'roles') return rule.roles.join(',');
  return rule.kind;
}
