import { parseUsDate } from './dates';
import { RowIssue, RowIssueCode } from './errors';
import { TableRow } from './csv-table';

/** Collects the issues of one row; `kept` issues become warnings, `rejected` ones make the row an error. */
export class RowCheck<C extends string> {
  readonly warnings: RowIssue[] = [];
  readonly errors: RowIssue[] = [];

  constructor(readonly row: TableRow<C>) {}

  reject(code: RowIssueCode, column: C | undefined, message: string): void {
    this.errors.push({ line: this.row.line, code, column, message });
  }

  warn(code: RowIssueCode, column: C, message: string): void {
    this.warnings.push({ line: this.row.line, code, column, message });
  }

  required(column: C): string {
    const value = this.row.get(column);
    if (!value) this.reject('required', column, `${column} is empty`);
    return value;
  }

  optional(column: C): string | null {
    return this.row.get(column) || null;
  }

  date(column: C): string | null {
    const text = this.row.get(column);
    if (!text) return null;
    const date = parseUsDate(text);
    if (!date) {
      this.warn('invalid_date', column, `${column} "${text}" is not a M/D/YYYY or M/D/YY date; stored as empty`);
    }
    return date;
  }

  count(column: C): number | null {
    const text = this.row.get(column).replace(/,/g, '');
    if (!text) return null;
    // Stored in an integer column: a larger number would fail the whole import with the database's message.
    if (/^\d+$/.test(text) && Number(text) <= 2_147_483_647) return Number(text);
    this.warn('invalid_number', column, `${column} "${text}" is not a whole number up to 2147483647; stored as empty`);
    return null;
  }

  boolean(column: C): boolean | null {
    const text = this.row.get(column).toUpperCase();
    if (!text) return null;
    if (text === 'TRUE') return true;
    if (text === 'FALSE') return false;
    this.warn('invalid_boolean', column, `${column} "${this.row.get(column)}" is not TRUE or FALSE; stored as empty`);
    return null;
  }
}
