import { numberText } from '@amparo/common';
// Normalizers feed the blind indexes: two spellings of the same value must give the same string, or an
// exact-match lookup misses. They return null for input that cannot be a valid value (never index garbage).

/**
 * Alien registration number → 9 ASCII digits. Accepts an optional "A" prefix and spaces, hyphens or dots:
 * "A123-456-789", "a 12345678", "123456789". Shorter numbers (7 or 8 digits, issued before the 9-digit series)
 * are zero-padded to 9, as USCIS form instructions say. All zeros is invalid.
 */
export function normalizeANumber(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const match = /^(?:A[\s\-.#:]*)?([\d][\d\s\-.]*)$/i.exec(numberText(input).trim());
  if (!match) return null;
  const digits = match[1].replace(/[\s\-.]/g, '');
  if (!/^\d{7,9}$/.test(digits)) return null;
  const nine = digits.padStart(9, '0');
  return /^0+$/.test(nine) ? null : nine;
}

/**
 * Phone number → E.164 ("+15125550123"). Country code handling:
 * - "+<cc>…", "00<cc>…" and "011<cc>…" (the US international prefix) are international as written.
 * - Otherwise a 10-digit number, or 11 digits starting with 1, is taken as North American (+1): most callers
 *   dial from the US. Any other national number without a country code is ambiguous → null.
 * - +1 numbers must be valid NANP (area code and exchange start with 2-9). Others: 7 to 15 digits (E.164).
 * An extension ("x12", "ext. 12") is dropped: the index is for the line, not the desk.
 */
export function normalizePhone(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const text = numberText(input)
    .trim()
    .replace(/\s*(?:ext\.?|x|#)\s*\d{1,6}$/i, '');
  if (!/^\+?[\d\s().\-/]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  const international = internationalDigits(text.startsWith('+'), digits);
  if (international === null || !/^[1-9]\d{6,14}$/.test(international)) return null;
  if (international.startsWith('1') && !/^1[2-9]\d{2}[2-9]\d{6}$/.test(international)) return null;
  return `+${international}`;
}

function internationalDigits(hasPlus: boolean, digits: string): string | null {
  if (hasPlus) return digits;
  if (digits.startsWith('011')) return digits.slice(3);
  if (digits.startsWith('00')) return digits.slice(2);
  if (digits.length === 10) return `1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return digits;
  return null;
}

// Latin letters that NFKD does not decompose into a base letter plus a mark; the Greek final sigma, a sigma.
const FOLD: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', ł: 'l', þ: 'th', ı: 'i', ħ: 'h', ς: 'σ',
};

/**
 * The combining marks that are accents, dropped from a name: the diacritics of Latin, Greek and Cyrillic letters (the
 * combining diacritical blocks), and the vowel points of Hebrew, Arabic and Syriac, which are often left out in writing. Other
 * scripts' marks are letters of the name, kept: a Devanagari or Tamil vowel sign or virama, a Thai vowel, the kana
 * voicing mark (राम is not रम, が is not か).
 */
const ACCENT_MARKS = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0730-\u074a\u0898-\u089f\u08ca-\u08ff]/u;

/**
 * Apostrophes and the letters and signs typed for one: the modifier-letter apostrophe and turned comma (the ʻokina of
 * Hawaiian, Samoan and Tongan names, as iOS keyboards type it), the half rings of transliterated Arabic (ʿAbd), the
 * saltillo of Mesoamerican spellings, a prime, a reversed quotation mark. "Tuʻilagi" is "Tu'ilagi" is "Tuilagi".
 */
const APOSTROPHES = /['‘’‛ʼʻʽʾʿꞋꞌ′`´]/g;

/**
 * Invisible format characters (a zero-width space or joiner, a soft hyphen, a direction mark, pasted inside a name),
 * the code points meant to show nothing (an emoji's variation selector, the Hangul fillers) and the Arabic tatweel,
 * which only stretches a word: none is part of the name, nor a break between its words.
 */
const INVISIBLE = /[\p{Cf}\p{DI}\u0640]/gu;

/**
 * One Arabic-script letter, whichever phone keyboard typed it: the Persian and Urdu yeh (and the Urdu yeh barree) and
 * keheh, the alef maksura, the teh marbuta (and Urdu's heh goal and teh marbuta goal), as the Arabic yeh, kaf and heh
 * they are written for in names across them.
 */
const ARABIC_SCRIPT_FOLD: Record<string, string> = {
  '\u06cc': '\u064a', '\u06d2': '\u064a', '\u0649': '\u064a', '\u06a9': '\u0643', '\u0629': '\u0647', '\u06c1': '\u0647', '\u06c3': '\u0647',
};

/**
 * A person's name for matching: invisible characters dropped (INVISIBLE), NFKD, accents removed ("Peña" → "pena"),
 * lowercased, apostrophes dropped ("O'Brien" → "obrien"), hyphens, punctuation and whitespace runs collapsed to one
 * space ("García-López" → "garcia lopez"). Other scripts keep their letters and the marks that are part of them
 * (ACCENT_MARKS); Arabic-script letters that differ only by keyboard are one (ARABIC_SCRIPT_FOLD). No letter or
 * digit → null.
 */
export function normalizePersonName(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const name = input
    .replace(INVISIBLE, '')
    // An acute accent typed as an apostrophe (O´Brien, D´Angelo on a Spanish keyboard) before NFKD makes it a space and
    // a mark; a full-width apostrophe only becomes one by NFKD (below).
    .replace(APOSTROPHES, '')
    .normalize('NFKD')
    // Again: a presentation form (a tatweel with a vowel mark, ﹱ) only becomes a tatweel by NFKD.
    .replace(INVISIBLE, '')
    .replace(/\p{M}/gu, (mark) => (ACCENT_MARKS.test(mark) ? '' : mark))
    .toLowerCase()
    .replace(/[ßæœøđðłþıħς]/g, (c) => FOLD[c])
    .replace(/[\u06cc\u06d2\u0649\u06a9\u0629\u06c1\u06c3]/g, (c) => ARABIC_SCRIPT_FOLD[c])
    .replace(APOSTROPHES, '')
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, ' ')
    .trim()
    // Marks kept on either side of something removed (an apostrophe, an accent) are put back in their canonical order:
    // the same name typed again would otherwise give another string (and a stored index no correction could match).
    .normalize('NFKD');
  return /[\p{L}\p{N}]/u.test(name) ? name : null;
}

/**
 * What ICE and other records write for a name a person does not have (first name unknown, no last name...): no name.
 * "FNU / Ixchel" is Ixchel, typed as a mononym.
 */
const NAME_PLACEHOLDERS = new Set(['fnu', 'lnu', 'nfn', 'nln']);

/** A name for matching (normalizePersonName), a placeholder for none being none. */
function personName(input: string | null | undefined): string | null {
  const name = normalizePersonName(input);
  return name === null || NAME_PLACEHOLDERS.has(name) ? null : name;
}

/**
 * "last|first|yyyy-mm-dd" for duplicate checks. The last name and a valid calendar date of birth (YYYY-MM-DD)
 * are required; the first name may be empty. "|" cannot occur inside a normalized name, so the form is unambiguous.
 */
export function normalizeNameDob(
  firstName?: string | null,
  lastName?: string | null,
  dateOfBirth?: string | null,
): string | null {
  const last = personName(lastName);
  const dob = normalizeDate(dateOfBirth);
  if (last === null || dob === null) return null;
  return `${last}|${personName(firstName) ?? ''}|${dob}`;
}

/**
 * "tokens|yyyy-mm-dd" for duplicate checks whatever the order or split of the names: the words of the first and last
 * names together, normalized, sorted. "Núñez García / María José", "María José / Núñez García", "María / José Núñez
 * García" and the whole name typed as the last name are one person born that day. A name of one word (a mononym) is
 * taken; a valid calendar date of birth is required.
 */
export function normalizeNameTokensDob(
  firstName?: string | null,
  lastName?: string | null,
  dateOfBirth?: string | null,
): string | null {
  const names = normalizePersonName([firstName, lastName].filter((n) => typeof n === 'string' && personName(n) !== null).join(' '));
  const dob = normalizeDate(dateOfBirth);
  if (names === null || dob === null) return null;
  return `${names.split(' ').sort().join(' ')}|${dob}`;
}

/** Words of a family name that are not the name itself (de la Cruz, van der Berg, al-Hassan, dos Santos). */
const SURNAME_PARTICLES = new Set([
  'de', 'del', 'della', 'la', 'las', 'los', 'le', 'les', 'y', 'e', 'i', 'da', 'das', 'do', 'dos', 'di', 'du', 'van', 'von',
  'der', 'den', 'ten', 'ter', 'al', 'el', 'bin', 'ibn',
]);

/**
 * Words that begin the given names of many people and so tell nobody apart: the Vietnamese middle names Thị and Văn
 * ("Thị Mai", "Văn Minh"), and Md., Mohd. and Muhammad before a Bangladeshi or Pakistani given name. Skipped while
 * another word follows.
 */
const COMMON_GIVEN_WORDS = new Set(['thi', 'van', 'md', 'mohd', 'muhammad', 'mohammad', 'mohammed', 'muhammed']);

/** Family-name words shared by whole communities (Singh, Kaur), skipped while another word follows. */
const COMMON_FAMILY_WORDS = new Set(['singh', 'kaur']);

/** Words that make a name with the next one: Abd al-Aziz is not Abd al-Rahman. */
const JOINED_WITH_NEXT = new Set(['abd', 'abdul', 'abdel', 'abu', 'umm', 'bint', 'ould']);

/** The first word of `words` that tells the person apart (see the sets above), joined with the next when it needs it. */
function distinctiveWord(words: string[], common: ReadonlySet<string>): string | undefined {
  const at = words.findIndex((word, i) => !common.has(word) || i === words.length - 1);
  if (at < 0) return undefined;
  const next = JOINED_WITH_NEXT.has(words[at]) ? words.slice(at + 1).find((word) => !SURNAME_PARTICLES.has(word)) : undefined;
  return next === undefined ? words[at] : `${words[at]}${next}`;
}

/**
 * "first|last|yyyy-mm-dd" for duplicate checks when a name was typed shorter: the first word of the first name and the
 * first word of the last name that is not a particle. "María José / Núñez García", "María / Núñez" and "María José /
 * Núñez" are one person born that day (a second given name or the second surname left out, as Spanish-language
 * intake often does). Words that tell nobody apart are passed over (COMMON_GIVEN_WORDS, COMMON_FAMILY_WORDS): two
 * Nguyễn women born on 1 January, "Thị Mai" and "Thị Lan", are not one person. Both names and a valid date of birth are
 * required.
 */
export function normalizeNameShortDob(
  firstName?: string | null,
  lastName?: string | null,
  dateOfBirth?: string | null,
): string | null {
  // Words with a letter or digit: a mark kept alone between spaces (a Devanagari vowel sign typed apart) is no name.
  // A placeholder among the words ("FNU Ruiz") is none of them: the key must read the same from its own parts again.
  const words = (name: string | null | undefined) =>
    normalizePersonName(name)?.split(' ').filter((word) => /[\p{L}\p{N}]/u.test(word) && !NAME_PLACEHOLDERS.has(word)) ?? [];
  const first = distinctiveWord(words(firstName), COMMON_GIVEN_WORDS);
  const last = distinctiveWord(words(lastName).filter((word) => !SURNAME_PARTICLES.has(word)), COMMON_FAMILY_WORDS);
  const dob = normalizeDate(dateOfBirth);
  if (!first || !last || dob === null) return null;
  return `${first}|${last}|${dob}`;
}

function normalizeDate(input: string | null | undefined): string | null {
  if (typeof input !== 'string') return null;
  const text = input.trim();
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  const real = date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? text : null;
}
