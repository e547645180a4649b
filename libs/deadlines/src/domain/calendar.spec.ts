import fc from 'fast-check';
import { DateTime } from 'luxon';
import { addHoursExcludingClosedDays, isClosedDay, isFederalHoliday, rollForward } from './calendar';
import { DeadlineInputError } from './errors';

const CHICAGO = 'America/Chicago';
const ZONES = ['America/Chicago', 'America/New_York', 'America/Phoenix', 'America/Los_Angeles', 'America/Denver', 'Pacific/Honolulu', 'America/Anchorage'];

describe('isClosedDay', () => {
  it.each([
    ['2026-11-26', true, 'Thanksgiving'],
    ['2026-11-27', false, 'day after Thanksgiving is not a federal holiday'],
    ['2026-07-03', true, 'Independence Day observed (Fri)'],
    ['2026-07-04', true, 'Independence Day itself (Sat)'],
    ['2026-07-06', false, 'Monday after'],
    ['2026-06-19', true, 'Juneteenth'],
    ['2027-06-18', true, 'Juneteenth 2027 observed (Fri)'],
    ['2027-12-31', true, 'New Year 2028 observed in the previous year'],
    ['2026-10-12', true, 'Columbus Day'],
    ['2026-11-11', true, 'Veterans Day'],
    ['2028-11-10', true, 'Veterans Day 2028 observed (Fri): date-holidays files this substitute as a bank holiday'],
    ['2029-11-12', true, 'Veterans Day 2029 observed (Mon)'],
    ['2028-11-07', false, 'Election Day is not a federal holiday'],
    ['2026-12-24', false, 'Christmas Eve is not a legal holiday'],
    ['2026-11-21', true, 'Saturday'],
    ['2026-11-22', true, 'Sunday'],
    ['2026-11-23', false, 'Monday'],
  ])('%s closed=%s (%s)', (date, closed) => {
    expect(isClosedDay(date, CHICAGO)).toBe(closed);
  });

  it('reads an instant as a local day in the zone given', () => {
    const instant = DateTime.fromISO('2026-11-26T03:00:00Z'); // Wed 25 Nov, 9 PM in Chicago
    expect(isClosedDay(instant, CHICAGO)).toBe(false);
    expect(isClosedDay(instant, 'UTC')).toBe(true);
  });

  it('tells a holiday from a weekend', () => {
    expect(isFederalHoliday('2026-07-04', CHICAGO)).toBe(true);
    expect(isFederalHoliday('2026-07-05', CHICAGO)).toBe(false);
    expect(isClosedDay('2026-07-05', CHICAGO)).toBe(true);
  });

  it('refuses an unknown zone and an impossible date with typed errors', () => {
    expect(() => isClosedDay('2026-11-26', 'America/Nowhere')).toThrow(
      expect.objectContaining({ code: 'INVALID_TIME_ZONE', field: 'timeZone' }),
    );
    expect(() => isClosedDay('2026-02-30', CHICAGO)).toThrow(DeadlineInputError);
  });
});

describe('rollForward', () => {
  it.each([
    ['2026-11-26', '2026-11-27', 'Thanksgiving to Friday'],
    ['2026-07-03', '2026-07-06', 'observed Fri, holiday Sat, Sun: to Monday'],
    ['2026-06-19', '2026-06-22', 'Juneteenth (Fri) to Monday'],
    ['2026-11-21', '2026-11-23', 'Saturday to Monday'],
    ['2026-12-25', '2026-12-28', 'Christmas (Fri) to Monday'],
    ['2026-11-25', '2026-11-25', 'open day unchanged'],
    ['2028-11-10', '2028-11-13', 'Veterans Day observed (Fri), then the weekend: to Monday'],
  ])('%s -> %s (%s)', (raw, expected) => {
    expect(rollForward(raw, CHICAGO).toISODate()).toBe(expected);
  });

  it('keeps the wall-clock time and the zone', () => {
    const rolled = rollForward(DateTime.fromISO('2026-11-26T23:59:59.999', { zone: CHICAGO }), CHICAGO);
    expect(rolled.toISO()).toBe('2026-11-27T23:59:59.999-06:00');
  });
});

describe('addHoursExcludingClosedDays (8 CFR 287.7(d))', () => {
  it.each([
    ['2026-11-20T16:00:00-06:00', CHICAGO, '2026-11-24T16:00:00.000-06:00', 'Fri afternoon skips the weekend'],
    ['2026-11-21T10:00:00-06:00', CHICAGO, '2026-11-25T00:00:00.000-06:00', 'starting on Saturday counts from Monday 00:00'],
    ['2026-11-25T09:00:00-06:00', CHICAGO, '2026-11-30T09:00:00.000-06:00', 'Thanksgiving and the weekend skipped'],
    ['2026-10-30T10:00:00-05:00', CHICAGO, '2026-11-03T10:00:00.000-06:00', 'across the end of DST'],
    ['2026-10-31T12:00:00-07:00', 'America/Phoenix', '2026-11-04T00:00:00.000-07:00', 'Arizona, Saturday start'],
    ['2026-11-23T08:00:00-06:00', CHICAGO, '2026-11-25T08:00:00.000-06:00', 'two open days: same as elapsed'],
  ])('%s in %s -> %s (%s)', (start, zone, expected) => {
    expect(addHoursExcludingClosedDays(DateTime.fromISO(start, { setZone: true }), 48, zone).toISO()).toBe(expected);
  });
});

describe('calendar properties', () => {
  const day = fc
    .integer({ min: 0, max: 365 * 15 })
    .map((offset) => DateTime.fromISO('2020-01-01', { zone: 'utc' }).plus({ days: offset }).toISODate() as string);
  const zone = fc.constantFrom(...ZONES);

  it('a rolled-forward day is open, not earlier than the raw day, and every day skipped was closed', () => {
    fc.assert(
      fc.property(day, zone, (raw, z) => {
        const start = DateTime.fromISO(raw, { zone: z });
        const rolled = rollForward(start, z);
        expect(isClosedDay(rolled, z)).toBe(false);
        expect(rolled.toMillis()).toBeGreaterThanOrEqual(start.toMillis());
        expect(rolled.diff(start, 'days').days).toBeLessThanOrEqual(4);
        for (let d = start; d < rolled; d = d.plus({ days: 1 })) expect(isClosedDay(d, z)).toBe(true);
        expect(rollForward(rolled, z).toISODate()).toBe(rolled.toISODate());
      }),
    );
  });

  it('the 287.7(d) outer limit is never earlier than 48 elapsed hours', () => {
    const instant = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) });
    fc.assert(
      fc.property(instant, zone, (ms, z) => {
        const start = DateTime.fromMillis(ms, { zone: z });
        const outer = addHoursExcludingClosedDays(start, 48, z);
        expect(outer.toMillis()).toBeGreaterThanOrEqual(start.plus({ hours: 48 }).toMillis());
      }),
    );
  });
});
