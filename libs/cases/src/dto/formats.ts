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
]);
/** An arrest, a charge or a conviction: one no denial speaks of makes the text a history ("arrested, not convicted"). */
const CHARGES = new Set([
  'arrest', 'arrests', 'arrested', 'conviction', 'convictions', 'convicted', 'priors', 'charge', 'charges', 'charged',
  'arrestado', 'arrestada', 'arrestos', 'detenido', 'detenida', 'detenciones', 'detencion', 'condena', 'condenas',
  'condenado', 'condenada', 'cargos', 'preso', 'presa', 'prisao', 'condenacao', 'arrete', 'arretee', 'arrestation',
  'condamnation', 'condamne', 'arete', 'kondane',
]);
/** Words that join two charges one denial speaks of ("no arrests or convictions", "ni condenado"). */
const JOINS = new Set(['or', 'and', 'nor', 'ni', 'o', 'y', 'ou', 'et', 'ni']);
/** The other words such a clause is made of: what it is about, and who says so. */
const ABOUT = new Set([
  'known', 'know', 'knows', 'knew', 'i', 'that', 'of', 'any', 'the', 'a', 'to', 'be', 'has', 'have', 'had', 'been', 'ever',
  'is', 'are', 't', 'at', 'all', 'my', 'knowledge', 'criminal', 'record', 'records', 'history', 'reported', 'stated',
  'caller', 'client', 'says', 'said', 'per', 'sure', 'as', 'far', 'prior',
  'se', 'sabe', 'saben', 'que', 'sepa', 'sepan', 'conocido', 'conocidos', 'conocida', 'tiene', 'tenia', 'hay', 'ha', 'sido',
  'antecedentes', 'antecedente', 'penales', 'penal', 'historial', 'el', 'ella', 'la', 'lo', 'dice', 'cliente', 'seguro',
  'segura', 'de', 'algun', 'alguno', 'criminales',
  'criminais', 'casier', 'judiciaire', 'criminels', 'genyen', 'gen', 'dosye', 'kriminel',
]);
/** Between a question or a label and its answer ("Arrested? No", "Arrests: none", "Arrests - none"). */
const MARK = '|';

function words(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9|]+/g, ' ').trim();
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
  const read = words(clause.replace(/[:?]|\s[-\u2013\u2014/]\s/g, ` ${MARK} `)).replace(/\bn a\b/g, 'na');
  const plain = read.replace(/\|/g, ' ').replace(/\s+/g, ' ').trim();
  if (NOTHING.has(plain)) return true;
  const tokens = read.split(' ').filter(Boolean);
  const known = (t: string) => t === MARK || DENIES.has(t) || CHARGES.has(t) || ABOUT.has(t) || JOINS.has(t);
  if (!tokens.every(known)) return false;
  const charges = tokens.flatMap((t, i) => (CHARGES.has(t) ? [i] : []));
  if (!tokens.some((t) => DENIES.has(t))) {
    // A bare label ("Criminal history:"), with nothing told: nothing.
    return charges.length === 0 && tokens[tokens.length - 1] === MARK;
  }
  const spoken = new Set<number>();
  tokens.forEach((t, i) => {
    if (!DENIES.has(t)) return;
    const previous = () => charges.filter((c) => c < i && !spoken.has(c)).pop();
    if (tokens[i - 1] === MARK) {
      const label = charges.filter((c) => c < i - 1).pop();
      if (label !== undefined) {
        spoken.add(label);
        return;
      }
    }
    // Forward: the next charge before another denial or mark, and those "or"/"ni" join to it.
    let j = i + 1;
    while (j < tokens.length && ABOUT.has(tokens[j])) j++;
    if (j < tokens.length && CHARGES.has(tokens[j])) {
      spoken.add(j);
      for (let k = j + 1; k + 1 < tokens.length && JOINS.has(tokens[k]); k += 2) {
        let next = k + 1;
        while (next < tokens.length && ABOUT.has(tokens[next])) next++;
        if (!CHARGES.has(tokens[next])) break;
        spoken.add(next);
        k = next - 1;
      }
      return;
    }
    const back = previous();
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
  if (typeof value !== 'string' || value.trim() === '') return true;
  if (!/[\p{L}\p{N}]/u.test(value)) return false;
  const clauses = value.split(/[,;\n]|\.\s/).filter((clause) => /[\p{L}\p{N}]/u.test(clause));
  return !clauses.every(saysNothing);
});
