import { attorney, caseNeeds, NOW } from './__fixtures__/builders';
import { CONFLICT_REASON, failedFilters, HARD_FILTERS } from './filters';
import { matchAttorneys } from './match-attorneys';
import { AttorneyCandidate, CaseNeeds, FILTER_CODES, FilterCode } from './types';

function exclusionOf(candidate: AttorneyCandidate, needs: CaseNeeds = caseNeeds()) {
  const { ranked, excluded } = matchAttorneys(needs, [candidate], NOW);
  expect(ranked).toEqual([]);
  expect(excluded).toHaveLength(1);
  return excluded[0];
}

describe('hard filters', () => {
  it('checks the filters in the documented order', () => {
    expect(HARD_FILTERS.map((f) => f.code)).toEqual(FILTER_CODES);
  });

  it('passes the baseline attorney', () => {
    expect(failedFilters(caseNeeds(), attorney('a'), NOW)).toEqual([]);
  });

  const cases: Array<[FilterCode, Partial<AttorneyCandidate>, Partial<CaseNeeds>, RegExp]> = [
    ['prior_offer', { priorOutcomeOnCase: 'declined' }, {}, /declined this case/],
    ['prior_offer', { priorOutcomeOnCase: 'expired' }, {}, /expire/],
    ['prior_offer', { priorOutcomeOnCase: 'withdrawn' }, {}, /withdrawn/],
    ['prior_offer', { priorOutcomeOnCase: 'released' }, {}, /had this case and was released from it/],
    ['not_accepting', { acceptingReferrals: false }, {}, /not accepting referrals/],
    ['unavailable', { unavailableUntil: new Date('2026-11-21T00:00:00Z') }, {}, /^unavailable until Fri 20 Nov 2026, 6:00 PM CST$/],
    ['at_capacity', { activeCases: 5, openOffers: 0 }, {}, /at capacity: 5 active cases, 0 open offers, maximum 5/],
    ['at_capacity', { activeCases: 3, openOffers: 2 }, {}, /3 active cases, 2 open offers/],
    ['at_capacity', { maxActiveCases: 0, activeCases: 0 }, {}, /maximum 0/],
    ['practice_area', { practiceAreas: ['daca'] }, { practiceAreas: ['asylum', 'u_visa'] }, /asylum, U visa/],
    ['language', { languages: ['eng'] }, { language: 'mam' }, /does not speak Mam \(mam\)/],
    ['geography', { facilityCodes: ['AZFLORENCE'], states: ['AZ'] }, {}, /does not cover facility TXPRRDC or state TX/],
    ['geography', { states: ['AZ'], facilityCodes: [] }, { facilityCode: null }, /does not cover state TX/],
    ['eoir_registration', { eoirRegistered: false }, { courtMatter: true }, /EOIR/],
  ];

  it.each(cases)('excludes with %s (%#)', (code, attorneyOverrides, needsOverrides, reason) => {
    const exclusion = exclusionOf(attorney('a', attorneyOverrides), caseNeeds(needsOverrides));
    expect(exclusion.filter).toBe(code);
    expect(exclusion.reason).toMatch(reason);
    expect(exclusion.attorneyId).toBe('a');
  });

  it('takes English, the courts\' language, as every attorney\'s: an English-speaking client is kept from nobody', () => {
    const spanishOnly = attorney('a', { languages: ['spa'] });
    expect(failedFilters(caseNeeds({ language: 'eng', needsInterpreter: false }), spanishOnly, NOW)).toEqual([]);
    expect(failedFilters(caseNeeds({ language: 'ENG ', needsInterpreter: false }), attorney('b', { languages: [] }), NOW)).toEqual([]);
    expect(matchAttorneys(caseNeeds({ language: 'eng', needsInterpreter: false }), [spanishOnly], NOW).ranked[0].reasons).toContain('speaks English (eng)');
    // Other languages are still the attorney's own.
    expect(failedFilters(caseNeeds({ language: 'mam', needsInterpreter: false }), attorney('c', { languages: ['eng'] }), NOW).map((f) => f.filter)).toEqual(['language']);
  });

  it('treats availability as restored at the unavailableUntil instant', () => {
    expect(failedFilters(caseNeeds(), attorney('a', { unavailableUntil: NOW }), NOW)).toEqual([]);
    expect(failedFilters(caseNeeds(), attorney('a', { unavailableUntil: new Date(NOW.getTime() - 1) }), NOW)).toEqual([]);
  });

  it('counts open offers toward capacity, with one slot left passing', () => {
    expect(failedFilters(caseNeeds(), attorney('a', { activeCases: 2, openOffers: 2 }), NOW)).toEqual([]);
    expect(failedFilters(caseNeeds(), attorney('a', { activeCases: 2, openOffers: 3 }), NOW).map((f) => f.filter)).toEqual([
      'at_capacity',
    ]);
  });

  it('needs only one of the case practice areas', () => {
    const needs = caseNeeds({ practiceAreas: ['asylum', 'detention_bond'] });
    expect(failedFilters(needs, attorney('a', { practiceAreas: ['detention_bond'] }), NOW)).toEqual([]);
  });

  it('lets a case without practice areas reach any attorney', () => {
    expect(failedFilters(caseNeeds({ practiceAreas: [] }), attorney('a', { practiceAreas: [] }), NOW)).toEqual([]);
  });

  it('accepts state coverage without the facility, and facility coverage without the state', () => {
    expect(failedFilters(caseNeeds(), attorney('a', { facilityCodes: [] }), NOW)).toEqual([]);
    expect(failedFilters(caseNeeds(), attorney('a', { states: [] }), NOW)).toEqual([]);
  });

  it('compares facility and state codes case-insensitively', () => {
    const candidate = attorney('a', { facilityCodes: ['txprrdc'], states: [] });
    expect(failedFilters(caseNeeds({ facilityCode: ' TXPRRDC ' }), candidate, NOW)).toEqual([]);
  });

  it('does not constrain geography when the case has no facility and no state', () => {
    const needs = caseNeeds({ facilityCode: null, state: null });
    expect(failedFilters(needs, attorney('a', { facilityCodes: [], states: [] }), NOW)).toEqual([]);
  });

  it('requires EOIR registration only for court matters', () => {
    expect(failedFilters(caseNeeds({ courtMatter: false }), attorney('a', { eoirRegistered: false }), NOW)).toEqual([]);
  });

  it('reports every failure from failedFilters but only the first from matchAttorneys', () => {
    const candidate = attorney('a', { acceptingReferrals: false, languages: [], eoirRegistered: false });
    expect(failedFilters(caseNeeds(), candidate, NOW).map((f) => f.filter)).toEqual([
      'not_accepting',
      'language',
      'eoir_registration',
    ]);
    expect(exclusionOf(candidate).filter).toBe('not_accepting');
  });
});

describe('interpreter', () => {
  it('drops the language filter when the client needs an interpreter', () => {
    const needs = caseNeeds({ language: 'kjb', needsInterpreter: true });
    const { ranked, excluded } = matchAttorneys(needs, [attorney('a', { languages: ['eng'] })], NOW);
    expect(excluded).toEqual([]);
    expect(ranked[0].reasons).toContain("does not speak Q'anjob'al (kjb): an interpreter is needed");
  });

  it('still excludes a non-speaker when no interpreter is needed', () => {
    expect(exclusionOf(attorney('a', { languages: ['eng'] }), caseNeeds({ language: 'kjb' })).filter).toBe('language');
  });

  it('matches language codes case-insensitively', () => {
    expect(failedFilters(caseNeeds({ language: 'SPA' }), attorney('a', { languages: ['Spa'] }), NOW)).toEqual([]);
  });
});

describe('conflict of interest', () => {
  it('excludes an attorney who represents a party adverse to this client', () => {
    const needs = caseNeeds({ adversePartyIndexes: ['idx-abuser'] });
    const exclusion = exclusionOf(attorney('a', { clientIndexes: ['idx-x', 'idx-abuser'] }), needs);
    expect(exclusion).toEqual({ attorneyId: 'a', filter: 'conflict_of_interest', reason: CONFLICT_REASON });
  });

  it('excludes an attorney whose own client is adverse to this client', () => {
    const needs = caseNeeds({ clientIndexes: ['idx-client-1', 'idx-client-1-alias'] });
    const exclusion = exclusionOf(attorney('a', { clientAdversePartyIndexes: ['idx-client-1-alias'] }), needs);
    expect(exclusion.filter).toBe('conflict_of_interest');
  });

  it('does not see a conflict when indexes only match across unrelated roles', () => {
    // The attorney already represents this client (same index on both client sides): not a conflict.
    const needs = caseNeeds({ clientIndexes: ['idx-same'], adversePartyIndexes: ['idx-adverse'] });
    const candidate = attorney('a', { clientIndexes: ['idx-same'], clientAdversePartyIndexes: ['idx-adverse'] });
    expect(failedFilters(needs, candidate, NOW)).toEqual([]);
  });

  it('never names the conflicting party in the reason', () => {
    const needs = caseNeeds({ adversePartyIndexes: ['idx-secret-9f2c'] });
    const exclusion = exclusionOf(attorney('a', { clientIndexes: ['idx-secret-9f2c'] }), needs);
    expect(exclusion.reason).toBe('conflict of interest');
    expect(JSON.stringify(exclusion)).not.toContain('idx-secret-9f2c');
  });

  it('is reported ahead of any other failure', () => {
    const needs = caseNeeds({ adversePartyIndexes: ['idx-p'] });
    const candidate = attorney('a', { clientIndexes: ['idx-p'], acceptingReferrals: false, priorOutcomeOnCase: 'declined' });
    expect(exclusionOf(candidate, needs).filter).toBe('conflict_of_interest');
  });
});
