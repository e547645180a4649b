export const PRACTICE_AREAS = [
  'detention_bond',
  'removal_defense',
  'asylum',
  'daca',
  'u_visa',
  't_visa',
  'vawa',
  'crimmigration',
  'other',
] as const;
export type PracticeArea = (typeof PRACTICE_AREAS)[number];

/**
 * Experience a case's history calls for (DOMAIN: "in absentia order, prior removal order, reinstatement: route to
 * attorneys with that experience"): an in absentia order (motion to reopen for exceptional circumstances), a removal
 * order (post-order relief: motions to reconsider or reopen, petitions for review; reinstatement of an order).
 * Attorneys declare theirs on the profile; a case needs them through its flags.
 */
export const EXPERIENCE = ['in_absentia_orders', 'removal_orders'] as const;
export type Experience = (typeof EXPERIENCE)[number];

/** The case flags (libs/deadlines rule set) that call for an experience. */
export const EXPERIENCE_BY_FLAG: Readonly<Record<string, Experience>> = {
  in_absentia_order: 'in_absentia_orders',
  removal_order: 'removal_orders',
  reinstated_order: 'removal_orders',
};

export const URGENCY_LEVELS = ['critical', 'high', 'normal', 'low'] as const;
export type Urgency = (typeof URGENCY_LEVELS)[number];

/** `released`: the attorney had accepted the case, and stepped down or was released from it by a coordinator. */
export type PriorOutcome = 'declined' | 'expired' | 'withdrawn' | 'released';

/** What a case needs from an attorney. Holds no identity: client and adverse parties appear only as blind indexes. */
export interface CaseNeeds {
  caseId: string;
  practiceAreas: PracticeArea[];
  /** ISO 639-3 */
  language: string;
  needsInterpreter: boolean;
  facilityCode: string | null;
  /** USPS state code */
  state: string | null;
  /** The case is before an immigration court, so the attorney must be EOIR-registered. */
  courtMatter: boolean;
  /** Experience the case's history calls for (from its flags); empty for most cases. */
  experienceNeeded: Experience[];
  urgency: Urgency;
  /** Blind indexes of the client's normalized full name (names only: adverse parties rarely come with a birth date). */
  clientIndexes: string[];
  /** Blind indexes of adverse parties recorded on this case. */
  adversePartyIndexes: string[];
  /** The case's IANA zone: a time in a reason is given in it. */
  timeZone: string;
}

export interface AttorneyCandidate {
  attorneyId: string;
  acceptingReferrals: boolean;
  unavailableUntil: Date | null;
  maxActiveCases: number;
  activeCases: number;
  /** Open offers on other cases: they hold a slot until answered or expired. */
  openOffers: number;
  practiceAreas: PracticeArea[];
  experience: Experience[];
  languages: string[];
  facilityCodes: string[];
  states: string[];
  barStates: string[];
  eoirRegistered: boolean;
  lastOfferedAt: Date | null;
  priorOutcomeOnCase: PriorOutcome | null;
  /** Name blind indexes of the clients this attorney represents. */
  clientIndexes: string[];
  /** Blind indexes of the adverse parties of this attorney's clients. */
  clientAdversePartyIndexes: string[];
}

/** Stable codes, in the order the filters are checked. */
export const FILTER_CODES = [
  'conflict_of_interest',
  'prior_offer',
  'not_accepting',
  'unavailable',
  'at_capacity',
  'practice_area',
  'language',
  'geography',
  'eoir_registration',
] as const;
export type FilterCode = (typeof FILTER_CODES)[number];

export interface Exclusion {
  attorneyId: string;
  filter: FilterCode;
  reason: string;
}

export interface RankedMatch {
  attorneyId: string;
  /** 0..100, one decimal. */
  score: number;
  reasons: string[];
  /** When the attorney was last offered a case (null: never): equal scores go to the one waiting longest. */
  lastOfferedAt: Date | null;
}

export interface MatchResult {
  ranked: RankedMatch[];
  excluded: Exclusion[];
}

export const SCORE_FACTORS = ['language', 'geography', 'practiceAreas', 'experience', 'load', 'fairness'] as const;
export type ScoreFactor = (typeof SCORE_FACTORS)[number];

export interface ScoringConfig {
  /** Relative weights; only their ratios matter. Non-negative. */
  weights: Record<ScoreFactor, number>;
  /** An attorney last offered this many days ago (or never) gets the full fairness points. */
  fairnessHorizonDays: number;
}

/** Offer response windows in milliseconds, per urgency level. */
export type OfferWindows = Record<Urgency, number>;

/** The case events that make a case a matter before an immigration court (an attorney must be EOIR-registered). */
export const COURT_EVENT_TYPES: readonly string[] = ['hearing_scheduled', 'bond_decision', 'ij_decision', 'final_order', 'motion_decided', 'in_absentia_order'];
