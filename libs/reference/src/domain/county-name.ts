// Words that name the kind of county-level unit, not the unit itself ("Bossier Parish" is Bossier).
const SUFFIXES = [
  ['CITY', 'AND', 'BOROUGH'],
  ['CENSUS', 'AREA'],
  ['MUNICIPALITY'],
  ['COUNTY'],
  ['PARISH'],
  ['BOROUGH'],
  ['CO'],
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
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/&/g, ' AND ')
    .replace(/[^A-Z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  const expanded = words.map((word, i) => (i < words.length - 1 ? (ABBREVIATIONS[word] ?? word) : word));
  const key = stripSuffix(expanded).join('');
  return (state && RENAMED[state.toUpperCase()]?.[key]) || key;
}

function stripSuffix(words: string[]): string[] {
  for (const suffix of SUFFIXES) {
    const start = words.length - suffix.length;
    if (start >= 0 && suffix.every((word, i) => words[start + i] === word)) return words.slice(0, start);
  }
  return words;
}
