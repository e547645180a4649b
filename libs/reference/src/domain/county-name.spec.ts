import { countyKey } from './county-name';

describe('countyKey', () => {
  it.each([
    ['St. Johns County', 'SAINT JOHNS'],
    ['ST JOSEPH', 'Saint Joseph County'],
    ['Ste. Genevieve County', 'SAINTE GENEVIEVE'],
    ['FT. BEND', 'Fort Bend County'],
    ['DE WITT', 'DeWitt County'],
    ['LA SALLE', 'LaSalle County'],
    ['Miami-Dade County', 'MIAMI DADE'],
    ["O'BRIEN", 'OBrien County'],
    ['Lewis & Clark County', 'LEWIS AND CLARK'],
    ['Bossier Parish', 'BOSSIER'],
    ['Kenai Peninsula Borough', 'KENAI PENINSULA'],
    ['Juneau City and Borough', 'JUNEAU'],
    ['Aleutians West Census Area', 'ALEUTIANS WEST'],
    ['Doña Ana County', 'DONA ANA'],
    ['BLACK HAWK CO', 'Black Hawk County'],
  ])('%s matches %s', (a, b) => {
    expect(countyKey(a)).toBe(countyKey(b));
    expect(countyKey(a)).not.toBe('');
  });

  it('reads a county typed the way people write where someone is held', () => {
    for (const typed of ['Galveston County, TX', 'Galveston County, Texas', 'County of Galveston', 'Galveston County Jail', 'Galveston Co. Sheriff\'s Office',
      'Galveston County Sheriff\'s Department', 'Galveston Sheriffs Dept', 'GALVESTON CTY', 'Ｇａｌｖｅｓｔｏｎ', 'GALVESTON']) {
      expect([typed, countyKey(typed, 'TX')]).toEqual([typed, 'GALVESTON']);
    }
    expect(countyKey('El Paso County, TX', 'TX')).toBe('ELPASO');
    expect(countyKey('City of Hopewell', 'VA')).toBe('HOPEWELLCITY');
    expect(countyKey('City and County of Denver', 'CO')).toBe('DENVER');
    expect(countyKey('Orleans Parish, LA', 'LA')).toBe('ORLEANS');
    // Never the whole name, and only the case's own state: Iowa County, Texas County (in Missouri).
    expect(countyKey('Iowa', 'IA')).toBe('IOWA');
    expect(countyKey('Oklahoma County, Oklahoma', 'OK')).toBe('OKLAHOMA');
    expect(countyKey('Texas', 'MO')).toBe('TEXAS');
    expect(countyKey('Jail', 'TX')).toBe('JAIL');
  });

  it('reads a county typed in Spanish or French, abbreviated, or with its state in newspaper style', () => {
    for (const typed of ['Condado de Fort Bend', 'Fort Bend County, Tex.', 'Fort Bend Cnty', 'Ft. Bend Co., Tex', 'condado de fort bend, texas']) {
      expect([typed, countyKey(typed, 'TX')]).toEqual([typed, 'FORTBEND']);
    }
    for (const typed of ['Bossier Par.', 'Parroquia de Bossier', 'Paroisse de Bossier', 'Bossier Parish, La.']) {
      expect([typed, countyKey(typed, 'LA')]).toEqual([typed, 'BOSSIER']);
    }
    expect(countyKey('Hillsborough County, N.H.', 'NH')).toBe('HILLSBOROUGH');
    expect(countyKey('Kanawha, W. Va.', 'WV')).toBe('KANAWHA');
    // Only the case's own state's forms: "Tex." ends no county of Oklahoma.
    expect(countyKey('Beaver Tex', 'OK')).toBe('BEAVERTEX');
  });

  it('keeps Virginia cities apart from the counties of the same name', () => {
    expect(countyKey('Richmond City')).not.toBe(countyKey('Richmond County'));
    expect(countyKey('Fairfax City')).toBe('FAIRFAXCITY');
  });

  it('does not expand a lone abbreviation and does not turn "Saint" into something else', () => {
    expect(countyKey('St')).toBe('ST');
    expect(countyKey('Stark County')).toBe('STARK');
    expect(countyKey('Mountrail')).toBe('MOUNTRAIL');
  });

  it('maps renamed counties only within their state', () => {
    expect(countyKey('DADE', 'FL')).toBe(countyKey('Miami-Dade County'));
    expect(countyKey('Dade County', 'GA')).toBe('DADE');
    expect(countyKey('Shannon County', 'SD')).toBe(countyKey('Oglala Lakota County'));
    expect(countyKey('Hopewell County', 'VA')).toBe(countyKey('HOPEWELL CITY'));
  });

  it('gives an empty key for placeholders and missing values', () => {
    expect(countyKey('COUNTY')).toBe('');
    expect(countyKey('  ')).toBe('');
    expect(countyKey(null)).toBe('');
  });
});
