// Display names for languages common among the people legal-aid hotlines serve. Any other
// ISO 639-3 code is still valid everywhere; it is just shown as the code.
const LANGUAGE_NAMES: Readonly<Record<string, string>> = {
  spa: 'Spanish',
  eng: 'English',
  por: 'Portuguese',
  fra: 'French',
  hat: 'Haitian Creole',
  // Mayan languages of Guatemala and Mexico
  mam: 'Mam',
  quc: "K'iche'",
  kjb: "Q'anjob'al",
  cak: 'Kaqchikel',
  ixl: 'Ixil',
  acr: 'Achi',
  tzh: 'Tzeltal',
  tzo: 'Tzotzil',
  ara: 'Arabic',
  rus: 'Russian',
  ukr: 'Ukrainian',
  zho: 'Chinese',
  cmn: 'Mandarin Chinese',
  yue: 'Cantonese',
  vie: 'Vietnamese',
  hin: 'Hindi',
  pan: 'Punjabi',
  urd: 'Urdu',
  ben: 'Bengali',
  nep: 'Nepali',
  prs: 'Dari',
  pus: 'Pashto',
  fas: 'Persian',
  tur: 'Turkish',
  tir: 'Tigrinya',
  amh: 'Amharic',
  som: 'Somali',
  swa: 'Swahili',
  wol: 'Wolof',
  lin: 'Lingala',
  kor: 'Korean',
  tgl: 'Tagalog',
};

export function normalizeLanguage(code: string): string {
  return code.trim().toLowerCase();
}

/** "Spanish (spa)", or the bare code when we have no display name for it. */
export function languageLabel(code: string): string {
  const normalized = normalizeLanguage(code);
  const name = LANGUAGE_NAMES[normalized];
  return name ? `${name} (${normalized})` : normalized;
}
