import { whyUnplaced } from './referrals.service';

describe('whyUnplaced', () => {
  const excluded = (...filters: ('prior_offer' | 'conflict_of_interest' | 'language')[]) =>
    filters.map((filter, i) => ({ attorneyId: `a${i}`, filter, reason: '' }));

  it('says in words, with the plural where it is due, why the attorneys who matched were passed over', () => {
    expect(whyUnplaced(2, excluded('prior_offer', 'prior_offer'))).toBe('2 attorneys matched the profile filters; excluded: 2 for an earlier offer of this case');
    expect(whyUnplaced(1, excluded('conflict_of_interest'))).toBe('1 attorney matched the profile filters; excluded: 1 for a conflict of interest');
    expect(whyUnplaced(3, excluded('prior_offer', 'language', 'prior_offer'))).toBe('3 attorneys matched the profile filters; excluded: 2 for an earlier offer of this case, 1 for the language');
  });

  it('says which conditions nobody met when no attorney passed the first ones', () => {
    expect(whyUnplaced(0, [])).toMatch(/^no attorney is accepting, available, below capacity/);
  });
});
