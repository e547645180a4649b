import { readFileSync } from 'fs';
import { join } from 'path';
import { DateTime } from 'luxon';
import { parse287gCsv } from './agreements-287g';
import { FACILITY_JAIL_OVERRIDES, enrichFacilities, isLocalJail } from './enrich';
import { parseFacilitiesCsv } from './facilities';
import { SPLIT_STATES, STATE_TIME_ZONES } from './time-zones';

// The snapshots shipped in data/ (public government data). A refreshed file may change the counts below: read
// the new warnings, then update the numbers deliberately.
const DATA = join(__dirname, '../../../../data');
const facilities = parseFacilitiesCsv(readFileSync(join(DATA, 'ice-detention-facilities.csv'), 'utf8'));
const agreements = parse287gCsv(readFileSync(join(DATA, 'ice-287g-agreements.csv'), 'utf8'));
const enriched = enrichFacilities(facilities.records, agreements.records);
const byCode = new Map(enriched.map((f) => [f.code, f]));

describe('data/ice-detention-facilities.csv', () => {
  it('parses every row, with only the understood warnings', () => {
    expect(facilities.errors).toEqual([]);
    expect(facilities.records).toHaveLength(1532);
    // 20 rows say "COUNTY" instead of a county; one zip has six digits; 7 of the former are in a state split between
    // zones (in Battle Creek, Kincheloe, Sault Ste. Marie, Detroit and Westland, MI; Houston, TX; Carson City, NV: each
    // placed right, in its state's main zone).
    const counts = facilities.warnings.reduce<Record<string, number>>(
      (acc, w) => ({ ...acc, [w.code]: (acc[w.code] ?? 0) + 1 }),
      {},
    );
    expect(counts).toEqual({ placeholder: 20, invalid_zip: 1, zone_uncertain: 7 });
  });

  it('gives every facility a zone the runtime tz database knows', () => {
    for (const facility of enriched) {
      expect([facility.code, DateTime.now().setZone(facility.timeZone).isValid]).toEqual([facility.code, true]);
    }
  });

  it('places exactly these split-state facilities outside their state default zone', () => {
    const minority = Object.fromEntries(
      enriched
        .filter((f) => f.state && SPLIT_STATES.includes(f.state) && f.timeZone !== STATE_TIME_ZONES[f.state])
        .map((f) => [f.code, f.timeZone]),
    );
    const denver = ['BOEHOLD', 'ELPCOTX', 'ELPHOLD', 'EPCJUVI', 'EPC', 'IEPHOLD', 'PDNHOLD', 'TNGLPOE', 'BOPLTL',
      'TORHOLD', 'EPBHSTX', 'HUDSPTX', 'WTXDFTX', // TX: El Paso, Hudspeth
      'BOXBUNE', 'CHEYENE', 'KEICONE', 'KIMBANE', 'SCOTTNE', // NE panhandle
      'HAMILKS', 'LAWRESD', 'MEADESD', 'PENNISD', 'RPCHOLD'];
    expect(minority).toEqual({
      ...Object.fromEntries(denver.map((code) => [code, 'America/Denver'])),
      BAYCOFL: 'America/Chicago', BOPMNA: 'America/Chicago', // FL panhandle
      CHRISKY: 'America/Chicago', GRYDCKY: 'America/Chicago', GRAYSKY: 'America/Chicago', WARREKY: 'America/Chicago',
      LOUHOLD: 'America/Kentucky/Louisville',
      CLAJUIN: 'America/Kentucky/Louisville', FLOYDIN: 'America/Kentucky/Louisville', // IN, Louisville suburbs
      BLOUNTN: 'America/New_York', BLOJVTN: 'America/New_York', CNGHOLD: 'America/New_York',
      HAMILTN: 'America/New_York', SILERTN: 'America/New_York', KNXHOLD: 'America/New_York',
      KNXDFTN: 'America/New_York', // East Tennessee
      BONNRID: 'America/Los_Angeles', BOUNDID: 'America/Los_Angeles', KOOTEID: 'America/Los_Angeles',
      SHOSHID: 'America/Los_Angeles', // Idaho panhandle
      MALHCOR: 'America/Boise',
    });
  });

  it('places the stateless transport rows by field office', () => {
    expect(byCode.get('MVMELP')?.timeZone).toBe('America/Denver');
    expect(byCode.get('MVMPHO')?.timeZone).toBe('America/Phoenix');
    expect(enriched.filter((f) => !f.state)).toHaveLength(8);
  });

  it('keeps Arizona and the territories on their own zones', () => {
    expect(byCode.get('FLO')?.timeZone).toBe('America/Phoenix');
    expect(byCode.get('NAVSOAZ')?.timeZone).toBe('America/Phoenix');
    expect(byCode.get('DUTCHAK')?.timeZone).toBe('America/Anchorage');
    expect(byCode.get('SAIHOLD')?.timeZone).toBe('Pacific/Saipan');
    expect(byCode.get('AGAHOLD')?.timeZone).toBe('Pacific/Guam');
    expect(byCode.get('STCGOVI')?.timeZone).toBe('America/St_Thomas');
    expect(byCode.get('SJUHOLD')?.timeZone).toBe('America/Puerto_Rico');
  });
});

describe('data/ice-287g-agreements.csv', () => {
  it('parses every row; two malformed signing dates and four county typos are reported', () => {
    expect(agreements.errors).toEqual([]);
    expect(agreements.records).toHaveLength(858);
    expect(agreements.records.filter((a) => a.status === 'pending')).toHaveLength(26);
    expect(agreements.warnings.map((w) => [w.line, w.code])).toEqual([
      [11, 'county_disagrees'], // Franklin AL: "Frankin County"
      [42, 'county_disagrees'], // Lafayette AR: "Layafette County"
      [617, 'county_disagrees'], // McCormick SC: "McCorkmick County"
      [644, 'county_disagrees'], // Madison County Sheriff (TN) listed under "Macon County"
      [775, 'invalid_date'], // "7/72025"
      [785, 'invalid_date'], // "05/082025"
    ]);
  });
});

describe('FACILITY_JAIL_OVERRIDES', () => {
  it('each names a row of the shipped file by its code and name as the file has them', () => {
    for (const { code, name } of FACILITY_JAIL_OVERRIDES) expect({ code, name: byCode.get(code)?.name }).toEqual({ code, name });
  });

  it('reads each as it says, whatever its name and type say', () => {
    for (const { code, countyJail } of FACILITY_JAIL_OVERRIDES) expect({ code, local: isLocalJail(byCode.get(code)!) }).toEqual({ code, local: countyJail });
    // Gillespie County's jail, misspelled "GILLISPIE CITY JAIL": not named after its county as the rule reads it.
    expect(isLocalJail({ ...byCode.get('GILLITX')!, code: 'OTHER' })).toBe(false);
  });
});

describe('jail287g on the shipped data', () => {
  it.each([
    'TARRATX', // Tarrant County Jail
    'PINALAZ', // Pinal County Jail
    'KNXDFTN', // Knox County TN, county column in mixed case
    'BOSSRLA', // "Bossier Parish"
    'FTBENTX', // county column "FT. BEND"
    'DUVALFL', // Jacksonville Sheriff's Office, county from the column
    'RSREGVA', // "Hopewell County" in ICE's list is the city of Hopewell
  ])('is true for %s', (code) => {
    expect(byCode.get(code)?.jail287g).toBe(true);
  });

  it.each([
    'DENTOTX', // Denton County: JEM pending
    'HOUICDF', // Harris County: no JEM
    'CHLHOLD', // Charleston, mislabelled York County in the source
    'ALBANWY', // Albany County jail in the city of Laramie (Laramie County has JEM)
  ])('is false for %s', (code) => {
    expect(byCode.get(code)?.jail287g).toBe(false);
  });

  it.each([
    'EULESTX', // Euless City Jail, Tarrant County
    'BEDCITX', // Bedford Municipal Detention Center, Tarrant County
    'PIEPDOK', // Piedmont Police Department, Canadian County
    'EAZ', // Eloy Federal Contract Facility (DIGSA), Pinal County
    'LPLCCAZ', // La Palma Correctional Center (DIGSA), Pinal County
    'CCADCAZ', // CCA Central Arizona Detention Center, Pinal County
    'TXHUNTS', // Huntsville State Penitentiary, Walker County
    'KEJUVTX', // Kerr County Juvenile Detention Center
    'JWYTHWY', // Jeffrey Wardle Youth Center (JUVENILE), Laramie County
    'JCRLYTX', // Joe Corley Processing Ctr, Montgomery County
    'MONTGTX', // Joe Corley Detention Facility: the same address (FACILITY_JAIL_OVERRIDES)
    'LPAPSAZ', // La Palma Corr Ctr APSO: La Palma's address
    'MANSFTX', // Mansfield Law Enforcement Center: the city's jail
  ])('is false for %s, in a JEM county but not its sheriff\'s jail', (code) => {
    expect(byCode.get(code)?.jail287g).toBe(false);
  });

  it('flags 59 of 1,532 facilities: county jails only (not the federal prisons, ICE centres, city lockups, state prisons, hold rooms and hospitals of those counties)', () => {
    expect(enriched.filter((f) => f.jail287g)).toHaveLength(59);
    expect(enriched.filter((f) => ['BOPCRW', 'FLO', 'CGRMCAZ', 'AMTHOLD'].includes(f.code)).map((f) => f.jail287g)).toEqual([false, false, false, false]);
  });
});
