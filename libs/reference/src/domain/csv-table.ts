import { parse } from 'csv-parse/sync';
import { ReferenceDataError, RowIssue } from './errors';

export interface TableRow<C extends string> {
  line: number;
  /** Trimmed cell text; '' when empty. */
  get(column: C): string;
}

export interface Table<C extends string> {
  rows: TableRow<C>[];
  /** Rows whose field count does not match the header (a quoting problem or a truncated line). */
  errors: RowIssue[];
}

interface CsvInfoRecord {
  record: string[];
  info: { lines: number; empty_lines: number };
}

/**
 * Reads a CSV with a header row. Columns are found by name, so a newer file with extra (or reordered) columns is
 * accepted; a missing column throws, because every row would be wrong.
 */
export function readTable<C extends string>(text: string, file: string, columns: readonly C[]): Table<C> {
  const records = parseCsv(text, file);
  if (records.length === 0) {
    throw new ReferenceDataError('REFERENCE_EMPTY_FILE', `${file}: the file is empty (no header row)`);
  }
  const header = records[0].record.map((name) => name.trim().toLowerCase());
  const index = columnIndex(header, columns, file);

  const rows: TableRow<C>[] = [];
  const errors: RowIssue[] = [];
  let previousEnd = records[0].info.lines;
  let previousEmpty = records[0].info.empty_lines;
  for (const { record, info } of records.slice(1)) {
    // csv-parse reports the line a record ends on; the start is what a person looks for in an editor.
    const line = previousEnd + 1 + (info.empty_lines - previousEmpty);
    previousEnd = info.lines;
    previousEmpty = info.empty_lines;
    // A row of empty cells (",,,,", as a spreadsheet leaves below its data) or of spaces is no row: skipped as an empty
    // line is, rather than refusing the whole file for it.
    if (record.every((cell) => cell.trim() === '')) continue;
    // PostgreSQL's text takes no NUL: the whole import failed on it with the database's message, naming no line.
    if (record.some((cell) => cell.includes('\u0000'))) {
      errors.push({ line, code: 'invalid_text', message: 'a field holds a NUL character' });
      continue;
    }
    if (record.length !== header.length) {
      errors.push({
        line,
        code: 'row_length',
        message: `expected ${header.length} fields as in the header, found ${record.length}`,
      });
      continue;
    }
    rows.push({ line, get: (column) => (record[index[column]] ?? '').trim() });
  }
  return { rows, errors };
}

function parseCsv(text: string, file: string): CsvInfoRecord[] {
  try {
    return parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as CsvInfoRecord[];
  } catch (error) {
    const { message, lines } = error as { message: string; lines?: number };
    throw new ReferenceDataError('REFERENCE_MALFORMED_CSV', `${file}: ${message}`, undefined, lines);
  }
}

function columnIndex<C extends string>(header: string[], columns: readonly C[], file: string): Record<C, number> {
  const index = {} as Record<C, number>;
  for (const column of columns) {
    const at = header.indexOf(column);
    if (at < 0) {
      throw new ReferenceDataError(
        'REFERENCE_MISSING_COLUMN',
        `${file}: the header has no "${column}" column (expected ${columns.join(', ')})`,
        column,
        1,
      );
    }
    index[column] = at;
  }
  return index;
}
