import fc from 'fast-check';

/**
 * Hostile JSON for property-based request fuzzing. Bodies are built as JSON text (not JS objects), so keys such as
 * `__proto__` reach the server as own keys, exactly as an attacker would send them.
 */

/** A stack frame in any of Node's shapes (with or without a function name), or a source position. */
export const STACK_TRACE = /\bat .+\(.*:\d+:\d+\)|\n\s+at \S|\.[cm]?[jt]s:\d+/;

const json = (value: unknown) => JSON.stringify(value);

/** Values that are wrong, odd or dangerous somewhere: types, dates, zones, unicode, injection, sizes. */
const weirdStrings = fc.constantFrom(
  '', ' ', '\u0000', '\ud800', '\udfff\ud800', '\u202eevil', '👩🏽‍⚖️', 'Zoë Ñandú 李小龍', 'ا‌ب', '\r\n\t',
  "' OR 1=1 --", '"; DROP TABLE cases; --', '${7*7}', '{{constructor.constructor("return process")()}}', '<script>alert(1)</script>',
  '../../etc/passwd', '%00', 'NaN', 'Infinity', 'null', 'true', '[]', '{}', '__proto__', 'constructor',
  '2026-02-30', '2026-13-01T00:00:00Z', '0000-01-01', '9999-12-31', '+275760-09-13T00:00:00.000Z', '2026-11-20T16:00:00+25:00',
  '2026-11-20T25:61:00Z', '2026-11-20T16:00:00', '1990-04-02T00:00:00Z', '2026-11-20T16:00:00.123456789Z', '2026-11-20T24:00:00.0001Z',
  'Mars/Olympus_Mons', 'America/Nowhere', 'UTC+99', 'Etc/GMT+99', 'America/Chicago\u0000', 'local',
  '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'A000-000-000', 'A123-456-789',
  'spa', 'SPA', 'zzz', 'TX', 'tx', 'ZZ',
);

const bigString = fc.integer({ min: 1_000, max: 50_000 }).chain((n) => fc.constantFrom('x', 'ñ', '😀', '\\', '"').map((c) => c.repeat(Math.floor(n / 2))));

const weirdNumbers = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 1e308, -1e308, 2 ** 53 + 1, 2 ** 31, -(2 ** 31) - 1, 5e-324, 1763654400000),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');

/** ISO-looking dates and date-times with out-of-range parts: month 13, day 30 of February, hour 25 (24:00 and a fraction), offset +25:00. */
export const dateLike: fc.Arbitrary<string> = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1990, max: 2035 }), fc.constantFrom(0, 1, 1899, 2201, 9999)),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    time: fc.option(fc.tuple(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.constantFrom('', '.000', '.0001', '.999999')), { nil: undefined }),
    offset: fc.oneof(fc.constant('Z'), fc.constant(''), fc.integer({ min: -30, max: 30 }).map((h) => `${h < 0 ? '-' : '+'}${pad(h)}:00`)),
  })
  .map(({ year, month, day, time, offset }) => `${pad(year, 4)}-${pad(month)}-${pad(day)}${time ? `T${pad(time[0])}:${pad(time[1])}:00${time[2]}${offset}` : ''}`);

export const timeZoneLike = fc.constantFrom('America/Chicago', 'Mars/Olympus_Mons', 'America/Nowhere', 'UTC+99', 'Etc/GMT+99', 'Etc/GMT-14', 'EST5EDT', 'US/Pacific-New', 'Antarctica/Troll', '+25:00', 'Z');

export const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: weirdStrings },
  { weight: 2, arbitrary: weirdNumbers },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: bigString },
  { weight: 2, arbitrary: dateLike },
  { weight: 1, arbitrary: timeZoneLike },
);

export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'role', 'organizationId', 'status', 'assignedAttorneyId', 'userId', 'id', 'isAdmin', 'createdBy', ''];

const anyKey = fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...HOSTILE_KEYS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) });

/** JSON text of a random value, objects and arrays up to `depth` levels, with hostile keys. */
export function hostileJson(depth: number): fc.Arbitrary<string> {
  const leaf = hostileScalar.map(json);
  if (depth <= 0) return leaf;
  const child = hostileJson(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(fc.tuple(anyKey, child), { maxLength: 4 }).map((entries) => `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`) },
    { weight: 1, arbitrary: fc.array(child, { maxLength: 4 }).map((items) => `[${items.join(',')}]`) },
  );
}

/** `{"a":{"a":...}}` or `[[[...]]]` nested `levels` deep (the server refuses more than 16). */
export const deepNesting = fc.tuple(fc.integer({ min: 10, max: 400 }), fc.boolean()).map(([levels, asArray]) =>
  asArray ? '['.repeat(levels) + '1' + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels),
);

/** Whole hostile bodies: random objects, arrays where objects go, top-level scalars, deep nesting, oversized. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(anyKey, hostileJson(3)), { maxLength: 6 }).map((entries) => `{${entries.map(([k, v]) => `${json(k)}:${v}`).join(',')}}`) },
  { weight: 2, arbitrary: hostileJson(3).map((v) => `[${v}]`) },
  { weight: 1, arbitrary: hostileScalar.map(json) },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.integer({ min: 101_000, max: 140_000 }).map((n) => json({ narrative: 'x'.repeat(n) })) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"a":', '{"a":1,}', "{'a':1}", '{"a":1}{"b":2}', '\ufeff{}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}') },
);

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Every path (as keys) to a value inside a body, objects and arrays included. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function valueAt(base: Json, path: (string | number)[]): Json {
  let node: Json = base;
  for (const k of path) node = (node as Record<string, Json>)[k as string];
  return node;
}

/** JSON text of `base` with the value at `path` replaced by raw JSON text `replacement` (or removed, for null). */
function replaceAt(base: Json, path: (string | number)[], replacement: string | null): string {
  if (path.length === 0) return replacement ?? '{}';
  const walk = (node: Json, depth: number): string => {
    if (depth === path.length) return replacement ?? 'null';
    if (Array.isArray(node)) return `[${node.map((v, i) => (i === path[depth] ? walk(v, depth + 1) : json(v))).join(',')}]`;
    if (node && typeof node === 'object') {
      const entries = Object.entries(node).flatMap(([k, v]) => {
        if (k !== path[depth]) return [`${json(k)}:${json(v)}`];
        if (replacement === null && depth === path.length - 1) return [];
        return [`${json(k)}:${walk(v, depth + 1)}`];
      });
      return `{${entries.join(',')}}`;
    }
    return json(node);
  };
  return walk(base, 0);
}

/**
 * A valid body with one thing wrong: a value replaced by a hostile one, a field removed, an object turned into an
 * array, or a hostile key added next to real ones.
 */
export function mutatedBody(base: Json): fc.Arbitrary<string> {
  const all = paths(base);
  const objects = all.filter((p) => {
    const node = valueAt(base, p);
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
  const strings = all.filter((p) => typeof valueAt(base, p) === 'string');
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...all), hostileJson(2)).map(([p, v]) => replaceAt(base, p, v)) },
    ...(strings.length
      ? [{ weight: 3, arbitrary: fc.tuple(fc.constantFrom(...strings), fc.oneof(dateLike, timeZoneLike, weirdStrings)).map(([p, v]) => replaceAt(base, p, json(v))) }]
      : []),
    { weight: 1, arbitrary: fc.constantFrom(...all).map((p) => replaceAt(base, p, null)) },
    { weight: 1, arbitrary: fc.constantFrom(...all).map((p) => replaceAt(base, p, `[${json(valueAt(base, p))}]`)) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom(...objects), fc.constantFrom(...HOSTILE_KEYS), hostileJson(1)).map(([p, k, v]) => {
        const inner = JSON.stringify(valueAt(base, p)).slice(1, -1);
        return replaceAt(base, p, `{${inner}${inner ? ',' : ''}${json(k)}:${v}}`);
      }),
    },
  );
}

export interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Record<string, string>;
}

/** What every answer to hostile input must look like. Returns a message, or null when it is fine. */
export function problemWith(res: Answer): string | null {
  if (res.status >= 500) return `status ${res.status}: ${res.text.slice(0, 300)}`;
  if (STACK_TRACE.test(res.text)) return `stack trace in body: ${res.text.slice(0, 300)}`;
  if (res.status >= 400) {
    const body = res.body as { statusCode?: unknown; message?: unknown } | null;
    if (!String(res.headers['content-type'] ?? '').includes('application/json')) return `error ${res.status} is not JSON: ${res.headers['content-type']}`;
    if (!body || body.statusCode !== res.status || typeof body.message !== 'string') return `error ${res.status} not in the error shape: ${res.text.slice(0, 300)}`;
  }
  return null;
}
