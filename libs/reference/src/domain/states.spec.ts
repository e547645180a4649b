import { isStateCode, STATE_ABBREVIATIONS, STATE_NAMES, stateAfterComma, stateCode } from './states';

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

describe('stateAfterComma', () => {
  it.each([
    ['El Paso County, TX', 'TX'],
    ['Harris, Texas', 'TX'],
    ['Fort Bend Co., Tex.', 'TX'],
    ['Hillsborough County, N.H.', 'NH'],
    ['Kanawha County, W. Va.', 'WV'],
    ['Orleans Parish, la', 'LA'],
    ['Bayamón, Puerto Rico', 'PR'],
    ['Denver, Colo.', 'CO'],
    ['Weld County, CO', 'CO'],
    ['Harris County, TX, ', 'TX'],
    ['Washington, DC', 'DC'],
    ['Carson City, NV', 'NV'],
  ])('%s → %s', (place, code) => {
    expect(stateAfterComma(place)).toBe(code);
  });

  it.each([null, undefined, '', 'Washington', 'Washington County', 'Harris County TX', 'Harris County, Tejas', 'Harris,', 'Harris, Co.', 'Lake, Co', 'Lake, co.'])('reads no state in %p', (place) => {
    expect(stateAfterComma(place)).toBeNull();
  });

  it('knows the abbreviations of states only by their codes', () => {
    for (const code of Object.keys(STATE_ABBREVIATIONS)) expect(isStateCode(code)).toBe(true);
  });
});
