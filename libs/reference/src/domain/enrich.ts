import { countyKey } from './county-name';
import { ReferenceDataError } from './errors';
import { timeZoneFor, timeZoneForAor } from './time-zones';
import { Agreement287g, FacilityRecord, JAIL_ENFORCEMENT_MODEL, ParsedFacility } from './types';

/**
 * County values in the facility file that are plainly wrong (the facility's name and city say otherwise), or the
 * placeholder "COUNTY". Keyed by code AND the wrong value, so a refreshed file that fixes the row is left alone.
 * None of them changes a time zone; CHLHOLD changes jail287g.
 */
export const FACILITY_COUNTY_CORRECTIONS: ReadonlyArray<{ code: string; from: string; to: string }> = [
  // Charleston hold room; York County is 200 miles away and has a JEM agreement.
  { code: 'CHLHOLD', from: 'YORK', to: 'Charleston' },
  { code: 'BROCRFL', from: 'CHARLES MIX', to: 'Broward' }, // Pembroke Pines, FL; Charles Mix is in South Dakota
  { code: 'BROWNSD', from: 'SAN DIEGO', to: 'Brown' }, // Brown County Jail, Aberdeen
  { code: 'WASHTMI', from: 'STEVENS', to: 'Washtenaw' }, // Washtenaw County Jail, Ann Arbor
  { code: 'CALHOMI', from: 'BRANCH', to: 'Calhoun' }, // Calhoun County Correctional Center, Battle Creek
  { code: 'BOWCOTX', from: 'HARRIS', to: 'Bowie' }, // Bowie County Jail, Texarkana
  { code: 'BEXJUTX', from: 'BRAZOS', to: 'Bexar' }, // Bexar County Juvenile, San Antonio
  { code: 'LEECOTX', from: 'GIDDINS', to: 'Lee' }, // Lee County Jail, Giddings
  { code: 'ABTHOLD', from: 'ABILENE', to: 'Taylor' }, // Abilene hold room
  { code: 'ORLHOLD', from: 'ORLANDO', to: 'Orange' }, // Orlando hold room
  { code: 'ALBCONY', from: 'KINGS', to: 'Albany' }, // Albany County Jail, Albany
  { code: 'BVRHDMT', from: 'DENVER', to: 'Beaverhead' }, // Beaverhead County, Dillon
  { code: 'GENESNY', from: 'CUMBERLAND', to: 'Genesee' }, // Genesee County Jail, Batavia
  { code: 'COLOMNY', from: 'ORANGE', to: 'Columbia' }, // Columbia County Jail, Hudson
  { code: 'LAPLACO', from: 'FLOYD', to: 'La Plata' }, // La Plata County Jail, Durango
  { code: 'LINCOWY', from: 'JASPER', to: 'Lincoln' }, // Lincoln County Jail, Kemmerer
  { code: 'NOBLEMN', from: 'NICOLLET', to: 'Nobles' }, // Nobles County Jail, Worthington
  { code: 'PARKCMT', from: 'LEWIS AND CLARK', to: 'Park' }, // Park County, Livingston
  { code: 'SARJUNE', from: 'CASS', to: 'Sarpy' }, // Sarpy County Juvenile, Papillion
  // The source's placeholder "COUNTY" (parsed as empty), filled from the city.
  { code: 'JENATLA', from: '', to: 'Rapides Parish' }, // Alexandria, LA
  { code: 'ARRMCCA', from: '', to: 'San Bernardino' }, // Colton
  { code: 'AFRC', from: '', to: 'Eddy' }, // Artesia
  { code: 'BHFLDMI', from: '', to: 'Calhoun' }, // Battle Creek
  { code: 'CADCCAL', from: '', to: 'Imperial' }, // Calipatria
  { code: 'CMEDHPR', from: '', to: 'San Juan' }, // San Juan
  { code: 'MICHIRE', from: '', to: 'Chippewa' }, // Kincheloe
  { code: 'DSRTVCA', from: '', to: 'San Bernardino' }, // Victorville
  { code: 'IAHSFTX', from: '', to: 'Harris' }, // Houston airport
  { code: 'NVNORCC', from: '', to: 'Carson City' }, // Carson City
  { code: 'NVJDCVA', from: '', to: 'Alexandria City' }, // Alexandria, VA
  { code: 'PAVHRPR', from: '', to: 'San Juan' }, // San Juan
  { code: 'STAHOLD', from: '', to: 'Franklin' }, // St. Albans, VT
  { code: 'SALEMNJ', from: '', to: 'Salem' }, // Woodstown
  { code: 'SAMBCMI', from: '', to: 'Wayne' }, // Detroit
  { code: 'SSMHOLD', from: '', to: 'Chippewa' }, // Sault Ste. Marie
  { code: 'CACCJAM', from: '', to: 'Tuolumne' }, // Jamestown, CA
  { code: 'STMARCA', from: '', to: 'San Bernardino' }, // Apple Valley
  { code: 'VVGMCCA', from: '', to: 'San Bernardino' }, // Victorville
  { code: 'MIWPRPH', from: '', to: 'Wayne' }, // Westland
];

/**
 * Adds the derived fields: the IANA time zone and whether the county's jail screens bookings for ICE under a
 * participating 287(g) Jail Enforcement Model agreement. Also applies FACILITY_COUNTY_CORRECTIONS.
 */
export function enrichFacilities(facilities: ParsedFacility[], agreements: Agreement287g[]): FacilityRecord[] {
  const jemCounties = jailEnforcementCounties(agreements);
  return facilities.map((facility) => {
    const county = correctedCounty(facility);
    return {
      ...facility,
      county,
      timeZone: facilityTimeZone(facility, county),
      jail287g: isLocalJail({ ...facility, county }) && inJailEnforcementCounty({ state: facility.state, county }, jemCounties),
    };
  });
}

/** Facility types of county and local jails held under agreements with ICE or the Marshals. */
const LOCAL_JAIL_TYPES = new Set(['IGSA', 'USMS IGA']);

/**
 * The version of the rule below (`isLocalJail`, with FACILITY_JAIL_OVERRIDES), stored with the flags it derived. The
 * API's start derives them again when they differ from what this rule gives, unless a newer release's version is
 * recorded (ReferenceService.reflagIfRuleChanged): raise it with any change to the rule.
 */
export const FACILITY_FLAG_RULE_VERSION = 1;

/**
 * What the source says of a facility that is not the sheriff's jail, which a county's Jail Enforcement Model agreement
 * concerns. A county jail's name often names no county ("THEO LACY FACILITY", "MCSO MADISON FACILITY"), so only a
 * positive sign counts: a facility dedicated to ICE ("DIGSA": the private contract centres, Eloy, La Palma), a
 * juvenile or family centre, a state prison (a "county department of corrections" is the county's jail), the Marshals'
 * own office, a private or federal centre named so, or a city's or a police department's lockup (named after its
 * city: "EULESS CITY JAIL" in Tarrant County, "NIAGARA FALLS CITY JAIL" in Niagara County; a name that begins with the
 * county's own name and not the city's, "TRAVIS CITY JAIL" in Austin, is the county's).
 */
const NOT_COUNTY_JAIL_TYPES = new Set(['DIGSA', 'JUVENILE', 'FAMILY']);
const words = (list: string[]) => new RegExp(list.map((w) => `\\b${w}\\b`).join('|'), 'i');
const STATE_PRISON_NAME = words(['STATE PRISON', 'PENITENTIARY', 'DEPARTMENT OF CORRECTIONS?', 'DEPT\\.? OF CORRECTIONS?', 'TDC']);
const NOT_COUNTY_JAIL_NAME = words([
  'JUVENILE', 'YOUTH', // a juvenile centre
  'US MARSHALS', 'FEDERAL', 'ICE PROCESSING', 'PROCESSING (CENTER|CTR)', 'CCA', 'CORE ?CIVIC', 'GEO', 'WACKENHUT', // federal or private
]);
const CITY_LOCKUP_NAME = words(['CITY (JAIL|DETENTION)', 'MUNICIPAL', 'POLICE', 'PD', 'TOWNSHIP']);

/**
 * Rows whose name and type say nothing true of who runs them, by code and name as the source has them (a renamed row
 * is read by the rule again). `countyJail: false` is not the sheriff's jail; `true` is, whatever its type says.
 */
export const FACILITY_JAIL_OVERRIDES: ReadonlyArray<{ code: string; name: string; countyJail: boolean }> = [
  { code: 'MONTGTX', name: 'JOE CORLEY DETENTION FACILITY', countyJail: false }, // GEO's ICE centre: JCRLYTX's address
  { code: 'LPAPSAZ', name: 'LA PALMA CORR CTR APSO', countyJail: false }, // CoreCivic's La Palma: LPLCCAZ's address
  { code: 'MANSFTX', name: 'MANSFIELD LAW ENFORCEMENT CENTER', countyJail: false }, // the City of Mansfield's jail
  { code: 'BERNANM', name: 'BERNALILLO COUNTY DETENTION CENTER', countyJail: true }, // the county's, typed DIGSA
  { code: 'WASHTMI', name: 'WASHTENAW COUNTY JAIL (ANN ARBOR MICHIGAN)', countyJail: true }, // typed JUVENILE
  { code: 'GILLITX', name: 'GILLISPIE CITY JAIL', countyJail: true }, // Gillespie County's, misspelled, in Fredericksburg
];

/**
 * Whether a facility is a county's local jail, which a county's 287(g) Jail Enforcement Model agreement concerns: not
 * a federal prison or medical centre (BOP), an ICE processing centre or contract facility (SPC, CDF), an ICE hold room
 * or a hospital, nor a row that says it is something else (above). Rows of type "Other" count when their name says
 * jail, sheriff or corrections. `county` is the corrected one.
 */
export function isLocalJail(facility: {
  code?: string; type: string; name: string; typeDetailed?: string | null; county?: string | null; city?: string | null;
}): boolean {
  const override = FACILITY_JAIL_OVERRIDES.find((o) => o.code === facility.code && o.name === facility.name.trim().toUpperCase());
  if (override) return override.countyJail;
  const type = facility.type.trim().toUpperCase();
  if (NOT_COUNTY_JAIL_TYPES.has(type) || NOT_COUNTY_JAIL_TYPES.has((facility.typeDetailed ?? '').trim().toUpperCase())) return false;
  if (NOT_COUNTY_JAIL_NAME.test(facility.name)) return false;
  if (STATE_PRISON_NAME.test(facility.name) && !/\bCOUNTY\b/i.test(facility.name)) return false;
  if (CITY_LOCKUP_NAME.test(facility.name) && !namedAfterCounty(facility.name, facility.county, facility.city)) return false;
  if (LOCAL_JAIL_TYPES.has(type)) return true;
  return type === 'OTHER'
    && /\b(JAIL|SHERIFFS?|CORRECTIONS|LOCK)\b/i.test(facility.name) && !/\b(HOSPITAL|MEDICAL|HOLD ?ROOM|PROBATION|PSYCHIATRIC)\b/i.test(facility.name);
}

/**
 * Whether a facility's name begins with its county's name, and not with its city's (a county seat often has the
 * county's name: "MONTGOMERY CITY JAIL" in Montgomery, AL is the city's), unless the county is itself a city (an
 * independent city of Virginia). Names are compared as county names ("ST. CHARLES" and "SAINT CHARLES" alike).
 */
function namedAfterCounty(name: string, county: string | null | undefined, city: string | null | undefined): boolean {
  const key = countyKey(county);
  if (key === '') return false;
  const nameWords = name.split(/\s+/).filter(Boolean);
  const beginsWith = (target: string) => nameWords.some((_, i) => countyKey(nameWords.slice(0, i + 1).join(' ')) === target);
  if (!beginsWith(key)) return false;
  const cityKey = countyKey(city);
  return key.endsWith('CITY') || cityKey === '' || !beginsWith(cityKey);
}

/** Whether a facility's county (as corrected) is among `jailEnforcementCounties`. */
export function inJailEnforcementCounty(facility: { state: string | null; county: string | null }, jemCounties: ReadonlySet<string>): boolean {
  return facility.state !== null && jemCounties.has(`${facility.state}:${countyKey(facility.county, facility.state)}`);
}

/** "TX:TARRANT"-style keys of counties where a county agency has a participating Jail Enforcement Model agreement. */
export function jailEnforcementCounties(agreements: Agreement287g[]): Set<string> {
  const keys = new Set<string>();
  for (const agreement of agreements) {
    const county = countyKey(agreement.county, agreement.state);
    if (county && isCountyJailEnforcement(agreement)) keys.add(`${agreement.state}:${county}`);
  }
  return keys;
}

// County agencies only: a city police or state prison JEM agreement says nothing about the county jail.
export function isCountyJailEnforcement(agreement: Agreement287g): boolean {
  return (
    agreement.status === 'participating' &&
    agreement.supportType.trim().toLowerCase() === JAIL_ENFORCEMENT_MODEL.toLowerCase() &&
    agreement.agencyType.trim().toLowerCase() === 'county'
  );
}

/** The facility's county with FACILITY_COUNTY_CORRECTIONS applied (again: a corrected county is left as it is). */
export function correctedCounty(facility: { code: string; county: string | null }): string | null {
  const correction = FACILITY_COUNTY_CORRECTIONS.find(
    (c) => c.code === facility.code && countyKey(c.from) === countyKey(facility.county),
  );
  return correction ? correction.to : facility.county;
}

function facilityTimeZone(facility: ParsedFacility, county: string | null): string {
  if (facility.state) return timeZoneFor(facility.state, county, facility.city);
  const zone = timeZoneForAor(facility.aor);
  if (!zone) {
    throw new ReferenceDataError(
      'REFERENCE_UNKNOWN_STATE',
      `Facility ${facility.code} has no state and an unknown aor "${facility.aor}"`,
      facility.aor,
    );
  }
  return zone;
}
