import { DateTime } from 'luxon';

const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})$/;

/**
 * "M/D/YYYY" or "M/D/YY" to "YYYY-MM-DD"; null when the text is not a real calendar date.
 * Two-digit years follow the POSIX strptime pivot (00-68 → 20xx, 69-99 → 19xx): the 287(g) file only has
 * 20xx dates and the facility file uses four digits, so the pivot only matters for odd future files.
 */
export function parseUsDate(text: string): string | null {
  const match = US_DATE.exec(text.trim());
  if (!match) return null;
  const [, month, day, yearText] = match;
  const year = yearText.length === 2 ? expandTwoDigitYear(Number(yearText)) : Number(yearText);
  const date = DateTime.fromObject({ year, month: Number(month), day: Number(day) }, { zone: 'UTC' });
  return date.isValid ? date.toISODate() : null;
}

function expandTwoDigitYear(year: number): number {
  return year <= 68 ? 2000 + year : 1900 + year;
}
