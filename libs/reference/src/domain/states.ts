/** USPS codes for the 50 states, DC and the five inhabited territories. */
export const STATE_NAMES: Readonly<Record<string, string>> = {
  AL: 'Alabama', AK: 'Alaska', AZ: 'Arizona', AR: 'Arkansas', CA: 'California', CO: 'Colorado',
  CT: 'Connecticut', DE: 'Delaware', FL: 'Florida', GA: 'Georgia', HI: 'Hawaii', ID: 'Idaho', IL: 'Illinois',
  IN: 'Indiana', IA: 'Iowa', KS: 'Kansas', KY: 'Kentucky', LA: 'Louisiana', ME: 'Maine', MD: 'Maryland',
  MA: 'Massachusetts', MI: 'Michigan', MN: 'Minnesota', MS: 'Mississippi', MO: 'Missouri', MT: 'Montana',
  NE: 'Nebraska', NV: 'Nevada', NH: 'New Hampshire', NJ: 'New Jersey', NM: 'New Mexico', NY: 'New York',
  NC: 'North Carolina', ND: 'North Dakota', OH: 'Ohio', OK: 'Oklahoma', OR: 'Oregon', PA: 'Pennsylvania',
  RI: 'Rhode Island', SC: 'South Carolina', SD: 'South Dakota', TN: 'Tennessee', TX: 'Texas', UT: 'Utah',
  VT: 'Vermont', VA: 'Virginia', WA: 'Washington', WV: 'West Virginia', WI: 'Wisconsin', WY: 'Wyoming',
  DC: 'District of Columbia',
  PR: 'Puerto Rico', GU: 'Guam', VI: 'U.S. Virgin Islands', MP: 'Northern Mariana Islands', AS: 'American Samoa',
};

const key = (name: string) =>
  name
    .toUpperCase()
    .replace(/[^A-Z ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

// Spellings seen in government lists besides the canonical names above.
const ALIASES: Record<string, string> = {
  'WASHINGTON DC': 'DC',
  'WASHINGTON D C': 'DC',
  'VIRGIN ISLANDS': 'VI',
  'US VIRGIN ISLANDS': 'VI',
  'UNITED STATES VIRGIN ISLANDS': 'VI',
  'VIRGIN ISLANDS OF THE UNITED STATES': 'VI',
  'COMMONWEALTH OF THE NORTHERN MARIANA ISLANDS': 'MP',
  'COMMONWEALTH OF PUERTO RICO': 'PR',
};

/**
 * The abbreviations of state names in older and newspaper style ("Tex.", "Calif.", "N.H."), as a county is often typed
 * with its state ("Fort Bend County, Tex."): by code, in the form `key` gives (letters, spaced).
 */
export const STATE_ABBREVIATIONS: Readonly<Record<string, readonly string[]>> = {
  AL: ['ALA'], AZ: ['ARIZ'], AR: ['ARK'], CA: ['CALIF', 'CAL'], CO: ['COLO'], CT: ['CONN'], DE: ['DEL'], FL: ['FLA'],
  GA: ['GA'], IL: ['ILL'], IN: ['IND'], KS: ['KAN', 'KANS'], KY: ['KY'], LA: ['LA'], MD: ['MD'], MA: ['MASS'],
  MI: ['MICH'], MN: ['MINN'], MS: ['MISS'], MO: ['MO'], MT: ['MONT'], NE: ['NEB', 'NEBR'], NV: ['NEV'], NH: ['N H'],
  NJ: ['N J'], NM: ['N M', 'N MEX'], NY: ['N Y'], NC: ['N C'], ND: ['N D', 'N DAK'], OK: ['OKLA'], OR: ['ORE', 'OREG'],
  PA: ['PA', 'PENN'], RI: ['R I'], SC: ['S C'], SD: ['S D', 'S DAK'], TN: ['TENN'], TX: ['TEX'], VT: ['VT'], VA: ['VA'],
  WA: ['WASH'], WV: ['W VA'], WI: ['WIS', 'WISC'], WY: ['WYO'], DC: ['D C'], PR: ['P R'],
};

const BY_NAME: ReadonlyMap<string, string> = new Map([
  ...Object.entries(STATE_NAMES).map(([code, name]) => [key(name), code] as [string, string]),
  ...Object.entries(ALIASES),
]);

export function isStateCode(code: string): boolean {
  return Object.hasOwn(STATE_NAMES, code);
}

/** "TEXAS" → "TX", "district of columbia" → "DC"; a value that is already a code is returned as is. */
export function stateCode(fullName: string): string | null {
  const trimmed = fullName.trim().toUpperCase();
  if (isStateCode(trimmed)) return trimmed;
  return BY_NAME.get(key(fullName)) ?? null;
}

/**
 * The state a place typed as "<county>, <state>" ends with ("El Paso County, TX", "Harris, Texas", "Fort Bend Co.,
 * Tex."), read after the last comma only: a county named like a state (Washington) typed alone is a county.
 */
export function stateAfterComma(place: string | null | undefined): string | null {
  if (!place) return null;
  // A comma left at the end ("Harris County, TX,") ends nothing.
  place = place.replace(/[\s,]+$/u, '');
  const comma = place.lastIndexOf(',');
  if (comma < 0) return null;
  const tail = place.slice(comma + 1).trim();
  const typed = key(tail.normalize('NFD'));
  if (!typed) return null;
  // "Co." or "Co" after a comma is the county ("Harris, Co."); Colorado's code is written in capitals ("Weld County, CO").
  if (typed === 'CO' && tail !== 'CO') return null;
  return stateCode(typed) ?? Object.keys(STATE_ABBREVIATIONS).find((code) => STATE_ABBREVIATIONS[code].includes(typed)) ?? null;
}
