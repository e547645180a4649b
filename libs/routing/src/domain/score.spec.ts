import { attorney, caseNeeds, daysAgo, NOW } from './__fixtures__/builders';
import { matchAttorneys } from './match-attorneys';
import { DEFAULT_SCORING, scoreCandidate, validateScoringConfig } from './score';
import { AttorneyCandidate, CaseNeeds, ScoringConfig } from './types';

function order(candidates: AttorneyCandidate[], needs: CaseNeeds = caseNeeds(), config?: ScoringConfig): string[] {
  const { ranked, excluded } = matchAttorneys(needs, candidates, NOW, config);
  expect(excluded).toEqual([]);
  return ranked.map((m) => m.attorneyId);
}

describe('score ordering', () => {
  it('prefers the attorney with the lighter load', () => {
    const busy = attorney('a-busy', { activeCases: 4 });
    const light = attorney('z-light', { activeCases: 1 });
    expect(order([busy, light])).toEqual(['z-light', 'a-busy']);
  });

  it('counts open offers as load', () => {
    const offered = attorney('a-offered', { activeCases: 1, openOffers: 2 });
    const free = attorney('z-free', { activeCases: 1, openOffers: 0 });
    expect(order([offered, free])).toEqual(['z-free', 'a-offered']);
  });

  it('measures load against each attorney’s own capacity', () => {
    const nearlyFull = attorney('a-small', { maxActiveCases: 2, activeCases: 1 });
    const roomy = attorney('z-large', { maxActiveCases: 10, activeCases: 3 });
    expect(order([nearlyFull, roomy])).toEqual(['z-large', 'a-small']);
  });

  it('prefers the attorney offered a case longest ago, and never-offered over both', () => {
    const recent = attorney('a-recent', { lastOfferedAt: daysAgo(1) });
    const older = attorney('b-older', { lastOfferedAt: daysAgo(20) });
    const never = attorney('c-never', { lastOfferedAt: null });
    expect(order([recent, older, never])).toEqual(['c-never', 'b-older', 'a-recent']);
  });

  it('gives full fairness points from the horizon on, so older offers tie', () => {
    const horizon = DEFAULT_SCORING.fairnessHorizonDays;
    const atHorizon = scoreCandidate(caseNeeds(), attorney('a', { lastOfferedAt: daysAgo(horizon) }), NOW);
    const never = scoreCandidate(caseNeeds(), attorney('b', { lastOfferedAt: null }), NOW);
    expect(atHorizon.score).toBe(never.score);
  });

  it('ranks visiting the facility above covering only the state', () => {
    const stateOnly = attorney('a-state', { facilityCodes: [], states: ['TX'] });
    const facility = attorney('z-facility', { facilityCodes: ['TXPRRDC'], states: [] });
    expect(order([stateOnly, facility])).toEqual(['z-facility', 'a-state']);
  });

  it('gives state coverage full geography points when the case names no facility', () => {
    const needs = caseNeeds({ facilityCode: null });
    const stateOnly = scoreCandidate(needs, attorney('a', { facilityCodes: [] }), NOW);
    const withFacility = scoreCandidate(caseNeeds(), attorney('b'), NOW);
    expect(stateOnly.score).toBe(withFacility.score);
    expect(stateOnly.reasons).toContain('covers the state (TX)');
  });

  it('ranks a speaker above a non-speaker when an interpreter is needed', () => {
    const needs = caseNeeds({ language: 'mam', needsInterpreter: true });
    const nonSpeaker = attorney('a-eng', { languages: ['eng'] });
    const speaker = attorney('z-mam', { languages: ['eng', 'mam'] });
    expect(order([nonSpeaker, speaker], needs)).toEqual(['z-mam', 'a-eng']);
  });

  it('prefers covering more of the needed practice areas', () => {
    const needs = caseNeeds({ practiceAreas: ['detention_bond', 'asylum'] });
    const one = attorney('a-one', { practiceAreas: ['detention_bond'] });
    const both = attorney('z-both', { practiceAreas: ['asylum', 'detention_bond'] });
    expect(order([one, both], needs)).toEqual(['z-both', 'a-one']);
  });

  it('prefers an attorney experienced with what the case history calls for, even one less idle', () => {
    const needs = caseNeeds({ experienceNeeded: ['in_absentia_orders'] });
    const idle = attorney('a-idle', { lastOfferedAt: null });
    const experienced = attorney('z-experienced', { experience: ['in_absentia_orders'], lastOfferedAt: daysAgo(2) });
    expect(order([idle, experienced], needs)).toEqual(['z-experienced', 'a-idle']);
    // Without that history, experience is not a factor: the idle one comes first.
    expect(order([idle, experienced])).toEqual(['a-idle', 'z-experienced']);
  });

  it('explains experience, and a partial match scores in between', () => {
    const needs = caseNeeds({ experienceNeeded: ['in_absentia_orders', 'removal_orders'] });
    const none = scoreCandidate(needs, attorney('a'), NOW);
    const half = scoreCandidate(needs, attorney('b', { experience: ['removal_orders'] }), NOW);
    const full = scoreCandidate(needs, attorney('c', { experience: ['removal_orders', 'in_absentia_orders'] }), NOW);
    expect(none.score).toBeLessThan(half.score);
    expect(half.score).toBeLessThan(full.score);
    expect(none.reasons).toContain('no declared experience with in absentia orders and removal orders and post-order relief');
    expect(half.reasons).toContain('experienced with removal orders and post-order relief, not with in absentia orders');
    expect(full.reasons).toContain('experienced with in absentia orders and removal orders and post-order relief');
    expect(scoreCandidate(caseNeeds(), attorney('d'), NOW).reasons.join(' ')).not.toMatch(/experience/);
  });

  it('follows the weights: with only fairness weighted, load no longer matters', () => {
    const config: ScoringConfig = {
      weights: { language: 0, geography: 0, practiceAreas: 0, experience: 0, load: 0, fairness: 1 },
      fairnessHorizonDays: 30,
    };
    const busyButIdle = attorney('a', { activeCases: 4, lastOfferedAt: null });
    const freeButRecent = attorney('b', { activeCases: 0, lastOfferedAt: daysAgo(1) });
    expect(order([freeButRecent, busyButIdle], caseNeeds(), config)).toEqual(['a', 'b']);
    expect(order([freeButRecent, busyButIdle])).toEqual(['b', 'a']);
  });
});

describe('score values and reasons', () => {
  it('scores 100 for the ideal candidate and explains each factor', () => {
    const ideal = attorney('a', { activeCases: 0, lastOfferedAt: null });
    expect(scoreCandidate(caseNeeds(), ideal, NOW)).toEqual({
      score: 100,
      reasons: [
        'speaks Spanish (spa)',
        'visits the facility (TXPRRDC)',
        'covers every needed practice area (detention and bond)',
        '0 of 5 case slots in use (0 active cases, 0 open offers)',
        'never offered a case yet',
      ],
    });
  });

  it('computes the weighted mean on a known example', () => {
    // language 1*30, geography 0.5*25, practice 1*10, load (1-2/5)*20, fairness (15/30)*15 = 72 of 100
    const candidate = attorney('a', { facilityCodes: [], activeCases: 2, lastOfferedAt: daysAgo(15) });
    const { score, reasons } = scoreCandidate(caseNeeds(), candidate, NOW);
    expect(score).toBe(72);
    expect(reasons).toContain('covers the state (TX), does not visit this facility');
    expect(reasons).toContain('2 of 5 case slots in use (2 active cases, 0 open offers)');
    expect(reasons).toContain('last offered a case 15 days ago');
  });

  it('leaves out factors that do not apply and renormalizes', () => {
    const needs = caseNeeds({ facilityCode: null, state: null, practiceAreas: [] });
    const candidate = attorney('a', { activeCases: 0, lastOfferedAt: null });
    const { score, reasons } = scoreCandidate(needs, candidate, NOW);
    expect(score).toBe(100);
    expect(reasons).toHaveLength(3);
  });

  it('stays within 0..100 with one decimal', () => {
    const worst = attorney('a', { languages: [], facilityCodes: [], states: [], practiceAreas: [], activeCases: 9, lastOfferedAt: NOW });
    const { score } = scoreCandidate(caseNeeds({ needsInterpreter: true }), worst, NOW);
    expect(score).toBe(0);
  });

  it('says "less than a day" for a same-day offer and treats a future lastOfferedAt as just now', () => {
    const future = scoreCandidate(caseNeeds(), attorney('a', { lastOfferedAt: new Date(NOW.getTime() + 3600_000) }), NOW);
    expect(future.reasons).toContain('last offered a case less than a day ago');
  });

  it('falls back to the bare code for a language without a display name', () => {
    const needs = caseNeeds({ language: 'xyz', needsInterpreter: true });
    expect(scoreCandidate(needs, attorney('a', { languages: ['xyz'] }), NOW).reasons).toContain('speaks xyz');
  });
});

describe('validateScoringConfig', () => {
  it.each([
    ['negative weight', { ...DEFAULT_SCORING, weights: { ...DEFAULT_SCORING.weights, load: -1 } }, 'weights.load'],
    ['NaN weight', { ...DEFAULT_SCORING, weights: { ...DEFAULT_SCORING.weights, fairness: NaN } }, 'weights.fairness'],
    ['zero horizon', { ...DEFAULT_SCORING, fairnessHorizonDays: 0 }, 'fairnessHorizonDays'],
  ])('rejects %s', (_label, config, field) => {
    expect(() => validateScoringConfig(config)).toThrow(expect.objectContaining({ code: 'invalid_scoring_config', field }));
  });

  it('accepts the defaults', () => {
    expect(validateScoringConfig(DEFAULT_SCORING)).toBe(DEFAULT_SCORING);
  });
});
