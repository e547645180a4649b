import { countyKey } from './county-name';
import { readTable } from './csv-table';
import { byLine, ParseResult, RowIssue } from './errors';
import { RowCheck } from './row-fields';
import { stateCode } from './states';
import { Agreement287g, AgreementStatus } from './types';

export const AGREEMENT_COLUMNS = [
  'state', 'agency', 'agency_type', 'county', 'support_type', 'status', 'signed',
] as const;

type Column = (typeof AGREEMENT_COLUMNS)[number];

const STATUSES: readonly AgreementStatus[] = ['participating', 'pending'];
// Spreadsheet placeholders for "no county".
const NO_COUNTY = new Set(['#NA', 'N/A', 'NA', '#N/A', 'NONE']);
// "Lee County Sheriff's Office", "Bossier Parish Sheriff's Office", "Okmulgee County Criminal Justice Authority";
// not "Metro Police Authority of Genesee County", where the county is not the agency's name.
const COUNTY_IN_NAME = /^([A-Za-z][A-Za-z.'\u2019 -]*?) (County|Parish) (Sheriff|Detention|Jail|Correction|Criminal)/i;

/**
 * Parses ICE's 287(g) agreement list (data/README.md). For county agencies the county named in the agency
 * ("Franklin County Sheriff's Office") wins over the county column, which has typos ("Frankin County"); the
 * disagreement is reported as a warning so a person can check it. `file` is the name its messages give.
 */
export function parse287gCsv(text: string, file = 'ice-287g-agreements.csv'): ParseResult<Agreement287g> {
  const table = readTable<Column>(text, file, AGREEMENT_COLUMNS);
  const records: Agreement287g[] = [];
  const errors: RowIssue[] = [...table.errors];
  const warnings: RowIssue[] = [];

  for (const row of table.rows) {
    const check = new RowCheck(row);
    const agreement = readAgreement(check);
    warnings.push(...check.warnings);
    if (check.errors.length) errors.push(...check.errors);
    else records.push(agreement);
  }
  return { records, errors: byLine(errors), warnings };
}

function readAgreement(check: RowCheck<Column>): Agreement287g {
  const agency = check.required('agency');
  const agencyType = check.row.get('agency_type');
  return {
    state: readState(check),
    agency,
    agencyType,
    county: readCounty(check, agency, agencyType),
    supportType: check.required('support_type'),
    status: readStatus(check),
    signed: check.date('signed'),
  };
}

function readState(check: RowCheck<Column>): string {
  const name = check.required('state');
  const code = name ? stateCode(name) : null;
  if (name && !code) check.reject('invalid_state', 'state', `state "${name}" is not a US state or territory`);
  return code ?? '';
}

function readStatus(check: RowCheck<Column>): AgreementStatus {
  const status = check.required('status').toLowerCase();
  if (status && !STATUSES.includes(status as AgreementStatus)) {
    check.reject('invalid_status', 'status', `status "${status}" is not one of ${STATUSES.join(', ')}`);
  }
  return status as AgreementStatus;
}

function readCounty(check: RowCheck<Column>, agency: string, agencyType: string): string | null {
  const raw = check.row.get('county');
  const column = raw && !NO_COUNTY.has(raw.toUpperCase()) ? raw : null;
  const named = agencyType.toLowerCase() === 'county' ? countyNamedIn(agency) : null;
  if (!named) return column;
  if (column && countyKey(column) !== countyKey(named)) {
    const message = `county "${column}" differs from the agency's "${named}"; using "${named}"`;
    check.warn('county_disagrees', 'county', message);
  }
  return named;
}

function countyNamedIn(agency: string): string | null {
  const match = COUNTY_IN_NAME.exec(agency.trim());
  return match ? `${match[1]} ${match[2]}` : null;
}
