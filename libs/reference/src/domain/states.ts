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
