import { localWhen } from '@amparo/deadlines';
import { languageLabel, normalizeLanguage } from './languages';
import { practiceAreaList } from './practice-areas';
import { AttorneyCandidate, CaseNeeds, Exclusion, FilterCode, PriorOutcome } from './types';

/** Returns the reason the candidate fails, or null when it passes. */
type FilterCheck = (needs: CaseNeeds, candidate: AttorneyCandidate, now: Date) => string | null;

interface HardFilter {
  code: FilterCode;
  check: FilterCheck;
}

const PRIOR_OUTCOME_REASONS: Readonly<Record<PriorOutcome, string>> = {
  declined: 'declined this case earlier',
  expired: 'let an earlier offer on this case expire',
  withdrawn: 'an earlier offer on this case was withdrawn',
  released: 'had this case and was released from it',
};

// Deliberately says nothing about who the conflict is with: exclusions are shown to coordinators
// and may be logged, and the adverse party's identity is itself confidential.
export const CONFLICT_REASON = 'conflict of interest';

function intersects(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const set = new Set(a);
  return b.some((value) => set.has(value));
}

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function includesCode(codes: readonly string[], code: string): boolean {
  const wanted = normalizeCode(code);
  return codes.some((c) => normalizeCode(c) === wanted);
}

/**
 * English, which every attorney practising before the immigration courts works in: an attorney's languages are those
 * they speak besides it (the profile of the shared contract lists `["spa"]`), and an English-speaking client is never
 * kept from one who does not list it.
 */
export function isCourtLanguage(language: string): boolean {
  return normalizeLanguage(language) === 'eng';
}

export function speaksLanguage(candidate: AttorneyCandidate, language: string): boolean {
  const wanted = normalizeLanguage(language);
  return isCourtLanguage(wanted) || candidate.languages.some((l) => normalizeLanguage(l) === wanted);
}

export function coversFacility(needs: CaseNeeds, candidate: AttorneyCandidate): boolean {
  return needs.facilityCode !== null && includesCode(candidate.facilityCodes, needs.facilityCode);
}

export function coversState(needs: CaseNeeds, candidate: AttorneyCandidate): boolean {
  return needs.state !== null && includesCode(candidate.states, needs.state);
}

/** Both directions: the attorney represents someone adverse to this client, or this client is adverse to one of theirs. */
function hasConflict(needs: CaseNeeds, candidate: AttorneyCandidate): boolean {
  return (
    intersects(candidate.clientIndexes, needs.adversePartyIndexes) ||
    intersects(candidate.clientAdversePartyIndexes, needs.clientIndexes)
  );
}

export function slotsInUse(candidate: AttorneyCandidate): number {
  return candidate.activeCases + candidate.openOffers;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function loadDescription(candidate: AttorneyCandidate): string {
  return `${plural(candidate.activeCases, 'active case')}, ${plural(candidate.openOffers, 'open offer')}`;
}

const conflictOfInterest: FilterCheck = (needs, candidate) =>
  hasConflict(needs, candidate) ? CONFLICT_REASON : null;

const priorOffer: FilterCheck = (_needs, candidate) =>
  candidate.priorOutcomeOnCase ? PRIOR_OUTCOME_REASONS[candidate.priorOutcomeOnCase] : null;

const notAccepting: FilterCheck = (_needs, candidate) =>
  candidate.acceptingReferrals ? null : 'not accepting referrals';

// "Until" is exclusive: at that instant the attorney is available again. Said in the case's zone, as every time an
// attorney or coordinator reads (not "…T06:00:00.000Z", which reads as another hour, or day).
const unavailable: FilterCheck = (needs, candidate, now) =>
  candidate.unavailableUntil && candidate.unavailableUntil.getTime() > now.getTime()
    ? `unavailable until ${localWhen(candidate.unavailableUntil, needs.timeZone)}`
    : null;

// Open offers count because each one may turn into a case; otherwise a burst of urgent
// intakes could offer one attorney more cases than they said they can carry.
const atCapacity: FilterCheck = (_needs, candidate) =>
  slotsInUse(candidate) >= candidate.maxActiveCases
    ? `at capacity: ${loadDescription(candidate)}, maximum ${candidate.maxActiveCases}`
    : null;

// At least one needed area, not all: a detained client's bond hearing cannot wait for an attorney
// who also does their asylum case. Covering more of them scores higher.
const practiceArea: FilterCheck = (needs, candidate) => {
  if (needs.practiceAreas.length === 0) return null;
  const covered = needs.practiceAreas.some((area) => candidate.practiceAreas.includes(area));
  return covered ? null : `does not cover any needed practice area (${practiceAreaList(needs.practiceAreas)})`;
};

// With an interpreter the language becomes a score factor only (see score.ts).
const language: FilterCheck = (needs, candidate) => {
  if (needs.needsInterpreter || speaksLanguage(candidate, needs.language)) return null;
  return `does not speak ${languageLabel(needs.language)}`;
};

// Unknown location (neither facility nor state on the case) constrains nobody.
const geography: FilterCheck = (needs, candidate) => {
  if (needs.facilityCode === null && needs.state === null) return null;
  if (coversFacility(needs, candidate) || coversState(needs, candidate)) return null;
  const places = [
    needs.facilityCode !== null ? `facility ${normalizeCode(needs.facilityCode)}` : null,
    needs.state !== null ? `state ${normalizeCode(needs.state)}` : null,
  ].filter((p): p is string => p !== null);
  return `does not cover ${places.join(' or ')}`;
};

const eoirRegistration: FilterCheck = (needs, candidate) =>
  needs.courtMatter && !candidate.eoirRegistered
    ? 'not registered with EOIR, which a court matter requires'
    : null;

// Order matters for the reported exclusion (the first failure wins): a conflict is reported
// before anything else because no override can lift it.
export const HARD_FILTERS: readonly HardFilter[] = [
  { code: 'conflict_of_interest', check: conflictOfInterest },
  { code: 'prior_offer', check: priorOffer },
  { code: 'not_accepting', check: notAccepting },
  { code: 'unavailable', check: unavailable },
  { code: 'at_capacity', check: atCapacity },
  { code: 'practice_area', check: practiceArea },
  { code: 'language', check: language },
  { code: 'geography', check: geography },
  { code: 'eoir_registration', check: eoirRegistration },
];

/** Every hard filter the candidate fails, in check order. Empty means eligible. */
export function failedFilters(needs: CaseNeeds, candidate: AttorneyCandidate, now: Date): Exclusion[] {
  const failures: Exclusion[] = [];
  for (const { code, check } of HARD_FILTERS) {
    const reason = check(needs, candidate, now);
    if (reason !== null) failures.push({ attorneyId: candidate.attorneyId, filter: code, reason });
  }
  return failures;
}
