import { STATE_ABBREVIATIONS, STATE_NAMES } from './states';

// Words that name the kind of county-level unit, not the unit itself ("Bossier Parish" is Bossier).
const SUFFIXES = [
  ['CITY', 'AND', 'BOROUGH'],
  ['CENSUS', 'AREA'],
  ['MUNICIPALITY'],
  ['COUNTY'],
  ['PARISH'],
  ['BOROUGH'],
  ['CNTY'],
  ['CTY'],
  ['CO'],
  ['PAR'],
];

// What people add when they type where someone is held ("Galveston County Jail"): the county is before it.
const INSTITUTIONS = [
  ['SHERIFF', 'S', 'OFFICE'],
  ['SHERIFFS', 'OFFICE'],
  ['SHERIFF', 'OFFICE'],
  ['SHERIFF', 'S', 'DEPARTMENT'],
  ['SHERIFFS', 'DEPARTMENT'],
  ['SHERIFF', 'DEPARTMENT'],
  ['SHERIFF', 'S', 'DEPT'],
  ['SHERIFFS', 'DEPT'],
  ['SHERIFF', 'DEPT'],
  ['SHERIFF'],
  ['ADULT', 'DETENTION', 'CENTER'],
  ['DETENTION', 'CENTER'],
  ['DETENTION', 'FACILITY'],
  ['CORRECTIONAL', 'CENTER'],
  ['CORRECTIONAL', 'FACILITY'],
  ['JUSTICE', 'CENTER'],
  ['JAIL'],
];

// A name written the other way round ("County of Galveston", "City and County of Denver").
const PREFIXES = [
  ['CITY', 'AND', 'COUNTY', 'OF'],
  ['CITY', 'AND', 'BOROUGH', 'OF'],
  ['COUNTY', 'OF'],
  ['PARISH', 'OF'],
  ['BOROUGH', 'OF'],
  ['MUNICIPALITY', 'OF'],
  // In Spanish and French, as a volunteer may type it ("Condado de Harris", "Parroquia de Bossier").
  ['CONDADO', 'DE'],
  ['PARROQUIA', 'DE'],
  ['PAROISSE', 'DE'],
];

const ABBREVIATIONS: Record<string, string> = { ST: 'SAINT', STE: 'SAINTE', FT: 'FORT', MT: 'MOUNT' };

// Old or short names still used in source files, by state, as normalized keys.
const RENAMED: Record<string, Record<string, string>> = {
  FL: { DADE: 'MIAMIDADE' },
  SD: { SHANNON: 'OGLALALAKOTA' },
  AK: { WADEHAMPTON: 'KUSILVAK' },
  // Virginia has no Hopewell County; ICE's list names the independent city's sheriff that way.
  VA: { HOPEWELL: 'HOPEWELLCITY' },
};

/**
 * A comparison key for a county name: "St. Johns County" and "SAINT JOHNS" give the same key, as do "De Witt" and
 * "DeWitt", "Miami-Dade" and "MIAMI DADE". "City" is kept: in Virginia, Richmond City and Richmond County differ.
 * Returns '' for a value that is only a suffix (the facility file has "COUNTY" as a placeholder).
 */
export function countyKey(name: string | null | undefined, state?: string | null): string {
  if (!name) return '';
  const words = name
    // NFKD: letters typed full-width (Ｈａｒｒｉｓ, as some Asian-language keyboards do) are letters.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const expanded = words.map((word, i) => (i < words.length - 1 ? (ABBREVIATIONS[word] ?? word) : word));
  // The kind of unit may be all there is ("COUNTY", a placeholder: ''); a state or an institution never is.
  const key = stripEnd(stripEnd(withoutState(turned(expanded), state), INSTITUTIONS), SUFFIXES, true).join('');
  return (state && RENAMED[state.toUpperCase()]?.[key]) || key;
}

/** "County of Galveston" → Galveston; "City of Hopewell" → Hopewell City (in Virginia, the independent city). */
function turned(words: string[]): string[] {
  for (const prefix of PREFIXES) {
    if (words.length > prefix.length && prefix.every((word, i) => words[i] === word)) return words.slice(prefix.length);
  }
  if (words.length > 2 && words[0] === 'CITY' && words[1] === 'OF') return [...words.slice(2), 'CITY'];
  return words;
}

/** "Galveston County, TX", "..., Texas" or "..., Tex." → Galveston County: the case's own state, never the whole name. */
function withoutState(words: string[], state?: string | null): string[] {
  const code = state?.toUpperCase();
  if (!code || !Object.hasOwn(STATE_NAMES, code)) return words;
  const name = STATE_NAMES[code].normalize('NFD').replace(/[^A-Za-z ]/g, ' ').toUpperCase().split(' ').filter(Boolean);
  return stripEnd(words, [[code], name, ...(STATE_ABBREVIATIONS[code] ?? []).map((form) => form.split(' '))]);
}

/** Drops the first of `endings` that ends `words`; never all of them unless `whole` allows it. */
function stripEnd(words: string[], endings: string[][], whole = false): string[] {
  for (const ending of endings) {
    const start = words.length - ending.length;
    if ((whole ? start >= 0 : start > 0) && ending.every((word, i) => words[start + i] === word)) return words.slice(0, start);
  }
  return words;
}
