import { Transform } from 'class-transformer';
import { ValidateIf, ValidationOptions, registerDecorator } from 'class-validator';
import { iso6393, iso6393To1 } from 'iso-639-3';
import { numberText } from './digits';

// Checked field by field with Date.UTC instead of a date library's general ISO parser: these run on every dated field
// of every request, and luxon's parser was a measurable share of an intake's CPU. A property test
// (validators.spec.ts) holds these to the luxon-based definition they replaced.
const OFFSET_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_YEAR = 1900;
const MAX_YEAR = 2200;
const DAY_MS = 86_400_000;

const isPlausibleYear = (year: number) => year >= MIN_YEAR && year <= MAX_YEAR;

/** A day that exists: no February 30. */
function isRealDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * A date-time with an explicit, real offset (UTC-12:00 to UTC+14:00) in a plausible year. ISO 8601's end of day,
 * 24:00 (its fraction, if any, all zeros), is the next day's midnight, as luxon (which the deadline rules use) reads it.
 */
export function isOffsetDateTime(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > 40) return false;
  const match = OFFSET_DATE_TIME.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute] = match.slice(1, 6).map(Number);
  const second = match[6] === undefined ? 0 : Number(match[6]);
  if (!isRealDay(year, month, day) || minute > 59 || second > 59) return false;
  // Every digit of the fraction: PostgreSQL refuses 24:00 plus a microsecond (a 500, were it let through).
  const endOfDay = hour === 24 && minute === 0 && second === 0 && (match[7] === undefined || /^0+$/.test(match[7]));
  if (hour > 23 && !endOfDay) return false;
  if (!isPlausibleYear(endOfDay && month === 12 && day === 31 ? year + 1 : year)) return false;
  if (match[8] === undefined) return true; // Z
  const offsetMinutes = Number(match[9]) * 60 + Number(match[10]);
  return Number(match[10]) < 60 && offsetMinutes <= (match[8] === '+' ? 14 * 60 : 12 * 60);
}

/** A real calendar date, YYYY-MM-DD, in a plausible year. */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = CALENDAR_DATE.exec(value);
  return match !== null && isPlausibleYear(Number(match[1])) && isRealDay(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** A calendar date no later than tomorrow in UTC (so no time zone's today is refused). */
export function isPastCalendarDate(value: unknown, now = Date.now()): value is string {
  return isCalendarDate(value) && Date.parse(`${value}T00:00:00Z`) <= now + DAY_MS;
}

const validZones = new Map<string, boolean>();

/**
 * A place's IANA zone, `Area/Location` (America/Chicago): what the runtime knows, but not an abbreviation or a fixed
 * offset. "EST", "CST6CDT", "UTC" and "Etc/GMT+5" are valid to Intl, yet EST and Etc/GMT+5 never change for daylight
 * saving, so every summer deadline counted in them would be an hour off from the clock on the wall.
 */
export function isIanaTimeZone(value: unknown): value is string {
  // As the database spells it (America/Chicago, not america/chicago: stored names are compared as typed).
  if (typeof value !== 'string' || value.length > 64 || !/^[A-Z][A-Za-z_]*(\/[A-Z][A-Za-z0-9_+\-]*){1,2}$/.test(value)) return false;
  if (/^(Etc|SystemV)\//.test(value)) return false;
  let valid = validZones.get(value);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      valid = true;
    } catch {
      valid = false;
    }
    if (validZones.size < 1000) validZones.set(value, valid);
  }
  return valid;
}

function decorator(name: string, message: (property: string) => string, validate: (value: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, propertyName) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: message(String(propertyName)), ...options },
        validator: { validate },
      });
}

/** A birth date: a real calendar date, from 1900 on, not in the future. */
export const IsCalendarDate = decorator(
  'isCalendarDate',
  (p) => `${p} must be a real date as YYYY-MM-DD, from 1900 on and not in the future`,
  (value) => isPastCalendarDate(value),
);

/** ISO 8601 date-time with an explicit offset (2026-11-20T16:00:00-06:00): a bare local time is ambiguous. */
export const IsOffsetDateTime = decorator(
  'isOffsetDateTime',
  (p) => `${p} must be an ISO 8601 date-time with offset, in a year from ${MIN_YEAR} to ${MAX_YEAR}, e.g. 2026-11-20T16:00:00-06:00`,
  isOffsetDateTime,
);

export const IsIanaTimeZone = decorator(
  'isIanaTimeZone',
  (p) => `${p} must be an IANA time zone of a place, such as America/Chicago (not an abbreviation such as CST, nor a fixed offset)`,
  isIanaTimeZone,
);

/**
 * The zones of the United States and its territories (the tz database's zones of US, PR, VI, GU, MP, AS and UM): where
 * every jail, detention center and immigration court Amparo deals with is. Their links (US/Central, America/Fort_Wayne)
 * count too: a name is compared as given and as the runtime resolves it (its CLDR name, America/Indianapolis).
 */
const US_ZONE_NAMES = [
  'America/New_York', 'America/Detroit', 'America/Kentucky/Louisville', 'America/Kentucky/Monticello',
  'America/Indiana/Indianapolis', 'America/Indiana/Vincennes', 'America/Indiana/Winamac', 'America/Indiana/Marengo',
  'America/Indiana/Petersburg', 'America/Indiana/Vevay', 'America/Chicago', 'America/Indiana/Tell_City',
  'America/Indiana/Knox', 'America/Menominee', 'America/North_Dakota/Center', 'America/North_Dakota/New_Salem',
  'America/North_Dakota/Beulah', 'America/Denver', 'America/Boise', 'America/Phoenix', 'America/Los_Angeles',
  'America/Anchorage', 'America/Juneau', 'America/Sitka', 'America/Metlakatla', 'America/Yakutat', 'America/Nome',
  'America/Adak', 'Pacific/Honolulu', 'America/Puerto_Rico', 'America/St_Thomas', 'Pacific/Guam', 'Pacific/Saipan',
  'Pacific/Pago_Pago', 'Pacific/Midway', 'Pacific/Wake',
];

function resolvedZone(zone: string): string | null {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const US_ZONES: ReadonlySet<string> = new Set(US_ZONE_NAMES.flatMap((zone) => [zone, resolvedZone(zone) ?? zone]));

/** An IANA zone of a place in the United States or its territories (see US_ZONE_NAMES). */
export function isUsTimeZone(value: unknown): value is string {
  if (!isIanaTimeZone(value)) return false;
  if (US_ZONES.has(value)) return true;
  const resolved = resolvedZone(value);
  return resolved !== null && US_ZONES.has(resolved);
}

export const IsUsTimeZone = decorator(
  'isUsTimeZone',
  (p) => `${p} must be the IANA time zone of a place in the United States or its territories, such as America/Chicago (not an abbreviation such as CST, nor a fixed offset)`,
  isUsTimeZone,
);

/** Either of the above: when something happened, to the minute or to the day. */
export const IsDateOrOffsetDateTime = decorator(
  'isDateOrOffsetDateTime',
  (p) => `${p} must be an ISO 8601 date-time with offset, or a date YYYY-MM-DD, in a year from ${MIN_YEAR} to ${MAX_YEAR}`,
  (value) => isOffsetDateTime(value) || isCalendarDate(value),
);

/**
 * What is not an identifying number, taken out before counting digits: dates (2026-11-20, 11/20/2026, 20.11.26, a
 * year of 19xx or 20xx, or two digits), times (4:15, 10:30:00) and sums of money ($15,000.00).
 */
const NOT_IDENTIFYING = [
  /\b(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b/g,
  /\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:(?:19|20)\d{2}|\d{2})\b/g,
  /\b\d{1,2}:\d{2}(?::\d{2})?\b/g,
  /\$\s?\d[\d,]*(?:\.\d+)?/g,
];
/**
 * Seven or more digits with at most three separators between any two (spaces, dashes of any kind, dots, slashes,
 * parentheses, #, _): an A-number (A123-456-789, A 123 - 456 - 789), a phone ((512) 555-0142), a booking number.
 */
const DIGIT_RUN = /\d(?:[\s\-\u2010-\u2015./()#_]{0,3}\d){6,}/;
/**
 * Grouped with commas, only in the shapes of an A-number (A123,456,789) or a phone (512,555,0142): commas also
 * separate dates, amounts and lists ("Dec 12, 2026, 10am", "pages 12, 13, 14"), which are not identifying.
 */
const COMMA_GROUPED = /A\s*#?\s*\d{3}\s?,\s?\d{3}\s?,\s?\d{3}(?!\d)|(?<!\d)\d{3}\s?,\s?\d{3}\s?,\s?\d{4}(?!\d)/i;

/** Whether free text holds a number that identifies a person (7+ digits that are not a date, a time or money). */
export function hasIdentifyingNumber(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  // Full-width digits and those of other scripts count as digits.
  // Read as an A-number or phone is read (invisible marks dropped, any dash a dash): so no number hides from this check.
  let text = numberText(value);
  for (const pattern of NOT_IDENTIFYING) text = text.replace(pattern, ' ~ ');
  return DIGIT_RUN.test(text) || COMMA_GROUPED.test(text);
}

/**
 * For the free text kept in plain columns or the append-only audit trail (a reveal reason, a decline or deadline
 * note): no A-number, phone or booking number, which would outlive a purge. Names cannot be told apart from other
 * words; the API says not to write them.
 */
export const HasNoIdentifyingNumber = decorator(
  'hasNoIdentifyingNumber',
  (p) => `${p} must not contain an A-number, phone or other identifying number (7 or more digits): it is kept in plain text`,
  (value) => !hasIdentifyingNumber(value),
);

/**
 * Optional, but not nullable: absent is fine, `null` is validated like any other value (and refused). For fields
 * where null has no meaning (a name, a nested object).
 */
export const IsOptionalNotNull = (): PropertyDecorator => ValidateIf((_object, value) => value !== undefined);

/**
 * A name as typed, without the spaces and invisible format characters (zero-width spaces, direction marks) around it,
 * which a phone keyboard or a copy from a message adds: "\u200fMaria " is "Maria", and "\u200b" alone is blank. In its
 * composed form (NFC): "e" and a combining accent are one "é", as its length is counted and as it is stored (a name of
 * 96 letters sent decomposed was refused as over 100).
 */
export const TrimmedName = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? trimName(value) : value));

/**
 * Spaces and invisible characters around a name, and the direction overrides, embeddings and isolates anywhere in it:
 * "Ruiz \u202eSOLRAC" shows as "Ruiz CARLOS" (a name read back is not the name stored). Marks (LRM, RLM) stay inside.
 */
const trimName = (value: string): string =>
  value.replace(/[\u202a-\u202e\u2066-\u2069]/g, '').replace(/^[\s\p{Cf}\p{DI}]+|[\s\p{Cf}\p{DI}]+$/gu, '').normalize('NFC');

/** A name left out, null, or nothing but spaces and invisible characters, as `TrimmedName` leaves it: not given. */
export const isBlankName = (value: unknown): boolean => value === undefined || value === null || (typeof value === 'string' && trimName(value) === '');

/**
 * A name holds at least one letter or digit that shows (blank counts as not given: the required checks decide about
 * it). Hangul fillers (U+3164) are letters that print nothing: ignorable code points do not count.
 */
export const HasLetterOrDigit = decorator(
  'hasLetterOrDigit',
  (p) => `${p} must contain a letter`,
  (value) => typeof value !== 'string' || value === '' || /[\p{L}\p{N}]/u.test(value.replace(/\p{DI}/gu, '')),
);

/**
 * For an optional field with a format (a date, a phone number, a code): an empty or blank string means "not given",
 * as forms send it, and becomes `null` before validation (stored as NULL; in a correction, the field is cleared).
 * With `upperCase`, a given value is trimmed and upper-cased first (state codes: `tx` is TX); with `lowerCase`,
 * lower-cased (a code from a list: `Family` is family). With `number`, the invisible format marks a contact list or a
 * right-to-left keyboard puts around or inside a phone number or an A-number are dropped (stored without them: a
 * right-to-left override would show the number reversed). With `place`, a place name pasted from a web page or a
 * message ("Harris\u00a0County", "Harris County\u200b") loses its invisible marks too, and its no-break and other
 * spaces are plain ones.
 */
export const BlankAsNull = (options: { upperCase?: boolean; lowerCase?: boolean; number?: boolean; place?: boolean } = {}): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string') return value;
    const plain = options.number ? value.replace(/\p{Cf}/gu, '') : options.place ? value.replace(/\p{Cf}/gu, '').replace(/\p{Zs}/gu, ' ') : value;
    const trimmed = plain.trim();
    if (trimmed === '') return null;
    // A phone keyboard adds a space after a word: "HOUICDF " is the code.
    return options.upperCase ? trimmed.toUpperCase() : options.lowerCase ? trimmed.toLowerCase() : trimmed;
  });

/**
 * A code from a list (`local_jail`, `client`), as a phone keyboard may send it: capitalized, with a space after it. In
 * a list of codes, the same code twice counts once. Anything else is left for the validators to refuse.
 */
export const CodeValue = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) => {
    const code = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : v);
    return Array.isArray(value) ? [...new Set(value.map(code))] : code(value);
  });

/**
 * ISO 639-2 "bibliographic" codes, which people also type, and the ISO 639-3 codes of the same languages (the API's
 * codes): `fre` is French, stored as `fra`.
 */
const ISO_639_2B: Readonly<Record<string, string>> = {
  alb: 'sqi', arm: 'hye', baq: 'eus', bur: 'mya', chi: 'zho', cze: 'ces', dut: 'nld', fre: 'fra', geo: 'kat', ger: 'deu',
  gre: 'ell', ice: 'isl', mac: 'mkd', mao: 'mri', may: 'msa', per: 'fas', rum: 'ron', slo: 'slk', tib: 'bod', wel: 'cym',
};

/** A language code as typed on a phone ("Spa", " spa", "fre") → the ISO 639-3 code (spa, fra); anything else as is. */
export function normalizeLanguageCode(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const code = value.trim().toLowerCase();
  return ISO_639_2B[code] ?? code;
}

/** Language codes (one, or each of an array) normalized before validation (normalizeLanguageCode). */
export const LanguageCode = (): PropertyDecorator =>
  // In a list, the same language twice (fre and fra, SPA and spa) counts once, as state and facility codes do.
  Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? [...new Set(value.map(normalizeLanguageCode))] : normalizeLanguageCode(value)));

/**
 * Every ISO 639-3 code (SIL's table as the `iso-639-3` package ships it: ~7,900 individual languages, macrolanguages
 * and the special codes such as `und`). Three letters are not enough: `myn` or a typo would be stored, and routing would
 * then find no attorney who speaks it, with nothing to tell the volunteer why.
 */
const ISO_639_3: ReadonlyMap<string, string> = new Map(iso6393.map((language) => [language.iso6393, language.name]));
const FROM_639_1: ReadonlyMap<string, string> = new Map(Object.entries(iso6393To1).map(([three, two]) => [two, three]));

/** Codes people type that are not ISO 639-3 codes, and what to type instead, for the message. */
const NOT_LANGUAGE_CODES: Readonly<Record<string, string>> = {
  esp: 'spa (Spanish)',
  // ISO 639-2/5 codes of language families, not of a language.
  myn: "the language itself: Mayan languages have codes of their own, such as mam (Mam), quc (K'iche'), kjb (Q'anjob'al), cak (Kaqchikel), ixl (Ixil)",
  nah: 'the language itself: Nahuatl varieties have codes of their own, such as nhe (Eastern Huasteca Nahuatl), ngu (Guerrero Nahuatl), nch (Central Huasteca Nahuatl)',
  sai: 'the language itself: South American Indian languages have codes of their own, such as que (Quechua), aym (Aymara), grn (Guarani)',
  nai: 'the language itself: North American Indian languages have codes of their own',
};

/** A language's name as typed, for comparing: no accents, apostrophes or case ("K'iche'", "Español" → kiche, espanol). */
const nameKey = (name: string) =>
  name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s*\(.*\)/g, '').replace(/['’‘`´]/g, '').replace(/[-\s]+/g, ' ')
    .replace(/^(the |el |la |idioma |lengua )/, '').replace(/ (language|languages)$/, '').trim();

/**
 * Names volunteers type for the languages hotlines hear (in English and Spanish) that SIL's table spells otherwise,
 * and the code to send; or, for a family of languages, what to do instead.
 */
const LANGUAGE_NAME_CODES: Readonly<Record<string, string>> = {
  espanol: 'spa', castellano: 'spa', ingles: 'eng', portugues: 'por', frances: 'fra', aleman: 'deu', italiano: 'ita',
  'haitian creole': 'hat', kreyol: 'hat', 'kreyol ayisyen': 'hat', 'criollo haitiano': 'hat',
  quiche: 'quc', kiche: 'quc', kanjobal: 'kjb', akateko: 'knj', akatek: 'knj', kekchi: 'kek', qeqchi: 'kek', kakchiquel: 'cak',
  cakchiquel: 'cak', achi: 'acr', tzeltal: 'tzh', tzotzil: 'tzo', garifuna: 'cab', zapoteco: 'zap',
  arabe: 'ara', chino: 'zho', mandarin: 'cmn', cantonese: 'yue', cantones: 'yue', vietnamita: 'vie', ruso: 'rus',
  ucraniano: 'ukr', turco: 'tur', coreano: 'kor', japones: 'jpn', tagalo: 'tgl', pashto: 'pus', pastun: 'pus',
  punjabi: 'pan', farsi: 'fas', persa: 'fas', amharico: 'amh', tigrina: 'tir', somali: 'som', bengali: 'ben',
};
const FAMILY = (name: string) => `${name} is a family of languages`;
const CREOLES = 'Creole is the name of many languages (Haitian: hat; Cape Verdean: kea; Belize Kriol: bzj)';
const LANGUAGE_FAMILIES: Readonly<Record<string, string>> = {
  mixtec: FAMILY('Mixtec'), mixteco: FAMILY('Mixtec'), nahuatl: FAMILY('Nahuatl'), maya: FAMILY('Mayan'), mayan: FAMILY('Mayan'),
  chinantec: FAMILY('Chinantec'), chinanteco: FAMILY('Chinantec'), creole: CREOLES, criollo: CREOLES, kriol: CREOLES,
};
/**
 * The languages whose SIL names are known by name: those hotlines hear most. Not the whole table: thousands of its
 * names are short words that are also people's names (Kim, Ali...), and what someone typed in the wrong field is
 * answered with a code, never named back.
 */
const NAMED_LANGUAGES = [
  'spa', 'eng', 'por', 'fra', 'hat', 'mam', 'quc', 'kjb', 'cak', 'ixl', 'acr', 'tzh', 'tzo', 'jac', 'kek', 'knj', 'poh', 'usp',
  'yua', 'cab', 'zap', 'que', 'aym', 'grn', 'ara', 'rus', 'ukr', 'zho', 'cmn', 'yue', 'vie', 'hin', 'pan', 'urd', 'ben', 'nep',
  'prs', 'fas', 'tur', 'tir', 'amh', 'som', 'swa', 'wol', 'lin', 'kor', 'tgl', 'fil', 'deu', 'ita', 'jpn', 'ron', 'pol', 'hye',
  'kat', 'uzb', 'kaz', 'tam', 'tel', 'guj', 'mar', 'ful', 'bam', 'aka', 'yor', 'ibo', 'hau', 'orm', 'kin', 'run', 'sqi', 'bul',
  'srp', 'hrv', 'bos', 'heb', 'khm', 'lao', 'mya', 'tha', 'ind', 'msa', 'mon', 'bod', 'kur', 'mal', 'kan', 'sin',
];
const LANGUAGE_BY_NAME: ReadonlyMap<string, string> = new Map([
  ...NAMED_LANGUAGES.map((code): [string, string] => [nameKey(ISO_639_3.get(code) ?? code), code]),
  ...Object.entries(LANGUAGE_NAME_CODES),
]);

/** What to say of a language's name typed for its code (not repeating what was typed), or null for another value. */
function languageNameProblem(path: string, typed: string): string | null {
  const key = nameKey(typed);
  const family = LANGUAGE_FAMILIES[key];
  if (family) return `${path}: ${family}; send the ISO 639-3 code of the one the client speaks: find it at https://iso639-3.sil.org`;
  const code = LANGUAGE_BY_NAME.get(key);
  return code ? `${path}: send the language's ISO 639-3 code, not its name: ${code} (${ISO_639_3.get(code)})` : null;
}

/** What to say of a code that is not one, or null when it is one. */
function languageCodeProblem(path: string, code: unknown, many: boolean): string | null {
  const codes = many ? 'ISO 639-3 language codes' : 'an ISO 639-3 language code';
  if (typeof code !== 'string') return `${path} must be ${codes} (three letters) such as spa, mam or quc`;
  if (NOT_LANGUAGE_CODES[code]) return `${path}: ${code} is not an ISO 639-3 code; did you mean ${NOT_LANGUAGE_CODES[code]}?`;
  const three = FROM_639_1.get(code);
  if (three) return `${path}: ${code} is a two-letter code; the ISO 639-3 code is ${three} (${ISO_639_3.get(three)})`;
  const named = ISO_639_3.has(code) ? null : languageNameProblem(path, code);
  if (named) return named;
  if (!/^[a-z]{3}$/.test(code)) return `${path} must be ${codes} (three letters) such as spa, mam or quc`;
  if (!ISO_639_3.has(code)) return `${path}: ${code} is not an ISO 639-3 code; find the language's code at https://iso639-3.sil.org (spa, mam, quc…)`;
  return null;
}

/** An ISO 639-3 code (after LanguageCode), one of SIL's table, not a look-alike such as `esp` or a family such as `myn`. */
export const IsLanguageCode = (path: string, options?: ValidationOptions & { list?: boolean }): PropertyDecorator => (target, propertyName) =>
  registerDecorator({
    name: 'isLanguageCode',
    target: target.constructor,
    propertyName: propertyName as string,
    options: {
      message: ({ value }) => {
        const codes = (Array.isArray(value) ? value : [value]) as unknown[];
        return codes.map((code) => languageCodeProblem(path, code, options?.list ?? Array.isArray(value))).find((problem) => problem !== null) ?? `${path} is not valid`;
      },
      ...options,
    },
    validator: {
      validate: (value: unknown) => (Array.isArray(value) ? value : [value]).every((code) => languageCodeProblem(path, code, true) === null),
    },
  });
