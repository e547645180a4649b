import fc from 'fast-check';
import { DateTime } from 'luxon';
import { validateSync } from 'class-validator';
import { IsCalendarDate, IsDateOrOffsetDateTime, IsOffsetDateTime, hasIdentifyingNumber, isCalendarDate, isIanaTimeZone, isOffsetDateTime, isPastCalendarDate, isUsTimeZone } from './validators';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

// The luxon-based definitions the validators had before they checked fields themselves: the rule they must keep.
const OLD_OFFSET_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|([+-])(\d{2}):(\d{2}))$/;
function referenceOffsetDateTime(value: string): boolean {
  if (value.length > 40) return false;
  const match = OLD_OFFSET_DATE_TIME.exec(value);
  if (!match) return false;
  if (match[4] !== undefined) {
    const minutes = Number(match[5]) * 60 + Number(match[6]);
    if (Number(match[6]) >= 60 || (match[4] === '+' ? minutes > 14 * 60 : minutes > 12 * 60)) return false;
  }
  const parsed = DateTime.fromISO(value, { setZone: true });
  // Then one rule luxon does not have: 24:00 and a fraction that is not zero (which luxon drops below the millisecond)
  // is no time PostgreSQL takes.
  if (/T24:00:00\.\d*[1-9]/.test(value)) return false;
  return parsed.isValid && parsed.year >= 1900 && parsed.year <= 2200;
}
function referenceCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = DateTime.fromISO(value, { zone: 'utc' });
  return date.isValid && date.year >= 1900 && date.year <= 2200;
}

/** Dates of the right shape with every field drawn past its range too: month 13, day 31 in April, Feb 29 of 1900. */
const shapedDate = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1890, max: 2210 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
  })
  .map((f) => `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}`);

const shapedDateTime = fc
  .record({
    date: shapedDate,
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.option(fc.integer({ min: 0, max: 61 }), { nil: undefined }),
    fraction: fc.option(fc.stringMatching(/^\d{1,7}$/), { nil: undefined }),
    offset: fc.oneof(
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 70 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
    ),
  })
  .map((f) => {
    const seconds = f.second === undefined ? '' : `:${pad(f.second)}${f.fraction ? `.${f.fraction}` : ''}`;
    return `${f.date}T${pad(f.hour)}:${pad(f.minute)}${seconds}${f.offset}`;
  });

describe('isOffsetDateTime', () => {
  it('agrees with the luxon-based rule on every string of the shape, fields in and out of range', () => {
    fc.assert(
      fc.property(shapedDateTime, (value) => {
        expect(isOffsetDateTime(value)).toBe(referenceOffsetDateTime(value));
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with it on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 45 }), (value) => expect(isOffsetDateTime(value)).toBe(referenceOffsetDateTime(value))));
  });

  it.each([
    ['2026-11-20T16:00:00-06:00', true],
    ['2026-11-20T16:00-06:00', true],
    ['2026-11-20T16:00:00.123456Z', true],
    ['2024-02-29T23:59:59+14:00', true],
    ['2026-11-20T16:00:00', false], // no offset: ambiguous
    ['2026-11-20T24:00:00Z', true], // ISO 8601 end of day: the 21st's midnight
    ['2026-11-20T24:00:01Z', false],
    ['2200-12-31T24:00Z', false], // that is 2201
    ['1899-12-31T24:00:00.000Z', true], // that is 1900
    ['2026-11-20T24:00:00.000000+14:00', true],
    ['2026-11-20T24:00:00.0004Z', false], // past the end of the day, however little (PostgreSQL refuses it)
    ['2026-11-20T24:00:00.000999-06:00', false],
    ['2026-11-20T16:00:60Z', false],
    ['2023-02-29T10:00:00Z', false],
    ['2026-11-20T16:00:00+14:01', false],
    ['2026-11-20T16:00:00-12:30', false],
    ['2026-11-20T16:00:00+05:60', false],
    ['2026-11-20T16:00:00+14:00', true],
    ['2026-11-20T16:00:00-12:00', true],
    ['2026-11-20T16:00:00-00:00', true],
    ['2026-11-20T16:00:00Z\n', false], // no multi-line matching: a trailing line break is not a timestamp
    [' 2026-11-20T16:00:00Z', false],
    ['1899-12-31T23:59:59Z', false],
    ['2201-01-01T00:00:00Z', false],
  ])('%s → %s', (value, expected) => {
    expect(isOffsetDateTime(value)).toBe(expected);
    expect(referenceOffsetDateTime(value)).toBe(expected);
  });

  it('refuses what is not a string', () => {
    for (const value of [undefined, null, 1_700_000_000_000, new Date(), ['2026-11-20T16:00:00Z'], { toString: () => '2026-11-20T16:00:00Z' }]) {
      expect(isOffsetDateTime(value)).toBe(false);
    }
  });
});

describe('isCalendarDate', () => {
  it('agrees with the luxon-based rule on every string of the shape', () => {
    fc.assert(fc.property(shapedDate, (value) => expect(isCalendarDate(value)).toBe(referenceCalendarDate(value))), { numRuns: 20_000 });
  });

  it.each([
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2026-04-31', false],
    ['2026-4-30', false],
    ['2026-04-30T00:00:00Z', false],
    ['2026-04-30\n', false],
  ])('%s → %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
    expect(referenceCalendarDate(value)).toBe(expected);
  });
});

describe('isPastCalendarDate', () => {
  const now = Date.UTC(2026, 10, 25, 3, 0); // 2026-11-25 03:00 UTC: still the 24th in the Americas

  it('takes dates up to tomorrow in UTC, so no zone\'s today is refused, and nothing later', () => {
    expect(isPastCalendarDate('1990-05-01', now)).toBe(true);
    expect(isPastCalendarDate('2026-11-25', now)).toBe(true);
    expect(isPastCalendarDate('2026-11-26', now)).toBe(true);
    expect(isPastCalendarDate('2026-11-27', now)).toBe(false);
    expect(isPastCalendarDate('2026-02-30', now)).toBe(false);
  });

  it('agrees with the luxon-based rule around its boundary', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 86_399_999 }), (days, ms) => {
        const at = Date.UTC(2026, 10, 25) + ms;
        const value = DateTime.fromMillis(at, { zone: 'utc' }).plus({ days }).toISODate()!;
        const expected = DateTime.fromISO(value, { zone: 'utc' }) <= DateTime.fromMillis(at, { zone: 'utc' }).plus({ days: 1 });
        expect(isPastCalendarDate(value, at)).toBe(expected);
      }),
    );
  });
});

describe('the decorators, through class-validator', () => {
  class Body {
    @IsCalendarDate() dateOfBirth!: unknown;
    @IsOffsetDateTime() releaseEligibleAt!: unknown;
    @IsDateOrOffsetDateTime() occurredAt!: unknown;
  }
  const errorsFor = (values: Partial<Body>) =>
    Object.fromEntries(validateSync(Object.assign(new Body(), values)).map((e) => [e.property, Object.values(e.constraints ?? {})]));

  it('accepts good values and names the field of a bad one', () => {
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(errorsFor({ dateOfBirth: '1990-05-01', releaseEligibleAt: '2026-11-20T16:00:00-06:00', occurredAt: '2026-11-20' })).toEqual({});
    expect(errorsFor({ dateOfBirth: tomorrow, releaseEligibleAt: '2026-11-20T16:00:00-06:00', occurredAt: '2026-11-20T16:00Z' })).toEqual({});
    expect(errorsFor({ dateOfBirth: '2999-01-01', releaseEligibleAt: '2026-11-20T16:00:00', occurredAt: '2026-02-30' })).toEqual({
      dateOfBirth: ['dateOfBirth must be a real date as YYYY-MM-DD, from 1900 on and not in the future'],
      releaseEligibleAt: ['releaseEligibleAt must be an ISO 8601 date-time with offset, in a year from 1900 to 2200, e.g. 2026-11-20T16:00:00-06:00'],
      occurredAt: ['occurredAt must be an ISO 8601 date-time with offset, or a date YYYY-MM-DD, in a year from 1900 to 2200'],
    });
  });
});

describe('isIanaTimeZone', () => {
  it.each(['America/Chicago', 'America/New_York', 'America/Indiana/Indianapolis', 'Pacific/Honolulu', 'America/Puerto_Rico', 'Pacific/Guam', 'US/Eastern'])(
    'accepts %s',
    (zone) => expect(isIanaTimeZone(zone)).toBe(true),
  );
  it.each(['EST', 'CST', 'CST6CDT', 'UTC', 'GMT', 'Etc/GMT+5', 'etc/utc', 'SystemV/CST6', 'america/chicago', 'Mars/Olympus_Mons', 'America/Nowhere', '', 'America/Chicago\u0000', 'America/../Chicago'])(
    'refuses %j (an abbreviation, a fixed offset, or no such place)',
    (zone) => expect(isIanaTimeZone(zone)).toBe(false),
  );
  it('refuses what is not a string', () => {
    for (const value of [null, undefined, 42, { zone: 'America/Chicago' }]) expect(isIanaTimeZone(value)).toBe(false);
  });
});

describe('isUsTimeZone', () => {
  it.each(['America/Chicago', 'America/Juneau', 'America/Indiana/Indianapolis', 'America/Indianapolis', 'America/Fort_Wayne', 'US/Central',
    'America/Kentucky/Louisville', 'Pacific/Honolulu', 'America/Puerto_Rico', 'America/St_Thomas', 'Pacific/Guam', 'Pacific/Saipan', 'Pacific/Pago_Pago'])(
    'accepts %s (a state, a territory, or a link to one)',
    (zone) => expect(isUsTimeZone(zone)).toBe(true),
  );
  it.each(['America/Guatemala', 'America/Mexico_City', 'America/Argentina/Buenos_Aires', 'America/Tijuana', 'America/Toronto', 'Europe/Madrid', 'EST', 'UTC', 'america/chicago', 'America/Nowhere'])(
    'refuses %j (abroad, or not a zone of a place)',
    (zone) => expect(isUsTimeZone(zone)).toBe(false),
  );
});

describe('hasIdentifyingNumber', () => {
  it.each([
    ['Calling A987-654-321 about the hearing', true],
    ['A#123456789', true],
    ['call back on (512) 555-0142', true],
    ['booking TC-0000123', true],
    ['512.555.0142', true],
    ['filed by fax on 2026-11-20', false],
    ['hearing moved to 11/20/2026 at 10:30', false],
    ['bond of $15,000 set', false],
    ['room 1204, floor 3', false],
    ['Detainer expires tonight; calling family', false],
    ['', false],
    // Written other ways (a phone's en dash, spaced dashes, full-width digits, underscores).
    ['A\u2013123\u2013456\u2013789', true],
    ['A 123 - 456 - 789', true],
    ['\uff21\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19', true],
    ['123_456_789', true],
    ['512 555 0142', true],
    // Invisible marks inside, minus signs and soft hyphens: read as the A-number and phone normalizers read them.
    ['A123\u200e456\u200e789', true],
    ['A123\u2212456\u2212789', true],
    ['A\u00ad123\u00ad456\u00ad789', true],
    ['512\u2212555\u22120177', true],
    ['512\u200f-555\u200f-0177', true],
    // Digits of another script (Arabic-Indic), as an Arabic phone keyboard types them.
    ['\u0665\u0661\u0662 \u0665\u0665\u0665 \u0660\u0661\u0664\u0662', true],
    // Digits grouped with commas, as amounts are written.
    ['A123,456,789', true],
    ['A 123, 456, 789', true],
    ['512,555,0142', true],
    // Commas in dates, lists and amounts are not.
    ['Released to ICE Dec 12, 2026, 10am', false],
    ['Hearings 11/20, 12/4 and 12/18', false],
    ['pages 12, 13, 14, 15', false],
    ['bond 1,500,000 pesos', false],
    ['shaped like a date but no year of ours: 1-23-4567', true],
    // Dates with times, ranges, form numbers and money are not identifying.
    ['Filed by fax on 11/20/2026 4:15pm, confirmation on file', false],
    ['Away 12/1/26-12/15/26', false],
    ['2026-11-20 10:30', false],
    ['Filed I-589 11/20/2026', false],
    ['Bond set at $15000.00', false],
    ['bond of $1,500,000 posted', false],
  ])('%j: %s', (text, expected) => {
    expect(hasIdentifyingNumber(text)).toBe(expected);
  });

  it('is linear on long runs of digits and separators', () => {
    const started = Date.now();
    hasIdentifyingNumber(`${'1-'.repeat(50_000)}x`);
    hasIdentifyingNumber(`${'1 -'.repeat(50_000)}`);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
