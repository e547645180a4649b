import { failedFilters } from './filters';
import { RoutingError } from './routing-error';
import { DEFAULT_SCORING, scoreCandidate, validateScoringConfig } from './score';
import { AttorneyCandidate, CaseNeeds, Exclusion, MatchResult, RankedMatch, ScoringConfig } from './types';

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function validateNow(now: Date): void {
  if (!isValidDate(now)) throw new RoutingError('invalid_now', 'now must be a valid Date', 'now');
}

// Rows come from the database, so a bad one is a bug upstream: fail loudly rather than
// silently rank an attorney on NaN.
function validateCandidate(candidate: AttorneyCandidate, index: number): void {
  const fail = (field: string, problem: string): never => {
    const path = `candidates[${index}].${field}`;
    throw new RoutingError('invalid_candidate', `${path} ${problem}`, path);
  };
  if (typeof candidate.attorneyId !== 'string' || candidate.attorneyId === '') {
    fail('attorneyId', 'must be a non-empty string');
  }
  for (const field of ['maxActiveCases', 'activeCases', 'openOffers'] as const) {
    if (!isCount(candidate[field])) fail(field, 'must be an integer >= 0');
  }
  for (const field of ['unavailableUntil', 'lastOfferedAt'] as const) {
    const value = candidate[field];
    if (value !== null && !isValidDate(value)) fail(field, 'must be null or a valid Date');
  }
}

function validateCandidates(candidates: readonly AttorneyCandidate[]): void {
  const seen = new Set<string>();
  candidates.forEach((candidate, index) => {
    validateCandidate(candidate, index);
    if (seen.has(candidate.attorneyId)) {
      const message = `attorney ${candidate.attorneyId} appears twice`;
      throw new RoutingError('duplicate_candidate', message, `candidates[${index}]`);
    }
    seen.add(candidate.attorneyId);
  });
}

/**
 * The ranking's order: best score first; equal scores (rounded to a tenth, fairness gains half a point a day) to the
 * attorney offered a case longest ago (never first), else the lowest id was asked again and again; then by attorney id
 * (code units, not localeCompare: no server locale).
 */
export function byRank(a: RankedMatch, b: RankedMatch): number {
  if (a.score !== b.score) return b.score - a.score;
  const waited = (m: RankedMatch) => m.lastOfferedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (waited(a) !== waited(b)) return waited(a) < waited(b) ? -1 : 1;
  return a.attorneyId < b.attorneyId ? -1 : a.attorneyId > b.attorneyId ? 1 : 0;
}

/**
 * Applies the hard filters and scores the candidates that pass. Every candidate ends up in exactly one
 * of `ranked` (best first) or `excluded` (with the first filter it failed, in input order).
 */
export function matchAttorneys(
  needs: CaseNeeds,
  candidates: readonly AttorneyCandidate[],
  now: Date,
  config: ScoringConfig = DEFAULT_SCORING,
): MatchResult {
  validateNow(now);
  validateScoringConfig(config);
  validateCandidates(candidates);

  const ranked: RankedMatch[] = [];
  const excluded: Exclusion[] = [];
  for (const candidate of candidates) {
    const [firstFailure] = failedFilters(needs, candidate, now);
    if (firstFailure) {
      excluded.push(firstFailure);
    } else {
      ranked.push({ attorneyId: candidate.attorneyId, ...scoreCandidate(needs, candidate, now, config), lastOfferedAt: candidate.lastOfferedAt });
    }
  }
  ranked.sort(byRank);
  return { ranked, excluded };
}

export type OverrideResult = { allowed: true; match: RankedMatch } | { allowed: false; exclusion: Exclusion };

/**
 * A coordinator's explicit choice of attorney. Only the conflict check still binds (consent is a case-level
 * check the caller makes before any referral); every other filter the attorney fails is named in the reasons
 * as "override: ...", so the referral record shows what the coordinator chose to set aside.
 */
export function evaluateOverride(
  needs: CaseNeeds,
  candidate: AttorneyCandidate,
  now: Date,
  config: ScoringConfig = DEFAULT_SCORING,
): OverrideResult {
  validateNow(now);
  validateScoringConfig(config);
  validateCandidate(candidate, 0);

  const failures = failedFilters(needs, candidate, now);
  const conflict = failures.find((f) => f.filter === 'conflict_of_interest');
  if (conflict) return { allowed: false, exclusion: conflict };

  const { score, reasons } = scoreCandidate(needs, candidate, now, config);
  const overridden = failures.map((f) => `override: ${f.reason}`);
  // A factor that says what a filter set aside already said ("does not speak Mam (mam)"): once, as the override.
  const scored = reasons.filter((reason) => !failures.some((f) => f.reason === reason));
  return { allowed: true, match: { attorneyId: candidate.attorneyId, score, reasons: [...overridden, ...scored], lastOfferedAt: candidate.lastOfferedAt } };
}
