import { DateTime } from 'luxon';
import { tz, type DeadlineView } from '@amparo/deadlines';
import { SensitiveValues, nestSensitive } from './domain/sensitive-fields';

export interface CaseRow {
  id: string;
  organization_id: string;
  reference: string;
  status: string;
  created_by: string | null;
  assigned_attorney_id: string | null;
  preferred_language: string;
  needs_interpreter: boolean;
  practice_areas: string[];
  custody_status: string;
  facility_code: string | null;
  county: string | null;
  state: string | null;
  time_zone: string;
  detainer_lodged: boolean;
  release_eligible_at: Date | null;
  consent_share: boolean;
  consent_obtained_from: string;
  urgency_level: string;
  urgency_reasons: string[];
  next_deadline_at: Date | null;
  /** The zone of the deadline `next_deadline_at` is the due time of (the zone that counts it), when it is read. */
  next_deadline_zone?: string | null;
  flags: { code: string; label: string; citation?: string }[];
  outcome: string | null;
  closed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  /** When the intake or a correction last stated the custody's status (not unknown), and a detainer lodged; null once an event changed it. */
  custody_stated_at?: Date | null;
  detainer_stated_at?: Date | null;
  /** Whether an attorney ever accepted the case (read with the visibility, see visibleRow). */
  attorney_held?: boolean;
  [column: string]: unknown;
}

/** Plain columns only: the select list for anything that must not touch ciphertexts. */
export const SUMMARY_COLUMNS = `id, organization_id, reference, status, created_by, assigned_attorney_id, preferred_language,
  needs_interpreter, practice_areas, custody_status, facility_code, county, state, time_zone, detainer_lodged,
  release_eligible_at, consent_share, consent_obtained_from, urgency_level, urgency_reasons, next_deadline_at, flags,
  outcome, closed_at, created_at, updated_at, custody_stated_at, detainer_stated_at,
  (SELECT d.time_zone FROM deadlines d WHERE d.case_id = cases.id AND d.superseded_at IS NULL AND d.status = 'open'
      AND d.due_at = cases.next_deadline_at LIMIT 1) AS next_deadline_zone`;

const local = (d: Date | null, zone: string) =>
  d ? DateTime.fromJSDate(d).setZone(tz(zone)).toISO({ suppressMilliseconds: true }) : null;

export function summaryView(row: CaseRow, deadlines?: DeadlineView[]) {
  return {
    id: row.id,
    reference: row.reference,
    status: row.status,
    view: 'summary' as 'summary' | 'full',
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    urgency: { level: row.urgency_level, reasons: row.urgency_reasons, nextDeadlineAt: local(row.next_deadline_at, row.next_deadline_zone ?? row.time_zone) },
    flags: row.flags,
    ...(deadlines ? { deadlines } : {}),
    client: { preferredLanguage: row.preferred_language, needsInterpreter: row.needs_interpreter } as Record<string, unknown>,
    consent: { shareWithAttorney: row.consent_share, obtainedFrom: row.consent_obtained_from },
    custody: {
      status: row.custody_status,
      facilityCode: row.facility_code,
      county: row.county,
      state: row.state,
      timeZone: row.time_zone,
      detainerLodged: row.detainer_lodged,
      releaseEligibleAt: local(row.release_eligible_at, row.time_zone),
    } as Record<string, unknown>,
    practiceAreas: row.practice_areas,
    assignedAttorneyId: row.assigned_attorney_id,
    outcome: row.outcome,
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}

export type CaseSummary = ReturnType<typeof summaryView>;

export function fullView(row: CaseRow, sensitive: SensitiveValues, deadlines?: DeadlineView[]) {
  const view = summaryView(row, deadlines);
  const nested = nestSensitive(sensitive) as Record<string, Record<string, unknown>>;
  return {
    ...view,
    view: 'full' as const,
    client: { ...view.client, ...(nested.client ?? {}) },
    caller: nested.caller ?? null,
    custody: { ...view.custody, ...(nested.custody ?? {}) },
    narrative: (nested.narrative as unknown as string | undefined) ?? null,
    adverseParties: (nested.adverseParties as unknown as { name: string; relationship?: string }[] | undefined) ?? [],
  };
}
