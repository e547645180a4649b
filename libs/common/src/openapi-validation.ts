import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { DECORATORS, type OpenAPIObject, type ReferenceObject, type SchemaObject } from '@nestjs/swagger';
import { getMetadataStorage } from 'class-validator';

/** What this file reads of class-validator's metadata of a rule (its `ValidationMetadata`, not exported by name). */
type Rule = ReturnType<ReturnType<typeof getMetadataStorage>['getTargetValidationMetadatas']>[number];

type Model = abstract new (...args: never[]) => unknown;

/**
 * The request models (DTO classes) of every route, by their schema name: the handlers' parameter types, then the models
 * their documented properties name (`@ApiProperty({ type: ClientDto })`), depth first.
 */
export function requestModels(app: INestApplication): Map<string, Model> {
  const models = new Map<string, Model>();
  const visit = (model: unknown) => {
    if (!isModel(model) || models.get(model.name) === model) return;
    models.set(model.name, model);
    const keys: string[] = Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, model.prototype) ?? [];
    for (const key of keys) {
      const type = (Reflect.getMetadata(DECORATORS.API_MODEL_PROPERTIES, model.prototype, key.replace(/^:/, '')) as { type?: unknown } | undefined)?.type;
      // A class, or a function that returns one (`type: () => ClientDto`: an arrow function has no prototype).
      visit(typeof type === 'function' && !type.prototype ? (type as () => unknown)() : type);
    }
  };
  const scanner = app.get(MetadataScanner);
  for (const wrapper of app.get(DiscoveryService).getControllers()) {
    const prototype = wrapper.metatype?.prototype as object | undefined;
    if (!prototype) continue;
    for (const name of scanner.getAllMethodNames(prototype)) {
      for (const type of (Reflect.getMetadata('design:paramtypes', prototype, name) as unknown[] | undefined) ?? []) visit(type);
    }
  }
  return models;
}

/** A class with documented properties (not String, Number, Object: the types of path parameters and the like). */
function isModel(value: unknown): value is Model {
  return typeof value === 'function' && !!value.prototype && Reflect.hasMetadata(DECORATORS.API_MODEL_PROPERTIES_ARRAY, value.prototype);
}

const NOT_CLEARABLE = Symbol('amparo:not-clearable');

/**
 * On a correction's model: the optional properties that `null` does not clear (the service refuses it: a value is
 * required once given), so the document does not call them nullable.
 */
export const NotClearable = (...properties: string[]): ClassDecorator => (target) => {
  Reflect.defineMetadata(NOT_CLEARABLE, properties, target);
};

/**
 * Writes the validator's rules into the OpenAPI document's request schemas, so that a client learns them from the
 * document rather than from its 400s: string lengths, patterns, lists' sizes and uniqueness, allowed values, bounds,
 * a date's format, `nullable` where the validator takes `null` (`@IsOptional`: a correction's `null` clears the field,
 * unless the model says it is `NotClearable`), and `additionalProperties: false` (the global pipe refuses a field it
 * does not know). Only what a
 * schema keyword says exactly; the rest (phone, A-number, email, language and state codes, zones, a date-time's
 * offset, a pattern needing Unicode classes) is the validator's, and each field's description. What the document
 * already says is kept.
 */
export function describeValidation(document: OpenAPIObject, models: Map<string, Model>): void {
  const storage = getMetadataStorage();
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
    const model = models.get(name);
    if (!model || isReference(schema)) continue;
    schema.additionalProperties = false;
    const rules = storage.groupByPropertyName(storage.getTargetValidationMetadatas(model, '', true, false));
    const notClearable: string[] = Reflect.getMetadata(NOT_CLEARABLE, model) ?? [];
    for (const [property, target] of Object.entries(schema.properties ?? {})) {
      if (isReference(target)) continue;
      for (const rule of rules[property] ?? []) apply(target, rule);
      if (!notClearable.includes(property) && (rules[property] ?? []).some((rule) => rule.name === 'isOptional') && target.nullable === undefined) {
        target.nullable = true;
      }
    }
  }
}

/**
 * Path parameters that name a record (`id`, `eventId`, `userId`: every one is read by `UuidParam`, which answers 400
 * naming it for anything but a UUID) are documented as such: `format: uuid`, not any string.
 */
export function describePathIds(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(item as Record<string, { parameters?: unknown[] }>)) {
      for (const parameter of operation?.parameters ?? []) {
        if (isReference(parameter as object)) continue;
        const p = parameter as { in?: string; name?: string; schema?: SchemaObject };
        if (p.in === 'path' && /^(id|[a-z]+Id)$/.test(p.name ?? '') && p.schema && !isReference(p.schema) && p.schema.type === 'string') {
          p.schema.format ??= 'uuid';
        }
      }
    }
  }
}

function apply(property: SchemaObject, rule: Rule): void {
  const [first] = (rule.constraints ?? []) as unknown[];
  // A rule for each element applies to the items (not to an object's: its own schema has its rules); one for the list,
  // to the list.
  const items = property.type === 'array' && property.items && !isReference(property.items) ? property.items : undefined;
  const target = rule.each ? items : property;
  if (!target) return;
  const set = <K extends keyof SchemaObject>(key: K, value: SchemaObject[K]) => {
    if (target[key] === undefined) target[key] = value;
  };
  switch (rule.name) {
    case 'maxLength': return set('maxLength', first as number);
    case 'minLength': return set('minLength', first as number);
    case 'arrayMaxSize': return set('maxItems', first as number);
    case 'arrayMinSize': return set('minItems', first as number);
    case 'arrayUnique': return set('uniqueItems', true);
    case 'min': return set('minimum', first as number);
    case 'max': return set('maximum', first as number);
    case 'isIn': return set('enum', [...(first as unknown[])]);
    case 'isUuid': return set('format', 'uuid');
    case 'isCalendarDate': return set('format', 'date');
    // Not `isEmail` (format `email` refuses the UTF-8 addresses the validator takes), nor `isOffsetDateTime` (format
    // `date-time` wants seconds, which the validator does not).
    case 'matches': {
      // Only a pattern without flags: OpenAPI 3.0's patterns are ECMA-262 5.1, with no `\p{L}` (read without the `u`
      // flag, it is the text "p{L}"), and no case-insensitive matching.
      const pattern = first instanceof RegExp ? first : undefined;
      if (pattern && pattern.flags === '') set('pattern', pattern.source);
      return;
    }
  }
}

function isReference(schema: unknown): schema is ReferenceObject {
  return typeof schema === 'object' && schema !== null && '$ref' in schema;
}
