export type ReferenceDataErrorCode =
  | 'REFERENCE_MISSING_COLUMN'
  | 'REFERENCE_EMPTY_FILE'
  | 'REFERENCE_MALFORMED_CSV'
  | 'REFERENCE_UNKNOWN_STATE'
  | 'REFERENCE_ROWS_REJECTED'
  | 'REFERENCE_UNLISTING'
  | 'REFERENCE_NOT_UTF8';

/**
 * A reference file or lookup that cannot be used at all. Row-level problems are not thrown by the parsers: they return
 * them as issues with line numbers; the import refuses a file with rejected rows unless told to accept them
 * (REFERENCE_ROWS_REJECTED), since a header mistake rejects every row and would empty a table.
 */
export class ReferenceDataError extends Error {
  constructor(
    readonly code: ReferenceDataErrorCode,
    message: string,
    /** The column that is missing (REFERENCE_MISSING_COLUMN) or the value that was not understood. */
    readonly subject?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ReferenceDataError';
  }
}

export type RowIssueCode =
  | 'row_length'
  | 'required'
  | 'duplicate_code'
  | 'invalid_state'
  | 'invalid_status'
  | 'invalid_date'
  | 'invalid_number'
  | 'invalid_boolean'
  | 'invalid_zip'
  | 'invalid_code'
  | 'invalid_text'
  | 'placeholder'
  | 'county_disagrees'
  | 'state_from_zip'
  | 'zone_uncertain';

/**
 * One problem with one row. `errors` hold rows that were rejected (no usable record); `warnings` hold rows that
 * were kept with one value set to null (or, for county_disagrees, resolved) so the importer can show both.
 */
export interface RowIssue {
  /** 1-based line in the file where the row starts (the header is line 1). */
  line: number;
  code: RowIssueCode;
  column?: string;
  message: string;
}

export interface ParseResult<T> {
  records: T[];
  errors: RowIssue[];
  warnings: RowIssue[];
}

/** Issues in file order (the sort is stable, so a row's own issues keep their column order). */
export const byLine = (issues: RowIssue[]): RowIssue[] => [...issues].sort((a, b) => a.line - b.line);
