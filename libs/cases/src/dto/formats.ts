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

/** What people write for "nothing", in English and Spanish, read without case, accents or punctuation. */
const NOTHING = new Set([
  'none', 'no', 'n a', 'na', 'nil', 'nothing', 'none known', 'none reported', 'none stated', 'no known', 'nothing known',
  'not known', 'unknown', 'clean', 'x', '0', 'no record', 'no records', 'no criminal record', 'no criminal records',
  'no criminal history', 'no history', 'no arrest', 'no arrests', 'no convictions', 'no conviction', 'no priors',
  'ninguno', 'ninguna', 'nada', 'no tiene', 'no hay', 'no sabe', 'desconocido', 'sin antecedentes', 'sin antecedentes penales',
  'no tiene antecedentes', 'no tiene record', 'sin record', 'sin historial', 'ningun antecedente',
]);

function words(value: string): string {
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** Words that deny or doubt ("never", "no sé", "unsure"): a phrase says "nothing" only with one of them. */
const DENIES = new Set([
  'no', 'none', 'not', 'nothing', 'nil', 'never', 'unknown', 'don', 'doesn', 'didn', 'dont', 'doesnt', 'unsure', 'clean',
  'ninguno', 'ninguna', 'ningun', 'nada', 'nunca', 'sin', 'desconocido', 'desconocida', 'nadie',
]);
/** An arrest or a conviction: before any denial ("arrested, not convicted"), a phrase tells of one. */
const CHARGES = new Set([
  'arrest', 'arrests', 'arrested', 'conviction', 'convictions', 'convicted', 'priors', 'charge', 'charges', 'charged',
  'arrestado', 'arrestada', 'detenido', 'detenida', 'condena', 'condenas', 'condenado', 'condenada', 'cargos',
]);
/** The other words such a phrase is made of: what it is about, and who says so. */
const ABOUT = new Set([
  'known', 'know', 'knows', 'knew', 'i', 'that', 'of', 'any', 'the', 'a', 'n', 'to', 'be', 'has', 'have', 'had', 'been',
  'ever', 'is', 'are', 't', 'criminal', 'record', 'records', 'history', 'reported', 'stated', 'caller', 'client', 'says',
  'said', 'per', 'sure', 'as', 'far', 'se', 'sabe', 'saben', 'que', 'sepa', 'sepan', 'conocido', 'conocidos', 'conocida',
  'tiene', 'tenia', 'hay', 'ha', 'sido', 'antecedentes', 'antecedente', 'penales', 'penal', 'historial', 'el', 'ella', 'la',
  'lo', 'dice', 'cliente', 'seguro', 'segura', 'de', 'algun', 'alguno',
]);

/**
 * Whether a phrase only says there is nothing, or that nothing is known ("never arrested", "no sé", "N/A"): a denial,
 * no word but those above, and no arrest or conviction told before the denial ("arrested (no conviction)" is a
 * history). A form-style label ("Arrests: none", "Criminal history: unknown") is read by what follows it.
 */
function saysNothing(phrase: string): boolean {
  const parts = phrase.split(':');
  const label = parts.slice(0, -1).flatMap((part) => words(part).split(' ').filter(Boolean));
  const isLabel = parts.length > 1 && label.every((t) => ABOUT.has(t) || CHARGES.has(t));
  const read = words(isLabel ? parts[parts.length - 1] : phrase);
  if (NOTHING.has(read)) return true;
  const tokens = read.split(' ').filter(Boolean);
  const firstDenial = tokens.findIndex((t) => DENIES.has(t));
  return firstDenial >= 0
    && !tokens.slice(0, firstDenial).some((t) => CHARGES.has(t))
    && tokens.every((t) => DENIES.has(t) || ABOUT.has(t) || CHARGES.has(t));
}

/**
 * Not a word for "nothing" (`none`, `N/A`, `ninguno`, "never arrested", "no sé", "not that I know of"...). A criminal
 * history that is written down counts as one (it raises the bond-eligibility flag, INA 236(c)): "none" would flag a
 * case that has none, and so would a dash or a question mark (text with no letter or digit). Each phrase of the text
 * (between commas, semicolons, or a spaced dash or slash) must say nothing for the text to: "prior arrest, no
 * conviction" is a history, "Arrests: none; Convictions: none" is not. Spaces alone are nothing recorded (stored as NULL).
 */
export const IsNotNothing = format('isNotNothing', (value) => {
  if (typeof value !== 'string' || value.trim() === '') return true;
  // Any script counts as writing ("Кража", "盗窃罪"); only the Latin words above can say "nothing".
  if (!/[\p{L}\p{N}]/u.test(value)) return false;
  const phrases = value.split(/[,;]|\s[-\u2013\u2014/]\s|\.\s/).filter((phrase) => /[\p{L}\p{N}]/u.test(phrase));
  return !phrases.every(saysNothing);
});
