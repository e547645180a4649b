import { coversFacility, coversState, loadDescription, normalizeCode, slotsInUse, speaksLanguage } from './filters';
import { languageLabel } from './languages';
import { experienceList, practiceAreaList } from './practice-areas';
import { RoutingError } from './routing-error';
import { AttorneyCandidate, CaseNeeds, SCORE_FACTORS, ScoreFactor, ScoringConfig } from './types';

export const DEFAULT_SCORING: ScoringConfig = {
  weights: { language: 30, geography: 25, practiceAreas: 10, experience: 20, load: 20, fairness: 15 },
  fairnessHorizonDays: 30,
};

// Covering the whole state earns half of what visiting the very facility does.
export const STATE_ONLY_CREDIT = 0.5;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A factor's value in 0..1 and why. Null when it does not apply to this case (it is then left out of the score). */
interface FactorResult {
  value: number;
  reason: string;
}
type Factor = (needs: CaseNeeds, candidate: AttorneyCandidate, now: Date, config: ScoringConfig) => FactorResult | null;

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

// A non-speaker is eligible only for a client who needs an interpreter; one a coordinator chose for a client who does
// not (an override) is not told that an interpreter is needed: the intake said otherwise.
const languageFactor: Factor = (needs, candidate) => {
  const label = languageLabel(needs.language);
  if (speaksLanguage(candidate, needs.language)) return { value: 1, reason: `speaks ${label}` };
  return { value: 0, reason: needs.needsInterpreter ? `does not speak ${label}: an interpreter is needed` : `does not speak ${label}` };
};

const geographyFactor: Factor = (needs, candidate) => {
  if (needs.facilityCode === null && needs.state === null) return null;
  if (coversFacility(needs, candidate)) {
    return { value: 1, reason: `visits the facility (${normalizeCode(needs.facilityCode!)})` };
  }
  if (coversState(needs, candidate)) {
    const state = normalizeCode(needs.state!);
    // Without a facility on the case, the state is the best coverage there is.
    return needs.facilityCode === null
      ? { value: 1, reason: `covers the state (${state})` }
      : { value: STATE_ONLY_CREDIT, reason: `covers the state (${state}), does not visit this facility` };
  }
  return { value: 0, reason: 'covers neither the facility nor the state' };
};

const practiceAreasFactor: Factor = (needs, candidate) => {
  const needed = [...new Set(needs.practiceAreas)];
  if (needed.length === 0) return null;
  const covered = needed.filter((area) => candidate.practiceAreas.includes(area));
  const reason =
    covered.length === needed.length
      ? `covers every needed practice area (${practiceAreaList(needed)})`
      : `covers ${covered.length} of ${needed.length} needed practice areas` +
        (covered.length > 0 ? ` (${practiceAreaList(covered)})` : '');
  return { value: covered.length / needed.length, reason };
};

// Only for cases whose history calls for it (an in absentia order, a prior removal order): a preference, not a filter,
// so such a case is still placed when nobody on the roster has declared that experience.
const experienceFactor: Factor = (needs, candidate) => {
  const needed = [...new Set(needs.experienceNeeded)];
  if (needed.length === 0) return null;
  const has = needed.filter((e) => candidate.experience.includes(e));
  const missing = needed.filter((e) => !candidate.experience.includes(e));
  const reason =
    missing.length === 0
      ? `experienced with ${experienceList(has)}`
      : has.length === 0
        ? `no declared experience with ${experienceList(missing)}`
        : `experienced with ${experienceList(has)}, not with ${experienceList(missing)}`;
  return { value: has.length / needed.length, reason };
};

// Relative to the attorney's own declared capacity, so someone who takes 10 cases is not
// penalized against someone who takes 2.
const loadFactor: Factor = (_needs, candidate) => {
  const inUse = slotsInUse(candidate);
  const max = candidate.maxActiveCases;
  const value = max > 0 ? clamp01(1 - inUse / max) : 0;
  return { value, reason: `${inUse} of ${max} case slots in use (${loadDescription(candidate)})` };
};

// Spreads offers across the roster: long-idle attorneys first, so the same few are not asked every time.
const fairnessFactor: Factor = (_needs, candidate, now, config) => {
  if (candidate.lastOfferedAt === null) return { value: 1, reason: 'never offered a case yet' };
  const days = Math.max(0, now.getTime() - candidate.lastOfferedAt.getTime()) / DAY_MS;
  const whole = Math.floor(days);
  const reason =
    whole === 0
      ? 'last offered a case less than a day ago'
      : `last offered a case ${whole} day${whole === 1 ? '' : 's'} ago`;
  return { value: clamp01(days / config.fairnessHorizonDays), reason };
};

const FACTORS: Readonly<Record<ScoreFactor, Factor>> = {
  language: languageFactor,
  geography: geographyFactor,
  practiceAreas: practiceAreasFactor,
  experience: experienceFactor,
  load: loadFactor,
  fairness: fairnessFactor,
};

export interface Score {
  score: number;
  reasons: string[];
}

/**
 * Weighted mean of the applicable factors, scaled to 0..100 and rounded to one decimal.
 * Ranking uses the rounded value, so equal displayed scores are always ordered by attorney id.
 */
export function scoreCandidate(
  needs: CaseNeeds,
  candidate: AttorneyCandidate,
  now: Date,
  config: ScoringConfig = DEFAULT_SCORING,
): Score {
  let weighted = 0;
  let totalWeight = 0;
  const reasons: string[] = [];
  for (const name of SCORE_FACTORS) {
    const weight = config.weights[name];
    if (weight === 0) continue;
    const result = FACTORS[name](needs, candidate, now, config);
    if (result === null) continue;
    weighted += weight * result.value;
    totalWeight += weight;
    reasons.push(result.reason);
  }
  const score = totalWeight === 0 ? 0 : Math.round((1000 * weighted) / totalWeight) / 10;
  return { score, reasons };
}

export function validateScoringConfig(config: ScoringConfig): ScoringConfig {
  for (const name of SCORE_FACTORS) {
    const weight = config.weights?.[name];
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
      throw new RoutingError('invalid_scoring_config', `weight ${name} must be a finite number >= 0`, `weights.${name}`);
    }
  }
  const horizon = config.fairnessHorizonDays;
  if (typeof horizon !== 'number' || !Number.isFinite(horizon) || horizon <= 0) {
    throw new RoutingError('invalid_scoring_config', 'fairnessHorizonDays must be a number > 0', 'fairnessHorizonDays');
  }
  return config;
}
