import type { Role } from '@amparo/auth';

/**
 * How much of a case the caller may see:
 * - full: the sensitive fields too (the accepted attorney; the creating intake volunteer while the case is under
 *   72 hours old and has never had an attorney: new, or offered/unplaced by auto-routing, so the volunteer can still
 *   correct the intake; a case back without one, after an attorney held it, holds what the attorney added);
 * - summary: no sensitive fields (coordinators; the creating volunteer afterwards);
 * - none: the case does not exist for the caller (404).
 * Admins manage the organization and do not read case content.
 */
export type CaseVisibility = 'none' | 'summary' | 'full';

export const INTAKE_WINDOW_MS = 72 * 3600 * 1000;
const UNASSIGNED = new Set(['new', 'offered', 'unplaced']);

export interface VisibilityCase {
  createdBy: string | null;
  status: string;
  createdAt: Date;
  assignedAttorneyId: string | null;
  /** Whether an attorney has ever accepted the case (an accepted referral, even one released since). */
  attorneyHeld: boolean;
}

export function caseVisibility(caller: { role: Role; userId: string }, c: VisibilityCase, now: Date): CaseVisibility {
  if (c.status === 'purged') return caller.role === 'coordinator' ? 'summary' : 'none';
  switch (caller.role) {
    case 'coordinator':
      return 'summary';
    case 'intake':
      if (c.createdBy !== caller.userId) return 'none';
      return UNASSIGNED.has(c.status) && !c.attorneyHeld && now.getTime() - c.createdAt.getTime() < INTAKE_WINDOW_MS ? 'full' : 'summary';
    case 'attorney':
      return c.assignedAttorneyId === caller.userId && (c.status === 'assigned' || c.status === 'closed') ? 'full' : 'none';
    default:
      return 'none';
  }
}

/**
 * A case's status as the caller reads it. An intake volunteer reads `new` until an attorney accepts the case: whether
 * it is offered, and to whom it could be, is the coordinators' and the attorneys'. Otherwise a correction naming
 * someone on their case would tell, by an offer withdrawn for a conflict at once (`offered` → `new`), whether that
 * person is an attorney's client or was named by one; and an intake `unplaced` rather than `offered`, the same when
 * the attorney in conflict was the only one who fit.
 */
export function statusSeenBy(role: Role, status: string): string {
  return role === 'intake' && UNASSIGNED.has(status) ? 'new' : status;
}

/** The stored statuses an intake volunteer's list filter reads as `status` (see statusSeenBy). */
export function statusesSeenAs(role: Role, status: string): string[] {
  if (role !== 'intake') return [status];
  return status === 'new' ? [...UNASSIGNED] : UNASSIGNED.has(status) ? [] : [status];
}
