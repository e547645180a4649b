import { isStateCode, STATE_NAMES, stateCode } from './states';

describe('stateCode', () => {
  it.each([
    ['TEXAS', 'TX'],
    ['new hampshire', 'NH'],
    ['NORTH  CAROLINA', 'NC'],
    ['DISTRICT OF COLUMBIA', 'DC'],
    ['Washington, D.C.', 'DC'],
    ['WASHINGTON', 'WA'],
    ['PUERTO RICO', 'PR'],
    ['GUAM', 'GU'],
    ['U.S. VIRGIN ISLANDS', 'VI'],
    ['Virgin Islands', 'VI'],
    ['NORTHERN MARIANA ISLANDS', 'MP'],
    ['AMERICAN SAMOA', 'AS'],
    ['tx', 'TX'],
  ])('%s → %s', (name, code) => {
    expect(stateCode(name)).toBe(code);
  });

  it.each(['', 'TEXA', 'NEW', 'ONTARIO', 'XX'])('does not guess for %p', (name) => {
    expect(stateCode(name)).toBeNull();
  });

  it('covers 50 states, DC and five territories, each name round-tripping', () => {
    const codes = Object.keys(STATE_NAMES);
    expect(codes).toHaveLength(56);
    for (const code of codes) expect(stateCode(STATE_NAMES[code].toUpperCase())).toBe(code);
    expect(isStateCode('MP')).toBe(true);
    expect(isStateCode('toString')).toBe(false);
  });
});
