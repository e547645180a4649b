import { ValidationOptions, registerDecorator } from 'class-validator';
import { numberText } from '@amparo/common';
import { normalizeANumber } from '@amparo/crypto';

function format(name: string, validate: (value: unknown) => boolean) {
  return (options?: ValidationOptions): PropertyDecorator => (target, propertyName) =>
    registerDecorator({ name, target: target.constructor, propertyName: propertyName as string, options, validator: { validate } });
}

/** An A-number that normalizeANumber reads (and so indexes): 7 to 9 digits, optional A and separators, not all zeros. */
export const IsANumber = format('isANumber', (value) => typeof value === 'string' && value.length <= 32 && normalizeANumber(value) !== null);

const EXTENSION = /\s*(?:ext\.?|x|#)\s*\d{1,6}$/i;

/**
 * A phone number as people write it: digits with + ( ) . / - and spaces, at least 5 digits before any extension
 * ("ext 12", "x12", "#12"), up to 30 characters. Stored as typed (encrypted); the duplicate check reads it with
 * normalizePhone, and a national number it cannot place (no country code) is still worth keeping to call back.
 */
export const IsPhone = format('isPhone', (value) => {
  if (typeof value !== 'string' || value.length > 40) return false;
  const number = numberText(value).trim().replace(EXTENSION, '');
  return number.length <= 30 && /^[0-9+().\/\s-]+$/.test(number) && number.replace(/\D/g, '').length >= 5;
});

/** What people write for "nothing", read without case, accents or punctuation (a whole clause). */
const NOTHING = new Set([
  'none', 'no', 'na', 'nil', 'nothing', 'unknown', 'clean', 'x', '0', 'ninguno', 'ninguna', 'nada', 'desconocido',
  'no tiene', 'no hay', 'no sabe', 'sin record', 'sin historial', 'nenhum', 'nenhuma', 'nao', 'aucun', 'aucune', 'rien',
  'neant', 'non', 'okenn', 'pa genyen',
]);

/** Words that deny or doubt ("never", "no sé", "unsure"), in the languages volunteers type in. */
const DENIES = new Set([
  'no', 'none', 'not', 'nothing', 'nil', 'never', 'unknown', 'don', 'doesn', 'didn', 'dont', 'doesnt', 'unsure', 'clean',
  'denies', 'deny', 'denied', 'na',
  'ninguno', 'ninguna', 'ningun', 'nada', 'nunca', 'sin', 'desconocido', 'desconocida', 'nadie', 'niega',
  'nenhum', 'nenhuma', 'nao', 'sem', 'aucun', 'aucune', 'rien', 'neant', 'non', 'jamais', 'sans', 'okenn', 'pa', 'janm',
  'nope', 'desconoce', 'limpio', 'limpia', 'vierge', '0', 'pas',
]);
/** An arrest, a charge or a conviction: one no denial speaks of makes the text a history ("arrested, not convicted"). */
const CHARGES = new Set([
  'arrest', 'arrests', 'arrested', 'conviction', 'convictions', 'convicted', 'priors', 'charge', 'charges', 'charged',
  'arrestado', 'arrestada', 'arrestos', 'detenido', 'detenida', 'detenciones', 'detencion', 'condena', 'condenas',
  'condenado', 'condenada', 'cargos', 'preso', 'presa', 'prisao', 'condenacao', 'arrete', 'arretee', 'arrestation',
  'condamnation', 'condamne', 'arete', 'kondane', 'preso', 'arrested',
]);
/** Words that join two charges one denial speaks of ("no arrests or convictions", "ni condenado"). */
const JOINS = new Set(['or', 'and', 'nor', 'ni', 'o', 'y', 'ou', 'et']);
/** The other words such a clause is made of: what it is about, and who says so. */
const ABOUT = new Set([
  'known', 'know', 'knows', 'knew', 'i', 'that', 'of', 'any', 'the', 'a', 'to', 'be', 'has', 'have', 'had', 'been', 'ever',
  'is', 'are', 't', 'at', 'all', 'my', 'knowledge', 'criminal', 'record', 'records', 'history', 'reported', 'stated',
  'caller', 'client', 'says', 'said', 'per', 'sure', 'as', 'far', 'prior',
  'se', 'sabe', 'saben', 'que', 'sepa', 'sepan', 'conocido', 'conocidos', 'conocida', 'tiene', 'tenia', 'hay', 'ha', 'sido',
  'antecedentes', 'antecedente', 'penales', 'penal', 'historial', 'el', 'ella', 'la', 'lo', 'dice', 'cliente', 'seguro',
  'segura', 'de', 'algun', 'alguno', 'criminales',
  'criminais', 'casier', 'judiciaire', 'criminels', 'genyen', 'gen', 'dosye', 'kriminel',
  'does', 'do', 'previous', 'states', 'background', 'applicable', 'report', 'time', 'this', 'in',
  'yo', 'estado', 'delictivo', 'consta', 'sei', 'tem', 'foi', 'registro',
  'd', 'antecedents', 'ne', 'sais', 'je', 'signaler', 'a', 'konnen', 'mwen', 'li',
]);
/** The longest criminal history taken (the DTO's MaxLength); a longer text is refused by it, not read here. */
export const CRIMINAL_HISTORY_MAX = 5000;

/** Between a question or a label and its answer ("Arrested? No", "Arrests: none", "Arrests - none"). */
const MARK = '|';

/** The words of a text, without case or accents (full-width letters read as ASCII); words of any script are kept. */
function words(value: string): string {
  return value.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^\p{L}\p{N}|]+/gu, ' ').trim();
}

/**
 * Whether a clause only says there is nothing, or that nothing is known ("never arrested", "no sé", "Arrests: none",
 * "Arrested? No"): every word is one of those above, a denial is there (or it is a bare label, "Criminal history:"), and
 * every arrest, charge or conviction is one a denial speaks of. A denial speaks of the charge after it ("no
 * conviction", "nunca ha sido arrestado", and what "or"/"ni" join to it), or, with none after it, of the one before
 * it ("arrests none", "convictions unknown"); right after a label's mark, of the label ("Arrests: none"). So "arrested
 * (no conviction)" and "detenido sin condena" are histories: the arrest is one no denial speaks of.
 */
function saysNothing(clause: string): boolean {
  const read = words(clause.replace(/\bn\s*\/\s*a\b/gi, 'na').replace(/[:?]|\s[-\u2013\u2014/]\s/g, ` ${MARK} `)).replace(/\bn a\b/g, 'na');
  const plain = read.replace(/\|/g, ' ').replace(/\s+/g, ' ').trim();
  if (NOTHING.has(plain)) return true;
  const tokens = read.split(' ').filter(Boolean);
  const known = (t: string) => t === MARK || DENIES.has(t) || CHARGES.has(t) || ABOUT.has(t) || JOINS.has(t);
  if (!tokens.every(known)) return false;
  const charges = tokens.flatMap((t, i) => (CHARGES.has(t) ? [i] : []));
  // Without a denial: a bare label ("Criminal history:") or who says so ("as far as I know", "per caller"), with no
  // charge told, is nothing; a charge is a history.
  if (!tokens.some((t) => DENIES.has(t))) return charges.length === 0;
  const spoken = new Set<number>();
  // The latest charge not yet spoken of, before `i` (a denial with no charge after it speaks of it).
  let unspoken: number[] = [];
  tokens.forEach((t, i) => {
    if (CHARGES.has(t)) unspoken.push(i);
    if (!DENIES.has(t)) return;
    if (tokens[i - 1] === MARK) {
      // The answer to a label: of every charge of that label (between the mark before it and this one).
      const start = tokens.lastIndexOf(MARK, i - 2) + 1;
      const label = charges.filter((c) => c >= start && c < i - 1);
      if (label.length > 0) {
        for (const c of label) spoken.add(c);
        unspoken = unspoken.filter((c) => !spoken.has(c));
        return;
      }
    }
    // Forward: the next charge (past words of no weight), and those "or"/"ni" join right to it.
    let j = i + 1;
    while (j < tokens.length && ABOUT.has(tokens[j])) j++;
    if (j < tokens.length && CHARGES.has(tokens[j])) {
      spoken.add(j);
      for (let k = j + 1; k + 1 < tokens.length && JOINS.has(tokens[k]) && CHARGES.has(tokens[k + 1]); k += 2) spoken.add(k + 1);
      return;
    }
    const back = unspoken.pop();
    if (back !== undefined) spoken.add(back);
  });
  return charges.every((c) => spoken.has(c));
}

/**
 * Not a word for "nothing" (`none`, `N/A`, `ninguno`, "never arrested", "no sé", "not that I know of", "Arrests: none;
 * Convictions: none"...). A criminal history that is written down counts as one (it raises the bond-eligibility flag,
 * INA 236(c)): "none" would flag a case that has none, and so would a dash or a question mark (text with no letter or
 * digit). Each clause of the text (between commas, semicolons, lines or sentences) must say nothing for the text to
 * (saysNothing): "prior arrest, no conviction" is a history. Words it does not know make a history: any script counts
 * as writing ("Кража", "盗窃罪"). Spaces alone are nothing recorded (stored as NULL).
 */
export const IsNotNothing = format('isNotNothing', (value) => {
  // Longer than a history may be (its MaxLength refuses it): not read, so a huge body costs nothing here.
  if (typeof value !== 'string' || value.trim() === '' || value.length > CRIMINAL_HISTORY_MAX) return true;
  if (!/[\p{L}\p{N}]/u.test(value)) return false;
  const clauses = value.split(/[,;\n]|\.\s/).filter((clause) => /[\p{L}\p{N}]/u.test(clause));
  return !clauses.every(saysNothing);
});

/** What a volunteer who typed a facility's name, not its code, is told: where to find the code. */
export const FACILITY_CODE_HINT = 'its letters and digits, such as HOUICDF: find it by name or city with GET /api/facilities?q=';
