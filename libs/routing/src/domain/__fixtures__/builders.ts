// Invented test data only. Blind indexes here are arbitrary strings, not HMACs of anyone.
import { AttorneyCandidate, CaseNeeds } from '../types';

export const NOW = new Date('2026-11-20T16:00:00Z');
export const DAY_MS = 24 * 60 * 60 * 1000;

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY_MS);
}

export function caseNeeds(overrides: Partial<CaseNeeds> = {}): CaseNeeds {
  return {
    caseId: 'case-1',
    practiceAreas: ['detention_bond'],
    language: 'spa',
    needsInterpreter: false,
    facilityCode: 'TXPRRDC',
    state: 'TX',
    courtMatter: true,
    experienceNeeded: [],
    urgency: 'critical',
    clientIndexes: ['idx-client-1'],
    adversePartyIndexes: [],
    timeZone: 'America/Chicago',
    ...overrides,
  };
}

/** An attorney who passes every filter for `caseNeeds()`. */
export function attorney(attorneyId: string, overrides: Partial<AttorneyCandidate> = {}): AttorneyCandidate {
  return {
    attorneyId,
    acceptingReferrals: true,
    unavailableUntil: null,
    maxActiveCases: 5,
    activeCases: 1,
    openOffers: 0,
    practiceAreas: ['detention_bond', 'removal_defense'],
    experience: [],
    languages: ['eng', 'spa'],
    facilityCodes: ['TXPRRDC'],
    states: ['TX'],
    barStates: ['TX'],
    eoirRegistered: true,
    lastOfferedAt: daysAgo(10),
    priorOutcomeOnCase: null,
    clientIndexes: ['idx-other-client'],
    clientAdversePartyIndexes: [],
    ...overrides,
  };
}
