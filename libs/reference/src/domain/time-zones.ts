import { countyKey } from './county-name';
import { ReferenceDataError } from './errors';

const EASTERN = 'America/New_York';
const CENTRAL = 'America/Chicago';
const MOUNTAIN = 'America/Denver';
const PACIFIC = 'America/Los_Angeles';

/** The zone for a state as a whole, or for the part not listed in COUNTY_ZONES / CITY_ZONES. */
const STATE_ZONES: Readonly<Record<string, string>> = {
  CT: EASTERN, DE: EASTERN, DC: EASTERN, GA: EASTERN, ME: EASTERN, MD: EASTERN, MA: EASTERN, NH: EASTERN,
  NJ: EASTERN, NY: EASTERN, NC: EASTERN, OH: EASTERN, PA: EASTERN, RI: EASTERN, SC: EASTERN, VT: EASTERN,
  VA: EASTERN, WV: EASTERN, FL: EASTERN, KY: EASTERN,
  MI: 'America/Detroit',
  IN: 'America/Indiana/Indianapolis',
  AL: CENTRAL, AR: CENTRAL, IL: CENTRAL, IA: CENTRAL, LA: CENTRAL, MN: CENTRAL, MS: CENTRAL, MO: CENTRAL,
  OK: CENTRAL, WI: CENTRAL, TX: CENTRAL, TN: CENTRAL, KS: CENTRAL, NE: CENTRAL, ND: CENTRAL, SD: CENTRAL,
  CO: MOUNTAIN, MT: MOUNTAIN, NM: MOUNTAIN, UT: MOUNTAIN, WY: MOUNTAIN,
  ID: 'America/Boise',
  // No DST. The Navajo Nation does observe it: see CITY_ZONES.AZ.
  AZ: 'America/Phoenix',
  CA: PACIFIC, NV: PACIFIC, OR: PACIFIC, WA: PACIFIC,
  // America/Anchorage for the whole state except the western Aleutians (CITY_ZONES.AK). IANA's Juneau, Sitka,
  // Yakutat, Nome and Metlakatla zones differ from Anchorage only before 1984 (Metlakatla until 2019); deadlines
  // are computed for now and later, so the simplification changes no answer the product gives.
  AK: 'America/Anchorage',
  HI: 'Pacific/Honolulu',
  PR: 'America/Puerto_Rico',
  VI: 'America/St_Thomas',
  GU: 'Pacific/Guam',
  MP: 'Pacific/Saipan',
  AS: 'Pacific/Pago_Pago',
};

const zoneFor = (zone: string, counties: string[]) => counties.map((county) => [county, zone] as const);

/**
 * Counties whose zone differs from the state default. A county split by the line takes the zone of its county
 * seat, where the county jail is (Gulf FL: Port St. Joe, Eastern; Cherry NE: Valentine, Central; McKenzie ND:
 * Watford City, Central; Idaho ID: Grangeville, Pacific; Malheur OR: Vale, Mountain).
 */
const COUNTY_ZONES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  TX: zoneFor(MOUNTAIN, ['El Paso', 'Hudspeth']),
  // West of the Apalachicola River, plus Calhoun and Jackson; Gulf (split) goes with Port St. Joe.
  FL: zoneFor(CENTRAL, [
    'Escambia', 'Santa Rosa', 'Okaloosa', 'Walton', 'Holmes', 'Washington', 'Bay', 'Jackson', 'Calhoun',
  ]),
  // IANA keeps separate Indiana zones for counties whose history differs; all follow current US rules.
  IN: [
    ...zoneFor(CENTRAL, ['Lake', 'Porter', 'LaPorte', 'Newton', 'Jasper', 'Gibson', 'Posey', 'Vanderburgh',
      'Warrick', 'Spencer']),
    ['Starke', 'America/Indiana/Knox'],
    ['Perry', 'America/Indiana/Tell_City'],
    ['Pike', 'America/Indiana/Petersburg'],
    ['Pulaski', 'America/Indiana/Winamac'],
    ['Crawford', 'America/Indiana/Marengo'],
    ['Switzerland', 'America/Indiana/Vevay'],
    ...zoneFor('America/Indiana/Vincennes', ['Daviess', 'Dubois', 'Knox', 'Martin']),
    // Louisville and Cincinnati suburbs kept DST when the rest of Indiana did not.
    ...zoneFor('America/Kentucky/Louisville', ['Clark', 'Floyd', 'Harrison']),
    ...zoneFor(EASTERN, ['Dearborn', 'Ohio']),
  ],
  KY: [
    ...zoneFor(CENTRAL, [
      'Adair', 'Allen', 'Ballard', 'Barren', 'Breckinridge', 'Butler', 'Caldwell', 'Calloway', 'Carlisle',
      'Christian', 'Clinton', 'Crittenden', 'Cumberland', 'Daviess', 'Edmonson', 'Fulton', 'Graves', 'Grayson',
      'Green', 'Hancock', 'Hart', 'Henderson', 'Hickman', 'Hopkins', 'Livingston', 'Logan', 'Lyon', 'Marshall',
      'McCracken', 'McLean', 'Metcalfe', 'Monroe', 'Muhlenberg', 'Ohio', 'Russell', 'Simpson', 'Todd', 'Trigg',
      'Union', 'Warren', 'Webster',
    ]),
    ['Jefferson', 'America/Kentucky/Louisville'],
    ['Wayne', 'America/Kentucky/Monticello'],
  ],
  // East Tennessee; Cumberland, Bledsoe, Sequatchie and Marion are in the east but keep Central time.
  TN: zoneFor(EASTERN, [
    'Anderson', 'Blount', 'Bradley', 'Campbell', 'Carter', 'Claiborne', 'Cocke', 'Grainger', 'Greene', 'Hamblen',
    'Hamilton', 'Hancock', 'Hawkins', 'Jefferson', 'Johnson', 'Knox', 'Loudon', 'McMinn', 'Meigs', 'Monroe',
    'Morgan', 'Polk', 'Rhea', 'Roane', 'Scott', 'Sevier', 'Sullivan', 'Unicoi', 'Union', 'Washington',
  ]),
  MI: zoneFor('America/Menominee', ['Gogebic', 'Iron', 'Dickinson', 'Menominee']),
  ND: [
    ...zoneFor(MOUNTAIN, ['Adams', 'Billings', 'Bowman', 'Dunn', 'Golden Valley', 'Grant', 'Hettinger', 'Slope',
      'Stark']),
    // Moved from Mountain to Central in 1992, 2003 and 2010; IANA keeps them apart for the history.
    ['Oliver', 'America/North_Dakota/Center'],
    ['Morton', 'America/North_Dakota/New_Salem'],
    ['Mercer', 'America/North_Dakota/Beulah'],
  ],
  SD: zoneFor(MOUNTAIN, [
    'Bennett', 'Butte', 'Corson', 'Custer', 'Dewey', 'Fall River', 'Haakon', 'Harding', 'Jackson', 'Lawrence',
    'Meade', 'Oglala Lakota', 'Pennington', 'Perkins', 'Stanley', 'Ziebach',
  ]),
  NE: zoneFor(MOUNTAIN, [
    'Arthur', 'Banner', 'Box Butte', 'Chase', 'Cheyenne', 'Dawes', 'Deuel', 'Dundy', 'Garden', 'Grant', 'Hooker',
    'Keith', 'Kimball', 'Morrill', 'Perkins', 'Scotts Bluff', 'Sheridan', 'Sioux',
  ]),
  KS: zoneFor(MOUNTAIN, ['Sherman', 'Wallace', 'Greeley', 'Hamilton']),
  OR: zoneFor('America/Boise', ['Malheur']),
  // North of the Salmon River.
  ID: zoneFor(PACIFIC, [
    'Idaho', 'Lewis', 'Nez Perce', 'Clearwater', 'Latah', 'Benewah', 'Shoshone', 'Kootenai', 'Bonner', 'Boundary',
  ]),
};

/**
 * Places whose zone differs from their county's. Checked before the county, and only with the state.
 * - AK: Aleutians West spans 169.5°W; Unalaska (its largest town) is on Alaska time, Adak and Atka are not.
 * - AZ: the Navajo Nation observes DST. A county cannot say whether a place is on reservation land, so Apache,
 *   Navajo and Coconino counties stay on America/Phoenix (their seats and jails are off the reservation) and only
 *   these Navajo Nation towns get Mountain time with DST. The Hopi reservation inside it does not observe DST.
 * - NV: West Wendover (Elko County) is on Mountain time by federal rule.
 * - FL: Gulf County is split; Wewahitchka is on Central time.
 */
const CITY_ZONES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  AK: zoneFor('America/Adak', ['Adak', 'Atka']),
  AZ: zoneFor(MOUNTAIN, ['Window Rock', 'Fort Defiance', 'Chinle', 'Kayenta', 'Tuba City', 'Ganado', 'Dilkon']),
  NV: zoneFor(MOUNTAIN, ['West Wendover']),
  FL: zoneFor(CENTRAL, ['Wewahitchka']),
};

function indexByState(table: typeof COUNTY_ZONES): ReadonlyMap<string, ReadonlyMap<string, string>> {
  return new Map(
    Object.entries(table).map(([state, entries]) => [
      state,
      new Map(entries.map(([place, zone]) => [countyKey(place, state), zone])),
    ]),
  );
}

/**
 * Split states whose default zone is not the one whose midnight comes first: every county on the default zone, so
 * that a county not found here (a city typed instead, a misspelling) is known to be unknown, and gets
 * UNKNOWN_PLACE_ZONES and UNKNOWN_PLACE_DAY_ZONES (Knoxville, typed as a county, is Eastern; Nashville, Central).
 */
const DEFAULT_ZONE_COUNTIES: Readonly<Record<string, readonly string[]>> = {
  TN: [
    'Bedford', 'Benton', 'Bledsoe', 'Cannon', 'Carroll', 'Cheatham', 'Chester', 'Clay', 'Coffee', 'Crockett', 'Cumberland',
    'Davidson', 'Decatur', 'DeKalb', 'Dickson', 'Dyer', 'Fayette', 'Fentress', 'Franklin', 'Gibson', 'Giles', 'Grundy',
    'Hardeman', 'Hardin', 'Haywood', 'Henderson', 'Henry', 'Hickman', 'Houston', 'Humphreys', 'Jackson', 'Lake',
    'Lauderdale', 'Lawrence', 'Lewis', 'Lincoln', 'McNairy', 'Macon', 'Madison', 'Marion', 'Marshall', 'Maury',
    'Montgomery', 'Moore', 'Obion', 'Overton', 'Perry', 'Pickett', 'Putnam', 'Robertson', 'Rutherford', 'Sequatchie',
    'Shelby', 'Smith', 'Stewart', 'Sumner', 'Tipton', 'Trousdale', 'Van Buren', 'Warren', 'Wayne', 'Weakley', 'White',
    'Williamson', 'Wilson',
  ],
  OR: [
    'Baker', 'Benton', 'Clackamas', 'Clatsop', 'Columbia', 'Coos', 'Crook', 'Curry', 'Deschutes', 'Douglas', 'Gilliam',
    'Grant', 'Harney', 'Hood River', 'Jackson', 'Jefferson', 'Josephine', 'Klamath', 'Lake', 'Lane', 'Lincoln', 'Linn',
    'Marion', 'Morrow', 'Multnomah', 'Polk', 'Sherman', 'Tillamook', 'Umatilla', 'Union', 'Wallowa', 'Wasco',
    'Washington', 'Wheeler', 'Yamhill',
  ],
};

/**
 * A place in such a state whose county is unknown could be in either zone. Its deadlines end at the earlier midnight
 * (UNKNOWN_PLACE_ZONES, the case's zone) of a day read where the day starts last (UNKNOWN_PLACE_DAY_ZONES): an event at
 * 11:30 PM in Nashville is on that day, not the next as in Eastern time, so a deadline counted from it ends no later
 * than in either zone (sooner than in the right one: an hour, or a day for an event in the first hour of an Eastern
 * day).
 */
const UNKNOWN_PLACE_ZONES: Readonly<Record<string, string>> = { TN: EASTERN, OR: 'America/Boise' };
const UNKNOWN_PLACE_DAY_ZONES: Readonly<Record<string, string>> = { TN: CENTRAL, OR: PACIFIC };

const COUNTIES = indexByState(COUNTY_ZONES);
const CITIES = indexByState(CITY_ZONES);
const DEFAULT_COUNTIES = new Map(
  Object.entries(DEFAULT_ZONE_COUNTIES).map(([state, names]) => [state, new Set(names.map((name) => countyKey(name, state)))]),
);

export type TimeZoneBasis = 'city' | 'county' | 'state';

export interface TimeZoneResolution {
  zone: string;
  /** Which input decided the zone; 'state' means the state default (the county was not in a split table). */
  basis: TimeZoneBasis;
  /** When the zone is uncertain (a place the tables cannot put in either of its state's zones): where a day is read. */
  dayZone?: string;
}

/** IANA zone for a place, from its state (2-letter) and, in split states, its county or city. */
export function resolveTimeZone(state: string, county?: string | null, city?: string | null): TimeZoneResolution {
  const code = state.trim().toUpperCase();
  const stateZone = STATE_ZONES[code];
  if (!stateZone) {
    throw new ReferenceDataError('REFERENCE_UNKNOWN_STATE', `No time zone for state "${state}"`, state);
  }
  // A town typed where the county goes (intake has no city field): "Window Rock" is the Navajo Nation, on DST. Read
  // as it is typed, or as a county is (its state after a comma left out: "West Wendover, NV").
  const cities = CITIES.get(code);
  const town = (name: string) => cities?.get(countyKey(name)) ?? cities?.get(countyKey(name, code));
  const cityZone = (city ? town(city) : undefined) ?? (county ? town(county) : undefined);
  if (cityZone) return { zone: cityZone, basis: 'city' };
  const countyZone = county ? COUNTIES.get(code)?.get(countyKey(county, code)) : undefined;
  if (countyZone) return { zone: countyZone, basis: 'county' };
  const defaults = DEFAULT_COUNTIES.get(code);
  if (defaults) {
    // A known county on the default zone; else unknown, and the earliest midnight.
    return county && defaults.has(countyKey(county, code)) ? { zone: stateZone, basis: 'county' } : { zone: UNKNOWN_PLACE_ZONES[code], basis: 'state', dayZone: UNKNOWN_PLACE_DAY_ZONES[code] };
  }
  return { zone: stateZone, basis: 'state' };
}

export function timeZoneFor(state: string, county?: string | null, city?: string | null): string {
  return resolveTimeZone(state, county, city).zone;
}

/**
 * For a case placed by its state and county alone (no facility) and counted in `zone`: where its events' days are read
 * when that zone stands for an uncertain place (`TimeZoneResolution.dayZone`); otherwise undefined (read in `zone`).
 * A zone sent by hand that is not the one the place gives is taken as certain.
 */
export function uncertainDayZone(state: string | null | undefined, county: string | null | undefined, zone: string): string | undefined {
  if (!state || !STATE_ZONES[state.trim().toUpperCase()]) return undefined;
  const place = resolveTimeZone(state, county);
  return place.dayZone !== undefined && place.zone === zone ? place.dayZone : undefined;
}

/**
 * The zones a place in `state` gets when no county or town of the tables decides it (the state's own, and in Tennessee
 * and Oregon the earlier one of an unknown place): a case in one of them was placed by its state alone, and a county
 * the tables learn to read later can place it better.
 */
export function stateWideZones(state: string): string[] {
  const code = state.trim().toUpperCase();
  return [STATE_ZONES[code], UNKNOWN_PLACE_ZONES[code]].filter((zone): zone is string => zone !== undefined);
}

/** States where the county (or city) can change the answer. */
export const SPLIT_STATES: readonly string[] = [...new Set([...COUNTIES.keys(), ...CITIES.keys()])].sort();

export const STATE_TIME_ZONES = STATE_ZONES;


/**
 * Zone of each ICE ERO field office (area of responsibility code), for the few facility rows that have no state
 * (transport contracts and roving hold rooms): they operate around the field office.
 */
const AOR_ZONES: Readonly<Record<string, string>> = {
  ATL: EASTERN, BAL: EASTERN, BOS: EASTERN, BUF: EASTERN, MIA: EASTERN, NEW: EASTERN, NYC: EASTERN, PHI: EASTERN,
  WAS: EASTERN, DET: 'America/Detroit',
  CHI: CENTRAL, DAL: CENTRAL, HOU: CENTRAL, NOL: CENTRAL, SNA: CENTRAL, SPM: CENTRAL,
  DEN: MOUNTAIN, SLC: MOUNTAIN, ELP: MOUNTAIN, PHO: 'America/Phoenix',
  LOS: PACIFIC, SEA: PACIFIC, SFR: PACIFIC, SND: PACIFIC,
};

export function timeZoneForAor(aor: string): string | null {
  return AOR_ZONES[aor.trim().toUpperCase()] ?? null;
}

/** Every zone this module can return (for validity checks against the runtime's tz database). */
export function knownTimeZones(): string[] {
  const fromTables = [...COUNTIES.values(), ...CITIES.values()].flatMap((places) => [...places.values()]);
  return [...new Set([...Object.values(STATE_ZONES), ...fromTables, ...Object.values(AOR_ZONES)])].sort();
}
