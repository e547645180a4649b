import { placeName } from './case-timeline.service';

const jail = (county: string) => placeName({ facility_name: null, custody_status: 'local_jail', county });

describe('placeName', () => {
  it('names a county typed as people write it once, as the place it is', () => {
    expect(jail('Galveston')).toBe('Galveston County Jail');
    expect(jail('GALVESTON COUNTY, TX')).toBe('Galveston County Jail');
    expect(jail('County of Galveston')).toBe('Galveston County Jail');
    expect(jail('Galveston County Jail')).toBe('Galveston County Jail');
    expect(jail("Harris County Sheriff's Office")).toBe("Harris County Sheriff's Office");
    expect(jail('Orleans Parish, LA')).toBe('Orleans Parish Jail');
    expect(jail('City of Hopewell')).toBe('City of Hopewell Jail');
    expect(jail('City and County of Denver')).toBe('Denver County Jail');
    expect(jail('miami-dade')).toBe('Miami-Dade County Jail');
    expect(jail("O'BRIEN")).toBe("O'Brien County Jail");
    const inTexas = (county: string) => placeName({ facility_name: null, custody_status: 'local_jail', county, state: 'TX' });
    for (const typed of ['Galveston County TX', 'Galveston County Texas', 'Galveston County (TX)', 'Galveston Co', 'Galveston Co.']) {
      expect([typed, inTexas(typed)]).toEqual([typed, 'Galveston County Jail']);
    }
    // Only the case's own state: Texas County is in Missouri.
    expect(placeName({ facility_name: null, custody_status: 'local_jail', county: 'Texas', state: 'MO' })).toBe('Texas County Jail');
    expect(inTexas('Texas')).toBe('Texas County Jail');
  });

  it('reads the county\'s unit as the matching does: in Spanish or French, and abbreviated', () => {
    expect(jail('Condado de Harris')).toBe('Harris County Jail');
    expect(jail('condado de harris, TX')).toBe('Harris County Jail');
    expect(jail('Parroquia de Orleans')).toBe('Orleans Parish Jail');
    expect(jail('Paroisse de Lafourche')).toBe('Lafourche Parish Jail');
    expect(jail('Harris Cnty')).toBe('Harris County Jail');
    expect(jail('Harris Cty.')).toBe('Harris County Jail');
    expect(jail('Orleans Par.')).toBe('Orleans Parish Jail');
    // A county whose name ends so is its name.
    expect(jail('Paris')).toBe('Paris County Jail');
  });

  it('prefers the facility, and names nothing for a person not in a local jail', () => {
    expect(placeName({ facility_name: 'SOUTH TEXAS ICE PROCESSING CENTER', custody_status: 'ice_detention', county: 'Frio' })).toBe('South Texas Ice Processing Center');
    expect(placeName({ facility_name: 'U.S. MARSHALS W.D. L.A.', custody_status: 'local_jail', county: null })).toBe('U.S. Marshals W.D. L.A.');
    expect(placeName({ facility_name: 'NEW ORLEANS DD&P', custody_status: 'local_jail', county: null })).toBe('New Orleans Dd&P');
    expect(placeName({ facility_name: null, custody_status: 'ice_detention', county: 'Frio' })).toBeUndefined();
    expect(jail('  ')).toBeUndefined();
  });
});
