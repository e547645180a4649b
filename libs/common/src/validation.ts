import { ArgumentMetadata, HttpStatus, ParseUUIDPipe, PipeTransform, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError, FieldErrors } from './domain-error';

/** A field the route does not take. */
const UNKNOWN_FIELD = 'is not a known field';

/**
 * Flattens class-validator's tree into `{ "client.aNumber": ["..."] }`. A message that begins with the bare property
 * name (class-validator's own, and this project's decorators) begins with its dotted path instead: "client.dateOfBirth
 * must be...", not "dateOfBirth must be...", in a form with a caller's and a client's fields.
 */
export function flattenValidationErrors(errors: ValidationError[], prefix = ''): FieldErrors {
  const fields: FieldErrors = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) {
      // Two rules may say the same thing (a required object's own check and its nested validation): once.
      // Merged with what is there: a key sent with a dot in its name ("consent.shareWithAttorney") shares its path
      // with the nested field it spells, and each has its own messages.
      fields[path] = [...new Set([...(fields[path] ?? []), ...Object.entries(error.constraints).map(([rule, message]) =>
        rule === 'whitelistValidation' ? UNKNOWN_FIELD
          : path !== error.property && message.startsWith(`${error.property} `) ? `${path}${message.slice(error.property.length)}` : message,
      )])];
    }
    if (error.children?.length) {
      for (const [child, messages] of Object.entries(flattenValidationErrors(error.children, path))) {
        fields[child] = [...new Set([...(fields[child] ?? []), ...messages])];
      }
    }
  }
  return fields;
}

export function validationFailed(fields: FieldErrors): DomainError {
  const names = Object.keys(fields);
  const summary = names.length === 1 ? `Invalid field: ${names[0]}` : `Invalid fields: ${names.join(', ')}`;
  return new DomainError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', summary, fields);
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/**
 * `toString`, `valueOf`, `hasOwnProperty`...: the transformer skips a key whose value on the new DTO is already a
 * function (inherited from Object.prototype), so the whitelist never saw it and it was dropped without a word.
 */
const INHERITED_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype).filter((name) => !FORBIDDEN_KEYS.has(name)));
// Text that cannot be encoded as UTF-8 would be silently altered on the way to storage (or refused by encryption);
// PostgreSQL's text and jsonb cannot hold a NUL character at all.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const MAX_JSON_DEPTH = 16;
/**
 * No route takes a list longer than 200 (an attorney's facilities) or an object of more than a few dozen fields: the
 * validator would check every element and name every unknown field one by one (a body of 87,000 empty objects held
 * the event loop for 4 s and answered 22 MB of errors). Refused first, by size.
 */
export const MAX_JSON_ARRAY = 500;
export const MAX_JSON_KEYS = 100;

/**
 * JSON.parse keeps `__proto__` as an own key, which the validator would not flag and a later spread or merge could
 * turn into prototype pollution; very deep nesting can exhaust the stack of recursive transformers; a huge list or
 * object costs the validator time and memory in proportion. All are refused before anything else looks at the body.
 */
export function assertSafeJson(value: unknown, root: 'body' | 'query' = 'body'): void {
  const stack: { node: unknown; path: string; depth: number }[] = [{ node: value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { node, path, depth } = stack.pop()!;
    if (typeof node === 'string' && LONE_SURROGATE.test(node)) {
      throw validationFailed({ [path || root]: ['contains invalid Unicode (a lone surrogate)'] });
    }
    if (typeof node === 'string' && node.includes('\u0000')) {
      throw validationFailed({ [path || root]: ['contains a NUL character (\\u0000), which text cannot hold'] });
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw validationFailed({ [path || root]: [`nests deeper than ${MAX_JSON_DEPTH} levels`] });
    const keys = Object.keys(node);
    if (Array.isArray(node) ? node.length > MAX_JSON_ARRAY : keys.length > MAX_JSON_KEYS) {
      throw validationFailed({ [path || root]: [Array.isArray(node) ? `has more than ${MAX_JSON_ARRAY} elements` : `has more than ${MAX_JSON_KEYS} fields`] });
    }
    for (const key of keys) {
      const child = path ? `${path}.${key}` : key;
      if (FORBIDDEN_KEYS.has(key)) throw validationFailed({ [child]: ['is not an allowed field name'] });
      if (INHERITED_NAMES.has(key)) throw validationFailed({ [child]: ['is not a known field'] });
      if (LONE_SURROGATE.test(key) || key.includes('\u0000')) throw validationFailed({ body: ['contains a field name with invalid Unicode or a NUL character'] });
      stack.push({ node: (node as Record<string, unknown>)[key], path: child, depth: depth + 1 });
    }
  }
}

/**
 * No query parameter is a list: one given twice (`?q=a&q=b`) arrives as an array, which every validator of the field
 * then refused in its own words ("q must be shorter than 100 characters" for two letters). One message instead.
 */
function assertSingleQueryValues(value: unknown, metadata: ArgumentMetadata): void {
  if (Array.isArray(value) && metadata.data) throw validationFailed({ [metadata.data]: [`${metadata.data} must be given once`] });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const repeated = Object.keys(value).filter((key) => Array.isArray((value as Record<string, unknown>)[key]));
  if (repeated.length > 0) throw validationFailed(Object.fromEntries(repeated.map((key) => [key, [`${key} must be given once`]])));
}

/**
 * A body's rule that spans fields ("firstName or lastName is required"), which no one field's decorator can say (an
 * optional field left out is not validated at all): a DTO class states it as a static `crossFieldErrors`, given the
 * body as sent. Its errors join the fields' own in one 400, so a form is corrected in one pass, not two.
 */
export interface CrossFieldRules {
  crossFieldErrors(body: unknown): FieldErrors;
}

function crossFieldErrors(value: unknown, metadata: ArgumentMetadata): FieldErrors {
  const rules = metadata.type === 'body' ? (metadata.metatype as Partial<CrossFieldRules> | undefined)?.crossFieldErrors : undefined;
  return typeof rules === 'function' ? rules(value) : {};
}

function mergeFieldErrors(first: FieldErrors, second: FieldErrors): FieldErrors {
  const merged: FieldErrors = { ...first };
  for (const [field, messages] of Object.entries(second)) merged[field] = [...new Set([...(merged[field] ?? []), ...messages])];
  return merged;
}

/** What a required field left out is, by the message of the rule that says its type (class-validator's own words). */
const MISSING_HINTS: ReadonlyArray<readonly [rule: RegExp, hint: string]> = [
  [/ must be an array$/, 'a list ([] for none)'],
  [/ must be a boolean value$/, 'true or false'],
  [/ must be an integer number$/, 'a whole number'],
  [/ must be a number conforming to the specified constraints$/, 'a number'],
];

/**
 * class-validator's words for a value of the wrong type, as someone who typed "true" or "5000" in quotes (or "yes")
 * can act on them: "needsInterpreter must be a boolean value" named a type, not what to send.
 */
const PLAIN_WORDS: ReadonlyArray<readonly [rule: RegExp, says: string]> = [
  [/ must be a boolean value$/, ' must be true or false (without quotes)'],
  [/ must be an integer number$/, ' must be a whole number (digits, without quotes)'],
  [/ must be a number conforming to the specified constraints$/, ' must be a number (digits, without quotes)'],
];

function inPlainWords(message: string): string {
  const found = PLAIN_WORDS.find(([rule]) => rule.test(message));
  return found ? message.replace(found[0], found[1]) : message;
}

/** class-validator's words for a value of the wrong type: a list or an object expected, then a string, number or boolean. */
const CONTAINER_TYPE = / must be an (array|object)$/;
const VALUE_TYPE = / must be a string$| must be a boolean value$| must be an integer number$| must be a number conforming to the specified constraints$/;
const WHOLE_NUMBER = / must be an integer number$/;

/**
 * A value of the wrong type is told its type alone: the rules of its length or range read as false, and at odds with
 * one another, of a value that has none ("reason must be shorter than or equal to 500 characters" and "must be at
 * least 10 characters" for the number 5). A list expected and something else sent: said alone (not that each of its
 * entries must be a string). Entries of a list keep every rule they fail: one may be a number, another too long.
 */
function typeFirst(messages: string[], sent: unknown): string[] {
  for (const type of [CONTAINER_TYPE, VALUE_TYPE]) {
    // Not a list's entries' ("each value in codes must be a string"): another entry may be too long. Nor a whole number
    // asked of a number with a fraction: it has a range (600.5 is also over 500), said too, so one answer mends both.
    const said = messages.filter((m) => type.test(m) && !m.startsWith('each value in ') && !(typeof sent === 'number' && WHOLE_NUMBER.test(m)));
    if (said.length > 0) return said;
  }
  return messages;
}

/** The value at the dotted `path` of the body or query as sent (undefined when it is not there). */
function sentValue(raw: unknown, path: string): unknown {
  let node = raw;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Whether the dotted `path` names something in the body or query as sent (`null` counts: it was sent; JSON has no undefined). */
function isSent(raw: unknown, path: string): boolean {
  return sentValue(raw, path) !== undefined;
}

/**
 * The rules of a value sent, which say nothing to someone who sent none: its bounds, its length, its type as text, a
 * list's entries (each a string, no two alike).
 */
const VALUE_RULES = / must not be (less|greater) than -?[\d.]+$| must contain no more than \d+ elements$|^each value in .* must be a string$|^All .*'s elements must be unique$| must be (shorter|longer) than or equal to \d+ characters$| must be at (least|most) \d+ characters\b| cannot be blank$| must be a string$/;

/**
 * A required field left out is said to be required first, with what to send (its rules alone read as if a wrong value
 * had been sent: "facilityCodes must be an array" to someone who sent none), then the rules of its value. A field whose
 * own message says it is required (the intake's parts) keeps its words.
 */
function sayWhatIsMissing(fields: FieldErrors, raw: unknown): FieldErrors {
  return Object.fromEntries(Object.entries(fields).map(([path, messages]) => {
    // A field nobody asked for was sent, whatever its name: one with a dot in it ("client.firstName" as one key) is not
    // the nested field it spells, left out. When that nested field has faults of its own, both are said.
    const own = messages.filter((m) => m !== UNKNOWN_FIELD);
    if (own.length === messages.length) return [path, whatToSay(path, messages, raw)];
    return [path, own.length === 0 ? [UNKNOWN_FIELD] : [UNKNOWN_FIELD, ...whatToSay(path, own, raw)]];
  }));
}

/** What to say of one field's messages: a value sent is told its type first; one left out, that it is required. */
function whatToSay(path: string, messages: string[], raw: unknown): string[] {
  if (isSent(raw, path)) return typeFirst(messages, sentValue(raw, path)).map(inPlainWords);
  // Its own words that it is required (the intake's parts, a sign-in's password): those alone, not the rules of the
  // value ("password must be shorter than or equal to 200 characters", "must be a string") to someone who sent none.
  const required = messages.filter((m) => m.includes('is required'));
  if (required.length > 0) return required;
  const hinted = MISSING_HINTS.find(([rule]) => messages.some((m) => rule.test(m)));
  // The bounds of a value, said as part of what to send ("a whole number from 0 to 500"): listed as rules, "must not
  // be greater than 500" and "must not be less than 0" read as two faults of a value nobody sent. Rules of a list's
  // entries (each a string, no two alike) say nothing to someone who sent no list.
  const bound = (rule: RegExp) => messages.map((m) => rule.exec(m)?.[1]).find((n) => n !== undefined);
  const [min, max, most] = [bound(/ must not be less than (-?[\d.]+)$/), bound(/ must not be greater than (-?[\d.]+)$/), bound(/ must contain no more than (\d+) elements$/)];
  const range = min !== undefined && max !== undefined ? ` from ${min} to ${max}` : max !== undefined ? ` up to ${max}` : min !== undefined ? ` of at least ${min}` : '';
  // A text's least length, said as what to send ("reason is required: at least 10 characters"), when more than one.
  const least = Number(bound(/ must be (?:longer than or equal to|at least) (\d+) characters/) ?? 0);
  const hint = hinted ? `${hinted[1]}${range}${most !== undefined ? `, at most ${most}` : ''}` : least > 1 ? `at least ${least} characters` : '';
  const rest = messages.filter((m) => !(hinted?.[0].test(m)) && !VALUE_RULES.test(m));
  return [`${path} is required${hint ? `: ${hint}` : ''}`, ...rest];
}

const BLANK_MEANS_ANY = 'amparo:blankMeansAny';

/**
 * A list's query parameter that, left blank (`?status=&level=critical`, as a form's "any" choice or an empty page box
 * sends it), is not given: a choice filter, a bound, a page. Not a lookup (an A-number, a reference, an id, a cursor):
 * blank, that stays a 400, not the whole list passed off as its matches.
 */
export const BlankMeansAny = (): PropertyDecorator => (target, key) => {
  const inherited: string[] = Reflect.getMetadata(BLANK_MEANS_ANY, target) ?? [];
  Reflect.defineMetadata(BLANK_MEANS_ANY, [...inherited, String(key)], target);
};

/** The query without the parameters left blank that its DTO says mean "any" (dropped before the defaults are set). */
function withoutBlankChoices(value: unknown, metatype: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof metatype !== 'function') return value;
  const names: string[] = Reflect.getMetadata(BLANK_MEANS_ANY, metatype.prototype) ?? [];
  if (names.length === 0) return value;
  return Object.fromEntries(Object.entries(value).filter(([key, v]) => !(names.includes(key) && typeof v === 'string' && v.trim() === '')));
}

class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' || metadata.type === 'query') assertSafeJson(value, metadata.type);
    // A list where a route takes one object: its entries were read as fields ("0 is not a known field", and every
    // field of the object said to be missing). No route takes a list.
    if (metadata.type === 'body' && !metadata.data && Array.isArray(value) && typeof metadata.metatype === 'function' && metadata.metatype !== Array) {
      throw validationFailed({ body: ['must be one JSON object, {...}, not a list'] });
    }
    if (metadata.type === 'query') assertSingleQueryValues(value, metadata);
    if (metadata.type === 'query' && !metadata.data) value = withoutBlankChoices(value, metadata.metatype);
    const spanning = crossFieldErrors(value, metadata);
    let result: unknown;
    try {
      result = await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'VALIDATION_FAILED' && (metadata.type === 'body' || metadata.type === 'query')) {
        throw validationFailed(mergeFieldErrors(sayWhatIsMissing(error.fields ?? {}, value), spanning));
      }
      throw error;
    }
    if (Object.keys(spanning).length > 0) throw validationFailed(spanning);
    return result;
  }
}

/** The one global pipe: unknown fields are errors, not silently dropped; payloads become DTO instances. */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => validationFailed(flattenValidationErrors(errors)),
  });
}

/** ParseUUIDPipe, answering the id in lower case, as PostgreSQL prints a uuid. */
class CanonicalUuidPipe extends ParseUUIDPipe {
  override async transform(value: string, metadata: ArgumentMetadata): Promise<string> {
    return String(await super.transform(value, metadata)).toLowerCase();
  }
}

/**
 * A path id that must be a UUID: anything else is a 400 naming the parameter, in the API's error shape. It reaches
 * the handler in lower case: compared with ids read from the database ("is this my own account?") and hashed into
 * the audit chain, an upper-case spelling of the same id would be another value.
 */
export const UuidParam = (name: string): ParseUUIDPipe =>
  new CanonicalUuidPipe({ exceptionFactory: () => validationFailed({ [name]: [`${name} must be a UUID`] }) });

/** For actions that take no input (`@Body(NoBody)`): any field sent is refused (400), never silently ignored. */
export const NoBody: PipeTransform = {
  transform(value: unknown): undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw validationFailed({ body: ['this action takes no body'] });
    const keys = Object.keys(value);
    if (keys.length > 0) throw validationFailed(Object.fromEntries(keys.map((k) => [k, ['is not a known field']])));
    return undefined;
  },
};
