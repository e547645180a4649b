import { AGREEMENT_COLUMNS, parse287gCsv } from './agreements-287g';
import { ReferenceDataError } from './errors';

const HEADER = AGREEMENT_COLUMNS.join(',');
const csv = (...lines: string[]) => lines.join('\n') + '\n';

describe('parse287gCsv', () => {
  it('reads a row, turning the state name into its code and M/D/YY into ISO', () => {
    const { records, errors, warnings } = parse287gCsv(
      csv(
        HEADER,
        "TEXAS,Sample County Sheriff's Office,County,Sample County,Jail Enforcement Model,participating,2/26/25",
      ),
    );
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        state: 'TX',
        agency: "Sample County Sheriff's Office",
        agencyType: 'County',
        county: 'Sample County',
        supportType: 'Jail Enforcement Model',
        status: 'participating',
        signed: '2025-02-26',
      },
    ]);
  });

  it('names a missing column and accepts an extra one', () => {
    const header = AGREEMENT_COLUMNS.filter((c) => c !== 'support_type').join(',');
    expect(() => parse287gCsv(csv(header))).toThrow(
      expect.objectContaining({ code: 'REFERENCE_MISSING_COLUMN', subject: 'support_type' }) as ReferenceDataError,
    );
    // The file the operator gave is the one named, not the shipped one.
    expect(() => parse287gCsv(csv(header), '/import/287g-2027.csv')).toThrow(/^\/import\/287g-2027\.csv: the header has no "support_type" column/);
    const { records } = parse287gCsv(
      csv(`${HEADER},notes`, 'OHIO,Test Police Department,Municipality,,Task Force Model,pending,,new'),
    );
    expect(records).toEqual([expect.objectContaining({ state: 'OH', county: null, status: 'pending', signed: null })]);
  });

  it('rejects rows with an unknown state or status, with their lines', () => {
    const { records, errors } = parse287gCsv(
      csv(
        HEADER,
        'ATLANTIS,Test Sheriff,County,Test County,Task Force Model,participating,1/2/25',
        'IOWA,Test Sheriff,County,Test County,Task Force Model,terminated,1/2/25',
        'IOWA,,County,Test County,Task Force Model,participating,1/2/25',
        'IOWA,Test Sheriff,County,Test County,Task Force Model,Participating,1/2/25',
      ),
    );
    expect(errors.map((e) => [e.line, e.code, e.column])).toEqual([
      [2, 'invalid_state', 'state'],
      [3, 'invalid_status', 'status'],
      [4, 'required', 'agency'],
    ]);
    expect(records).toHaveLength(1);
    expect(records[0].status).toBe('participating');
  });

  it('keeps an agreement whose signed date is malformed, with a warning', () => {
    const { records, warnings } = parse287gCsv(
      csv(HEADER, "UTAH,Test County Sheriff's Office,County,Test County,Warrant Service Officer,participating,7/72025"),
    );
    expect(records[0].signed).toBeNull();
    expect(warnings).toEqual([expect.objectContaining({ line: 2, code: 'invalid_date', column: 'signed' })]);
  });

  it("prefers the county in a county agency's name over a misspelled county column, and says so", () => {
    const { records, warnings } = parse287gCsv(
      csv(
        HEADER,
        "ALABAMA,Franklin County Sheriff's Office,County,Frankin County,Jail Enforcement Model,participating,5/8/25",
        'LOUISIANA,Test Parish Sheriff\u2019s Office,County,Test County,Task Force Model,participating,5/8/25',
        "FLORIDA,Jacksonville Sheriff's Office,County,Duval County,Jail Enforcement Model,participating,5/8/25",
        'MICHIGAN,Metro Police Authority of Test County,County,Test County,Task Force Model,participating,5/8/25',
        "TEXAS,Test Police Department,Municipality,#NA,Task Force Model,participating,5/8/25",
      ),
    );
    expect(records.map((r) => r.county)).toEqual([
      'Franklin County',
      'Test Parish',
      'Duval County',
      'Test County',
      null,
    ]);
    expect(warnings).toEqual([expect.objectContaining({ line: 2, code: 'county_disagrees' })]);
  });
});
