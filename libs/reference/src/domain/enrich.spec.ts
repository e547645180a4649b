import { enrichFacilities, jailEnforcementCounties } from './enrich';
import { Agreement287g, ParsedFacility } from './types';

const facility = (overrides: Partial<ParsedFacility> = {}): ParsedFacility => ({
  code: 'TSTAAAA',
  name: 'TEST COUNTY JAIL',
  address: null,
  city: 'SPRINGVILLE',
  county: 'SAMPLE',
  state: 'TX',
  zip: null,
  aor: 'SNA',
  type: 'IGSA',
  typeDetailed: 'IGSA',
  capacity: null,
  firstUsed: null,
  lastUsed: null,
  over72: null,
  ...overrides,
});

const agreement = (overrides: Partial<Agreement287g> = {}): Agreement287g => ({
  state: 'TX',
  agency: "Sample County Sheriff's Office",
  agencyType: 'County',
  county: 'Sample County',
  supportType: 'Jail Enforcement Model',
  status: 'participating',
  signed: '2025-02-26',
  ...overrides,
});

const flag = (f: ParsedFacility, a: Agreement287g[]) => enrichFacilities([f], a)[0].jail287g;

describe('enrichFacilities: jail287g', () => {
  it('is true for a participating county Jail Enforcement Model agreement in the same county and state', () => {
    expect(flag(facility(), [agreement()])).toBe(true);
    expect(flag(facility({ county: 'Sample County' }), [agreement({ county: 'SAMPLE' })])).toBe(true);
  });

  it.each([
    'SAMPLE COUNTY JAIL', 'SAMPLE COUNTY DETENTION CENTER', 'THEO LACY FACILITY', 'MCSO MADISON FACILITY', 'GEORGE BAILEY DETENTION FACILITY',
    'SAMPLE REGIONAL JAIL', 'DUVAL/JACKSONVILLE JAIL', 'SAMPLE COUNTY CORRECTIONAL FACILITY', 'SILVERDALE/HAMILTON COUNTY',
  ])('is true for a local jail named %s (a county jail often names no county)', (name) => {
    expect(flag(facility({ name }), [agreement()])).toBe(true);
    expect(flag(facility({ type: 'USMS IGA', typeDetailed: 'USMS IGA', name }), [agreement()])).toBe(true);
  });

  it('is true for a jail named after its county whatever follows ("TRAVIS CITY JAIL" in Travis County, in Austin)', () => {
    expect(flag(facility({ name: 'SAMPLE CITY JAIL', city: 'OTHERTOWN' }), [agreement()])).toBe(true);
    expect(flag(facility({ name: 'SAMPLE CITY JAIL', city: null }), [agreement()])).toBe(true);
    // An independent city (Virginia) is its own county: its city jail is the county's.
    expect(flag(facility({ state: 'VA', county: 'Sample City', city: 'SAMPLE', name: 'SAMPLE CITY JAIL' }), [agreement({ state: 'VA', county: 'Sample City' })])).toBe(true);
    expect(flag(facility({ county: 'Sample County', name: 'SAMPLE POLICE AND SHERIFF JAIL' }), [agreement()])).toBe(true);
    expect(flag(facility({ county: 'St. Sample', name: 'SAINT SAMPLE CITY JAIL' }), [agreement({ county: 'Saint Sample County' })])).toBe(true);
  });

  it('is true for a county department of corrections (a county jail), false for a state one', () => {
    expect(flag(facility({ name: 'SAMPLE COUNTY DEPARTMENT OF CORRECTIONS' }), [agreement()])).toBe(true);
    expect(flag(facility({ name: 'TEXAS DEPARTMENT OF CORRECTIONS (SAMPLE)' }), [agreement()])).toBe(false);
  });

  it('follows an override by code and name, and reads a renamed row by the rule again', () => {
    const bernalillo = { code: 'BERNANM', type: 'IGSA', typeDetailed: 'DIGSA', name: 'BERNALILLO COUNTY DETENTION CENTER' };
    expect(flag(facility(bernalillo), [agreement()])).toBe(true);
    expect(flag(facility({ ...bernalillo, name: 'BERNALILLO COUNTY DETENTION CENTER ANNEX' }), [agreement()])).toBe(false);
  });

  it('is true for a county jail listed as "Other"', () => {
    expect(flag(facility({ type: 'Other', name: 'SAMPLE COUNTY JAIL' }), [agreement()])).toBe(true);
  });

  it.each<[string, Partial<ParsedFacility>, Partial<Agreement287g>]>([
    ['pending', {}, { status: 'pending', signed: null }],
    ['task force only', {}, { supportType: 'Task Force Model' }],
    ['warrant service only', {}, { supportType: 'Warrant Service Officer' }],
    ['another county', { county: 'OTHER' }, {}],
    ['same county name in another state', { state: 'OK' }, {}],
    ['a city police agreement', {}, { agencyType: 'Municipality' }],
    ['a state agency', {}, { agencyType: 'State Agency', county: null }],
    ['no county on the facility', { county: null }, {}],
    ['a federal prison in the county', { type: 'BOP', name: 'SAMPLE FEDERAL MEDICAL CENTER' }, {}],
    ['an ICE processing centre in the county', { type: 'SPC', name: 'SAMPLE SERVICE PROCESSING CENTER' }, {}],
    ['an ICE hold room', { type: 'Other', name: 'SAMPLE ERO HOLD ROOM' }, {}],
    ['a hospital', { type: 'Other', name: 'SAMPLE COUNTY HOSPITAL' }, {}],
    // Local-type rows (IGSA, USMS IGA) that are not the sheriff's jail, by what the source says of them.
    ['a facility dedicated to ICE (DIGSA)', { type: 'IGSA', typeDetailed: 'DIGSA', name: 'SAMPLE FEDERAL CONTRACT FACILITY' }, {}],
    ['a DIGSA row whose name says nothing', { type: 'DIGSA', typeDetailed: 'DIGSA', name: 'SAMPLE CORRECTIONAL CENTER' }, {}],
    ['a juvenile centre by its type', { type: 'IGSA', typeDetailed: 'JUVENILE', name: 'SAMPLE COUNTY SHELTER' }, {}],
    ['a juvenile centre by its name', { name: 'SAMPLE COUNTY JUVENILE DETENTION CENTER' }, {}],
    ['a family centre', { type: 'IGSA', typeDetailed: 'FAMILY', name: 'SAMPLE FAMILY RESIDENTIAL CENTER' }, {}],
    ['a city jail', { name: 'SAMPLETOWN CITY JAIL' }, {}],
    ['a city jail in a county named after it, but not with its name first', { name: 'NORTH SAMPLE CITY JAIL' }, {}],
    ['a municipal detention centre', { name: 'SAMPLETOWN MUNICIPAL DETENTION CENTER' }, {}],
    ['a police department', { name: 'SAMPLETOWN POLICE DEPARTMENT' }, {}],
    ['a state penitentiary', { name: 'SAMPLETOWN STATE PENITENTIARY' }, {}],
    ['a state department of corrections', { type: 'Other', name: 'SAMPLE DEPARTMENT OF CORRECTIONS' }, {}],
    ['a private centre named by its operator', { type: 'USMS IGA', name: 'CCA SAMPLE DETENTION CENTER' }, {}],
    ['an ICE processing centre held under an IGSA', { name: 'SAMPLE PROCESSING CTR' }, {}],
    ['a city lockup in the county seat of the same name', { name: 'SAMPLE CITY JAIL', city: 'SAMPLE' }, {}],
    ['a city lockup of a city whose name begins with the county\'s', { name: 'SAMPLE FALLS CITY JAIL', city: 'SAMPLE FALLS' }, {}],
    ['a row overridden as not the county\'s jail', { code: 'MANSFTX', name: 'MANSFIELD LAW ENFORCEMENT CENTER' }, {}],
  ])('is false for %s', (_, f, a) => {
    expect(flag(facility(f), [agreement(a)])).toBe(false);
  });

  it('lists the JEM counties by state', () => {
    const keys = jailEnforcementCounties([
      agreement(),
      agreement({ state: 'FL', county: 'St. Johns County' }),
      agreement({ state: 'FL', county: 'Other County', supportType: 'Task Force Model' }),
    ]);
    expect([...keys].sort()).toEqual(['FL:SAINTJOHNS', 'TX:SAMPLE']);
  });
});

describe('enrichFacilities: time zone and county', () => {
  it('derives the zone from state and county', () => {
    const [elPaso, harris] = enrichFacilities(
      [facility({ county: 'EL PASO' }), facility({ code: 'TSTBBBB', county: 'HARRIS' })],
      [],
    );
    expect(elPaso.timeZone).toBe('America/Denver');
    expect(harris.timeZone).toBe('America/Chicago');
  });

  it('falls back to the field office for a facility with no state', () => {
    const [transport] = enrichFacilities([facility({ state: null, county: null, city: null, aor: 'ELP' })], []);
    expect(transport.timeZone).toBe('America/Denver');
    expect(transport.jail287g).toBe(false);
  });

  it('corrects a known wrong county only while the source still has the wrong value', () => {
    const wrong = facility({ code: 'CHLHOLD', state: 'SC', county: 'YORK', city: 'CHARLESTON' });
    const jem = [agreement({ state: 'SC', county: 'York County' })];
    expect(enrichFacilities([wrong], jem)[0]).toMatchObject({ county: 'Charleston', jail287g: false });
    const fixedUpstream = { ...wrong, county: 'BERKELEY' };
    expect(enrichFacilities([fixedUpstream], jem)[0].county).toBe('BERKELEY');
  });
});
