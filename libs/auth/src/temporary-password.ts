import { HttpStatus } from '@nestjs/common';
import { DomainError } from '@amparo/common';

/**
 * A password the system made (the first admin's generated one, the operator's reset) or an admin chose for an account
 * (created, or set again before its user chose one) is temporary (ASVS 6.4.1): a session signed in with it may only
 * change it, and unchanged it expires, with the sessions it opened.
 */
export const TEMPORARY_PASSWORD_HOURS = 72;

/** When a temporary password made now expires (`users.password_expires_at`). */
export const temporaryPasswordExpiry = (now: Date): Date => new Date(now.getTime() + TEMPORARY_PASSWORD_HOURS * 3600_000);

/** Whether a password with this expiry (null: the user's own) has expired. */
export const temporaryPasswordExpired = (expiresAt: Date | null, now: Date): boolean => expiresAt !== null && expiresAt <= now;

/** A temporary password unchanged past its time: no sign-in, no refresh, no request of a session it opened. */
export const passwordExpired = (): DomainError =>
  new DomainError(HttpStatus.UNAUTHORIZED, 'PASSWORD_EXPIRED', 'This temporary password has expired: ask an admin for a new one (PATCH /api/users/:id with a password), or the operator (users:reset-password)');

/** A session signed in with a temporary password, on a route other than changing it (or me, logout). */
export const passwordChangeRequired = (): DomainError =>
  new DomainError(HttpStatus.FORBIDDEN, 'PASSWORD_CHANGE_REQUIRED',
    'Your password is a temporary one: change it first (POST /api/auth/password with currentPassword and newPassword)');
