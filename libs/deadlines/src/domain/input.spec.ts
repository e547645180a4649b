import fc from 'fast-check';
import { DateTime } from 'luxon';
import { DeadlineInputError } from './errors';
import { canonicalInstant, eventTime, happenedAfter, latestByDay, parseInstant } from './input';
import { tz } from './zones';

const ZONES = ['America/Chicago', 'America/New_York', 'America/Phoenix', 'Pacific/Guam', 'UTC', 'Asia/Kolkata'];

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Timestamps of the canonical shape, fields drawn past their valid ranges too (month 13, day 31 in April, 24:00, second 60). */
const canonicalShaped = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    hour: fc.integer({ min: 0, max: 25 }),
    minute: fc.integer({ min: 0, max: 61 }),
    second: fc.integer({ min: 0, max: 61 }),
    fraction: fc.option(fc.stringMatching(/^\d{1,3}$/), { nil: undefined }),
    offset: fc.oneof(
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 70 })).map(([s, h, m]) => `${s}${pad(h)}:${pad(m)}`),
    ),
  })
  .map((f) => `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${f.fraction ? `.${f.fraction}` : ''}${f.offset}`);

/** What luxon's parser makes of a timestamp with an offset: parseInstant's definition, and its code before the fast path. */
function reference(value: string, zone: string): DateTime {
  return DateTime.fromISO(value, { setZone: true }).setZone(tz(zone));
}

describe('parseInstant', () => {
  it('agrees with luxon on every timestamp of the canonical shape: the same instant in the same zone, or refused', () => {
    fc.assert(
      fc.property(canonicalShaped, fc.constantFrom(...ZONES), (value, zone) => {
        const expected = reference(value, zone);
        if (!expected.isValid) {
          expect(() => parseInstant(value, zone, 'at')).toThrow(DeadlineInputError);
          return;
        }
        const parsed = parseInstant(value, zone, 'at');
        expect(parsed.toMillis()).toBe(expected.toMillis());
        expect(parsed.zoneName).toBe(expected.zoneName);
        expect(parsed.toISO()).toBe(expected.toISO());
      }),
      { numRuns: 5000 },
    );
  });

  it('agrees with luxon on realistic timestamps (valid fields, offsets of real zones)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) }),
        fc.constantFrom(...ZONES),
        fc.constantFrom(...ZONES),
        fc.boolean(),
        (ts, writtenIn, zone, withMillis) => {
          const value = DateTime.fromMillis(ts, { zone: writtenIn }).toISO({ suppressMilliseconds: !withMillis })!;
          const parsed = parseInstant(value, zone, 'at');
          const expected = reference(value, zone);
          expect(parsed.toMillis()).toBe(expected.toMillis());
          expect(parsed.toISO()).toBe(expected.toISO());
        },
      ),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['2026-02-30T10:00:00Z'],
    ['2026-13-01T10:00:00Z'],
    ['2026-01-01T10:00:60Z'],
  ])('refuses %s, which rolls over', (value) => {
    expect(() => parseInstant(value, 'America/Chicago', 'at')).toThrow(DeadlineInputError);
  });

  it('leaves what luxon accepts beyond the canonical ranges to luxon (24:00, large offsets, early years, other ISO forms)', () => {
    for (const value of ['2026-01-01T24:00:00Z', '2026-01-01T10:00:00+99:00', '0099-01-01T10:00:00Z', '2026-01-01T10:00Z', '2026-01-01T10:00:00.123456-05:00', '2026-01-01t10:00:00z']) {
      expect(canonicalInstant(value)).toBeUndefined();
      const expected = reference(value, 'America/Chicago');
      if (expected.isValid) expect(parseInstant(value, 'America/Chicago', 'at').toMillis()).toBe(expected.toMillis());
      else expect(() => parseInstant(value, 'America/Chicago', 'at')).toThrow(DeadlineInputError);
    }
  });

  it.each([
    ['2024-02-29T12:00:00Z', Date.UTC(2024, 1, 29, 12)],
    ['2000-02-29T12:00:00Z', Date.UTC(2000, 1, 29, 12)],
    ['2026-11-25T10:00:00-00:30', Date.UTC(2026, 10, 25, 10, 30)],
    ['2026-11-25T10:00:00-00:00', Date.UTC(2026, 10, 25, 10)],
    ['2026-11-25T10:00:00.5Z', Date.UTC(2026, 10, 25, 10, 0, 0, 500)],
    ['2026-11-25T10:00:00.05+01:00', Date.UTC(2026, 10, 25, 9, 0, 0, 50)],
  ])('reads %s itself, as luxon does', (value, instant) => {
    expect(canonicalInstant(value)).toBe(instant);
    expect(reference(value, 'UTC').toMillis()).toBe(instant);
  });

  it.each([['2100-02-29T12:00:00Z'], ['2026-04-31T12:00:00Z'], ['2026-00-10T12:00:00Z']])('refuses %s (no such day)', (value) => {
    expect(canonicalInstant(value)).toBeUndefined();
    expect(() => parseInstant(value, 'America/Chicago', 'at')).toThrow(DeadlineInputError);
  });
});

describe('happenedAfter', () => {
  const chicago = (value: string) => eventTime(value, 'America/Chicago', 'occurredAt');
  it('orders two timed events by instant, whatever their zones', () => {
    expect(happenedAfter(chicago('2026-11-24T10:00:00-06:00'), eventTime('2026-11-24T10:30:00-05:00', 'America/New_York', 'x'))).toBe(true);
    expect(happenedAfter(chicago('2026-11-24T09:00:00-06:00'), chicago('2026-11-24T09:00:00-06:00'))).toBe(false);
  });
  it('compares one given by its date alone by local day: the same day is neither after nor before', () => {
    expect(happenedAfter(chicago('2026-11-24'), chicago('2026-11-24T15:00:00-06:00'))).toBe(false);
    expect(happenedAfter(chicago('2026-11-24T15:00:00-06:00'), chicago('2026-11-24'))).toBe(false);
    expect(happenedAfter(chicago('2026-11-25'), chicago('2026-11-24T23:30:00-06:00'))).toBe(true);
    // 23:30 in Chicago is the 25th in UTC: the day is the date-only event's zone's.
    expect(happenedAfter(chicago('2026-11-24T23:30:00-06:00'), chicago('2026-11-24'))).toBe(false);
    expect(happenedAfter(chicago('2026-11-24'), chicago('2026-11-23'))).toBe(true);
  });
  it('two dates alone are compared as given, each the day where it happened (a New York midnight is still the day before in Chicago)', () => {
    const newYork = eventTime('2026-11-24', 'America/New_York', 'occurredAt');
    expect(happenedAfter(chicago('2026-11-24'), newYork)).toBe(false);
    expect(happenedAfter(newYork, chicago('2026-11-24'))).toBe(false);
    expect(happenedAfter(eventTime('2026-11-25', 'America/New_York', 'x'), chicago('2026-11-24'))).toBe(true);
  });
});

describe('latestByDay', () => {
  const chicago = (value: string) => eventTime(value, 'America/Chicago', 'occurredAt');
  const latest = (values: string[]) => latestByDay(values, chicago);
  it('takes the latest time, a date alone compared by day, the one recorded later on the same day', () => {
    expect(latest(['2026-11-26T15:00:00-06:00', '2026-11-26'])).toBe('2026-11-26');
    expect(latest(['2026-11-26', '2026-11-26T15:00:00-06:00'])).toBe('2026-11-26T15:00:00-06:00');
    expect(latest(['2026-11-27', '2026-11-26T15:00:00-06:00'])).toBe('2026-11-27');
    expect(latest(['2026-11-26T23:00:00-06:00', '2026-11-25'])).toBe('2026-11-26T23:00:00-06:00');
    expect(latest([])).toBeUndefined();
  });
  it('reads each event\'s day where it happened, so a date read in another zone does not bring back what a later one beat', () => {
    const t = { id: 't', time: chicago('2026-11-10T23:30:00-06:00') }; // already the 11th in New York
    const d1 = { id: 'd1', time: chicago('2026-11-10') };
    const d2 = { id: 'd2', time: eventTime('2026-11-10', 'America/New_York', 'occurredAt') };
    expect(latestByDay([t, d1], (x) => x.time)?.id).toBe('d1');
    expect(latestByDay([t, d1, d2], (x) => x.time)?.id).toBe('d2');
    expect(happenedAfter(t.time, d2.time)).toBe(false);
  });

  it('does not let a date between two times of its day make the earlier time win (the same day is not transitive)', () => {
    // 15:00, then a date alone, then 10:00: the latest time (15:00) meets the date, which was recorded after it.
    expect(latest(['2026-11-26T15:00:00-06:00', '2026-11-26', '2026-11-26T10:00:00-06:00'])).toBe('2026-11-26');
    expect(latest(['2026-11-26', '2026-11-26T10:00:00-06:00', '2026-11-26T15:00:00-06:00'])).toBe('2026-11-26T15:00:00-06:00');
    // Whatever the order, never the 10:00 one while a 15:00 one of the same day is there.
    for (const order of [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]) {
      const values = order.map((i) => ['2026-11-26T15:00:00-06:00', '2026-11-26', '2026-11-26T10:00:00-06:00'][i]);
      expect(latest(values)).not.toBe('2026-11-26T10:00:00-06:00');
    }
  });
});
