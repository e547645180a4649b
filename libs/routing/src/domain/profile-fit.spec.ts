import { sameMembers } from '@amparo/common';
import { ProfileFit, sameFit } from './profile-fit';

describe('sameFit', () => {
  const fit: ProfileFit = { languages: ['spa', 'eng'], practiceAreas: ['detention_bond'], facilityCodes: ['HOUICDF'], states: ['TX'], eoirRegistered: true };

  it('ignores order, and nothing but what offers are judged on', () => {
    expect(sameFit(fit, { ...fit, languages: ['eng', 'spa'] })).toBe(true);
    expect(sameMembers(['a,b'], ['a', 'b'])).toBe(false);
  });

  it('a language, practice area, facility, state or EOIR registration changed is another fit', () => {
    for (const changed of [
      { languages: ['eng'] }, { practiceAreas: ['asylum'] }, { facilityCodes: [] }, { states: ['NM'] }, { eoirRegistered: false },
    ] as Partial<ProfileFit>[]) {
      expect(sameFit(fit, { ...fit, ...changed })).toBe(false);
    }
  });
});
