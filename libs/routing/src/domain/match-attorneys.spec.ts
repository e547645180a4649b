import fc from 'fast-check';
import { attorney, caseNeeds, daysAgo, NOW } from './__fixtures__/builders';
import { failedFilters } from './filters';
import { evaluateOverride, matchAttorneys } from './match-attorneys';
import { RoutingError } from './routing-error';
import { AttorneyCandidate, CaseNeeds, EXPERIENCE, PRACTICE_AREAS, URGENCY_LEVELS } from './types';

describe('matchAttorneys', () => {
  it('breaks equal scores by attorneyId, whatever the input order', () => {
    const twins = ['c-3', 'a-1', 'b-2'].map((id) => attorney(id));
    const forward = matchAttorneys(caseNeeds(), twins, NOW).ranked;
    const backward = matchAttorneys(caseNeeds(), [...twins].reverse(), NOW).ranked;
    expect(forward.map((m) => m.attorneyId)).toEqual(['a-1', 'b-2', 'c-3']);
    expect(backward).toEqual(forward);
    expect(new Set(forward.map((m) => m.score)).size).toBe(1);
  });

  it('breaks an equal score in favour of the attorney offered a case longest ago (never first), not the lowest id again', () => {
    // Offered an hour apart ten days ago: the same score to a tenth. The one asked last waits its turn.
    const justAsked = attorney('a-1', { lastOfferedAt: new Date(daysAgo(10).getTime() + 3600_000) });
    const waiting = attorney('b-2', { lastOfferedAt: daysAgo(10) });
    const ranked = matchAttorneys(caseNeeds(), [justAsked, waiting], NOW).ranked;
    expect(ranked[0].score).toBe(ranked[1].score);
    expect(ranked.map((m) => m.attorneyId)).toEqual(['b-2', 'a-1']);
    const never = attorney('c-3', { lastOfferedAt: null });
    const withNever = matchAttorneys(caseNeeds(), [justAsked, waiting, never], NOW).ranked;
    expect(withNever[0].attorneyId).toBe('c-3');
  });

  it('orders ids by code unit, not by locale', () => {
    const ids = ['b', 'B', 'a'];
    const ranked = matchAttorneys(caseNeeds(), ids.map((id) => attorney(id)), NOW).ranked;
    expect(ranked.map((m) => m.attorneyId)).toEqual(['B', 'a', 'b']);
  });

  it('splits candidates into ranked and excluded, keeping excluded in input order', () => {
    const result = matchAttorneys(
      caseNeeds(),
      [attorney('x', { acceptingReferrals: false }), attorney('ok'), attorney('y', { eoirRegistered: false })],
      NOW,
    );
    expect(result.ranked.map((m) => m.attorneyId)).toEqual(['ok']);
    expect(result.excluded.map((e) => [e.attorneyId, e.filter])).toEqual([
      ['x', 'not_accepting'],
      ['y', 'eoir_registration'],
    ]);
  });

  it('returns nothing ranked for an empty pool (the caller marks the case unplaced)', () => {
    expect(matchAttorneys(caseNeeds(), [], NOW)).toEqual({ ranked: [], excluded: [] });
  });

  it('does not mutate its inputs', () => {
    const candidates = [attorney('b', { activeCases: 3 }), attorney('a')];
    const snapshot = JSON.stringify(candidates);
    matchAttorneys(caseNeeds(), candidates, NOW);
    expect(JSON.stringify(candidates)).toBe(snapshot);
  });

  it.each<[string, Partial<AttorneyCandidate>, string]>([
    ['negative load', { activeCases: -1 }, 'candidates[0].activeCases'],
    ['fractional capacity', { maxActiveCases: 2.5 }, 'candidates[0].maxActiveCases'],
    ['invalid date', { lastOfferedAt: new Date('nope') }, 'candidates[0].lastOfferedAt'],
    ['empty id', { attorneyId: '' }, 'candidates[0].attorneyId'],
  ])('rejects a candidate with %s', (_label, overrides, field) => {
    expect(() => matchAttorneys(caseNeeds(), [attorney('a', overrides)], NOW)).toThrow(
      expect.objectContaining({ code: 'invalid_candidate', field }),
    );
  });

  it('rejects the same attorney twice', () => {
    expect(() => matchAttorneys(caseNeeds(), [attorney('a'), attorney('a')], NOW)).toThrow(
      expect.objectContaining({ code: 'duplicate_candidate' }),
    );
  });

  it('rejects an invalid now', () => {
    expect(() => matchAttorneys(caseNeeds(), [], new Date(NaN))).toThrow(RoutingError);
  });
});

describe('evaluateOverride', () => {
  it('allows an attorney who fails ordinary filters, naming each one set aside', () => {
    const candidate = attorney('a', { acceptingReferrals: false, activeCases: 5, priorOutcomeOnCase: 'declined' });
    const result = evaluateOverride(caseNeeds(), candidate, NOW);
    expect(result.allowed).toBe(true);
    if (!result.allowed) return;
    expect(result.match.reasons.slice(0, 3)).toEqual([
      'override: declined this case earlier',
      'override: not accepting referrals',
      'override: at capacity: 5 active cases, 0 open offers, maximum 5',
    ]);
    expect(result.match.score).toBeGreaterThanOrEqual(0);
  });

  it('names a language set aside once, and does not say an interpreter is needed for a client who needs none', () => {
    const chosen = (needsInterpreter: boolean) => {
      const result = evaluateOverride(caseNeeds({ needsInterpreter }), attorney('a', { languages: ['eng'] }), NOW);
      if (!result.allowed) throw new Error('refused');
      return result.match.reasons.filter((reason) => reason.includes('Spanish'));
    };
    expect(chosen(false)).toEqual(['override: does not speak Spanish (spa)']);
    // Eligible without the override: the score's reason alone.
    expect(chosen(true)).toEqual(['does not speak Spanish (spa): an interpreter is needed']);
  });

  it('has no override reasons for an eligible attorney and scores as matchAttorneys does', () => {
    const candidate = attorney('a');
    const result = evaluateOverride(caseNeeds(), candidate, NOW);
    expect(result).toEqual({ allowed: true, match: matchAttorneys(caseNeeds(), [candidate], NOW).ranked[0] });
  });

  it.each<[string, Partial<CaseNeeds>, Partial<AttorneyCandidate>]>([
    ['represents an adverse party', { adversePartyIndexes: ['idx-p'] }, { clientIndexes: ['idx-p'] }],
    ['a client of theirs is adverse to this client', {}, { clientAdversePartyIndexes: ['idx-client-1'] }],
  ])('refuses an attorney who %s', (_label, needsOverrides, attorneyOverrides) => {
    const result = evaluateOverride(caseNeeds(needsOverrides), attorney('a', attorneyOverrides), NOW);
    expect(result).toEqual({
      allowed: false,
      exclusion: { attorneyId: 'a', filter: 'conflict_of_interest', reason: 'conflict of interest' },
    });
  });
});

// Small value pools so that filters, conflicts and ties actually occur in generated data.
const LANGS = ['spa', 'eng', 'mam', 'quc'];
const STATES = ['TX', 'AZ', 'GA'];
const FACILITIES = ['F1', 'F2', 'F3'];
const INDEXES = ['i1', 'i2', 'i3', 'i4', 'i5', 'i6'];
const subset = <T>(pool: readonly T[]) => fc.subarray([...pool]);
const optionalDate = fc.option(fc.integer({ min: -40, max: 40 }).map((d) => daysAgo(d)), { nil: null });

const needsArb: fc.Arbitrary<CaseNeeds> = fc.record({
  caseId: fc.constant('case-p'),
  practiceAreas: subset(PRACTICE_AREAS),
  language: fc.constantFrom(...LANGS),
  needsInterpreter: fc.boolean(),
  facilityCode: fc.option(fc.constantFrom(...FACILITIES), { nil: null }),
  state: fc.option(fc.constantFrom(...STATES), { nil: null }),
  courtMatter: fc.boolean(),
  experienceNeeded: subset(EXPERIENCE),
  urgency: fc.constantFrom(...URGENCY_LEVELS),
  clientIndexes: subset(INDEXES).map((xs) => xs.slice(0, 2)),
  adversePartyIndexes: subset(INDEXES).map((xs) => xs.slice(0, 2)),
  timeZone: fc.constantFrom('America/Chicago', 'Pacific/Guam'),
});

const candidateArb = (attorneyId: string): fc.Arbitrary<AttorneyCandidate> =>
  fc.record({
    attorneyId: fc.constant(attorneyId),
    acceptingReferrals: fc.boolean(),
    unavailableUntil: optionalDate,
    maxActiveCases: fc.integer({ min: 0, max: 6 }),
    activeCases: fc.integer({ min: 0, max: 6 }),
    openOffers: fc.integer({ min: 0, max: 3 }),
    practiceAreas: subset(PRACTICE_AREAS),
    experience: subset(EXPERIENCE),
    languages: subset(LANGS),
    facilityCodes: subset(FACILITIES),
    states: subset(STATES),
    barStates: subset(STATES),
    eoirRegistered: fc.boolean(),
    lastOfferedAt: optionalDate,
    priorOutcomeOnCase: fc.constantFrom(null, null, null, 'declined' as const, 'expired' as const, 'withdrawn' as const),
    clientIndexes: subset(INDEXES).map((xs) => xs.slice(0, 2)),
    clientAdversePartyIndexes: subset(INDEXES).map((xs) => xs.slice(0, 2)),
  });

const poolArb = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { maxLength: 8 })
  .chain((ids) => fc.tuple(...ids.map(candidateArb)));

describe('matchAttorneys properties', () => {
  it('ranks only attorneys who pass every filter, and accounts for every candidate exactly once', () => {
    fc.assert(
      fc.property(needsArb, poolArb, (needs, candidates) => {
        const { ranked, excluded } = matchAttorneys(needs, candidates, NOW);
        const byId = new Map(candidates.map((c) => [c.attorneyId, c]));

        for (const match of ranked) {
          expect(failedFilters(needs, byId.get(match.attorneyId)!, NOW)).toEqual([]);
          expect(match.score).toBeGreaterThanOrEqual(0);
          expect(match.score).toBeLessThanOrEqual(100);
          expect(Number.isInteger(Math.round(match.score * 10))).toBe(true);
        }
        for (const exclusion of excluded) {
          expect(failedFilters(needs, byId.get(exclusion.attorneyId)!, NOW)[0]).toEqual(exclusion);
        }
        const seen = [...ranked.map((m) => m.attorneyId), ...excluded.map((e) => e.attorneyId)];
        expect(seen).toHaveLength(candidates.length);
        expect(new Set(seen)).toEqual(new Set(byId.keys()));
      }),
      { numRuns: 300 },
    );
  });

  it('orders by score, then the longest wait since an offer, then attorneyId, independently of input order', () => {
    const waited = (m: { lastOfferedAt: Date | null }) => m.lastOfferedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
    fc.assert(
      fc.property(needsArb, poolArb, (needs, candidates) => {
        const { ranked } = matchAttorneys(needs, candidates, NOW);
        for (let i = 1; i < ranked.length; i++) {
          const [prev, next] = [ranked[i - 1], ranked[i]];
          expect(prev.score > next.score || (prev.score === next.score && (waited(prev) < waited(next)
            || (waited(prev) === waited(next) && prev.attorneyId < next.attorneyId)))).toBe(true);
        }
        expect(matchAttorneys(needs, [...candidates].reverse(), NOW).ranked).toEqual(ranked);
      }),
      { numRuns: 200 },
    );
  });
});
