import { countyKey } from './county-name';
import { readTable } from './csv-table';
import { byLine, ParseResult, RowIssue } from './errors';
import { RowCheck } from './row-fields';
import { stateCode } from './states';
import { resolveTimeZone, SPLIT_STATES, timeZoneForAor } from './time-zones';
import { ParsedFacility } from './types';

export const FACILITY_COLUMNS = [
  'detloc', 'name', 'address', 'city', 'county', 'state', 'zip', 'aor', 'type', 'type_detailed', 'capacity',
  'date_of_first_use', 'date_of_last_use', 'over_72',
] as const;

type Column = (typeof FACILITY_COLUMNS)[number];

const ZIP = /^\d{5}(-\d{4})?$/;
/** An ICE detention location code as the API takes it (`custody.facilityCode`, a transfer's `facilityCode`). */
const DETLOC = /^[A-Z0-9]{3,12}$/;
// Placeholders the source uses for "no address".
const NO_ADDRESS = new Set(['UNAVAILABLE', 'UNKNOWN', 'N/A']);

/**
 * Parses the ICE detention facilities CSV (data/README.md). Throws ReferenceDataError only for a file that
 * cannot be used (missing column, broken quoting); bad rows come back in `errors`, doubtful values in `warnings`.
 * `file` is the name its messages give (the file an operator imports).
 */
export function parseFacilitiesCsv(text: string, file = 'ice-detention-facilities.csv'): ParseResult<ParsedFacility> {
  const table = readTable<Column>(text, file, FACILITY_COLUMNS);
  const records: ParsedFacility[] = [];
  const errors: RowIssue[] = [...table.errors];
  const warnings: RowIssue[] = [];
  const seen = new Map<string, number>();
  const lines = new Map<ParsedFacility, number>();

  for (const row of table.rows) {
    const check = new RowCheck(row);
    const facility = readFacility(check);
    const firstLine = seen.get(facility.code);
    if (facility.code && firstLine !== undefined) {
      check.reject('duplicate_code', 'detloc', `detloc "${facility.code}" already appears on line ${firstLine}`);
    }
    warnings.push(...check.warnings);
    if (check.errors.length) {
      errors.push(...check.errors);
      continue;
    }
    seen.set(facility.code, row.line);
    lines.set(facility, row.line);
    records.push(facility);
  }
  warnings.push(...placeWithoutState(records, lines), ...uncertainZones(records, lines));
  return { records, errors: byLine(errors), warnings: byLine(warnings) };
}

/**
 * A row with a place but no state (a ZIP or a city given) takes the state of the file's other facilities with the same
 * three-digit ZIP prefix, when they all agree, and says so; else it is placed in its field office's zone, and that is
 * said too: the office's zone can be hours off (San Francisco's covers Guam and Hawaii). A row with neither (a
 * transport or hold location) is placed by its field office, as before, without a word.
 */
function placeWithoutState(records: ParsedFacility[], lines: Map<ParsedFacility, number>): RowIssue[] {
  const statesByPrefix = new Map<string, Set<string>>();
  for (const f of records) {
    if (f.state && f.zip) statesByPrefix.set(f.zip.slice(0, 3), (statesByPrefix.get(f.zip.slice(0, 3)) ?? new Set()).add(f.state));
  }
  const issues: RowIssue[] = [];
  for (const f of records) {
    if (f.state || (!f.zip && !f.city)) continue;
    const line = lines.get(f)!;
    const states = f.zip ? statesByPrefix.get(f.zip.slice(0, 3)) : undefined;
    if (states?.size === 1) {
      f.state = [...states][0];
      issues.push({ line, code: 'state_from_zip', column: 'state', message: `state is empty: taken as ${f.state}, the state of the other facilities with ZIP ${f.zip!.slice(0, 3)}xx` });
    } else {
      issues.push({ line, code: 'zone_uncertain', column: 'state', message: `state is empty: placed in the time zone of field office ${f.aor} (${timeZoneForAor(f.aor)}), which may not be where the facility is` });
    }
  }
  return issues;
}

/** A facility in a state split between zones whose county does not say which (empty, or not one the tables know). */
function uncertainZones(records: ParsedFacility[], lines: Map<ParsedFacility, number>): RowIssue[] {
  return records.flatMap((f) => {
    if (!f.state || !SPLIT_STATES.includes(f.state)) return [];
    const place = resolveTimeZone(f.state, f.county, f.city);
    if (f.county && place.dayZone === undefined) return [];
    return [{ line: lines.get(f)!, code: 'zone_uncertain' as const, column: 'county',
      message: `${f.state} is split between time zones and the county ${f.county ? `"${f.county}" is not one it knows` : 'is empty'}: placed in ${place.zone}` }];
  });
}

function readFacility(check: RowCheck<Column>): ParsedFacility {
  const address = check.optional('address');
  const code = check.required('detloc').toUpperCase();
  // A code the API refuses would list a facility nobody can choose (and unlist the one it replaced).
  if (code && !DETLOC.test(code)) check.reject('invalid_code', 'detloc', `detloc "${code}" is not 3 to 12 letters and digits`);
  return {
    code,
    name: check.required('name'),
    address: address && NO_ADDRESS.has(address.toUpperCase()) ? null : address,
    city: check.optional('city'),
    county: readCounty(check),
    state: readState(check),
    zip: readZip(check),
    aor: check.required('aor').toUpperCase(),
    type: check.required('type'),
    typeDetailed: check.optional('type_detailed'),
    capacity: check.count('capacity'),
    firstUsed: check.date('date_of_first_use'),
    lastUsed: check.date('date_of_last_use'),
    over72: check.boolean('over_72'),
  };
}

function readCounty(check: RowCheck<Column>): string | null {
  const county = check.optional('county');
  if (county && !countyKey(county)) {
    check.warn('placeholder', 'county', `county "${county}" is a placeholder, not a county; stored as empty`);
    return null;
  }
  return county;
}

// A facility must be placeable in a time zone: by its state (a code, or a name spelled out), or failing that, when the
// row gives none, by its field office. A state given but not read is refused: the field office's zone can be hours off
// (San Francisco's covers Guam and Hawaii, Seattle's Alaska, Miami's Puerto Rico).
function readState(check: RowCheck<Column>): string | null {
  const text = check.row.get('state');
  const state = text ? stateCode(text) : null;
  if (text && !state) {
    check.reject('invalid_state', 'state', `state "${text}" is not a US state or territory: the facility's time zone cannot be told`);
    return null;
  }
  const aor = check.row.get('aor');
  if (!state && aor && !timeZoneForAor(aor)) {
    check.reject('invalid_state', 'state', `no state and unknown aor "${aor}": the facility has no time zone`);
  }
  return state;
}

function readZip(check: RowCheck<Column>): string | null {
  let zip = check.row.get('zip');
  if (!zip) return null;
  // A spreadsheet stored New England and New Jersey zips as numbers: "8054" was 08054.
  if (/^\d{4}$/.test(zip)) zip = `0${zip}`;
  if (ZIP.test(zip)) return zip;
  check.warn('invalid_zip', 'zip', `zip "${zip}" is not a 5-digit or ZIP+4 code; stored as empty`);
  return null;
}
