import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { slotCache, tz } from './zones';

// Zones with DST, without (Arizona, Puerto Rico, Guam), a half-hour zone, one whose DST moves by 30 minutes (Lord
// Howe), and the zones of territories the facilities list uses.
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
  'Pacific/Guam',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'America/St_Johns',
];
const FROM = Date.UTC(1990, 0, 1);
const TO = Date.UTC(2045, 0, 1);

describe('tz (remembered offsets and abbreviations)', () => {
  it('gives the same offset and abbreviation as luxon IANAZone for any instant', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: FROM, max: TO }), (name, ts) => {
        const exact = IANAZone.create(name);
        const cached = tz(name);
        expect(cached.offset(ts)).toBe(exact.offset(ts));
        // Asked twice: the second answer comes from the cache.
        expect(cached.offset(ts)).toBe(exact.offset(ts));
        expect(cached.offsetName(ts, { format: 'short', locale: 'en-US' })).toBe(exact.offsetName(ts, { format: 'short', locale: 'en-US' }));
      }),
      { numRuns: 3000 },
    );
  });

  it('is exact on both sides of a transition inside a cached 15-minute slot', () => {
    const zone = tz('America/New_York');
    const exact = IANAZone.create('America/New_York');
    // 2026-03-08 02:00 EST = 07:00Z (spring forward) and 2026-11-01 02:00 EDT = 06:00Z (fall back); and Lord Howe's
    // 30-minute change (2026-04-05 02:00 LHDT = 2026-04-04 15:00Z).
    const transitions = [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)];
    for (const t of transitions) {
      for (const delta of [-SLOT, -1, 0, 1, 7 * 60_000 + 13, SLOT - 1, SLOT]) {
        expect(zone.offset(t + delta)).toBe(exact.offset(t + delta));
      }
    }
    const lordHowe = tz('Australia/Lord_Howe');
    const lhExact = IANAZone.create('Australia/Lord_Howe');
    const lh = Date.UTC(2026, 3, 4, 15);
    for (const delta of [-1, 0, 1, 29 * 60_000]) expect(lordHowe.offset(lh + delta)).toBe(lhExact.offset(lh + delta));
  });

  it('answers exactly inside a slot that holds a change, and from the cache elsewhere', () => {
    // A synthetic zone whose offset changes at an instant that is not on a slot boundary.
    const change = 3 * SLOT + 123_457;
    let calls = 0;
    const exact = (ts: number) => {
      calls++;
      return ts < change ? -300 : -240;
    };
    const offset = slotCache(exact);
    for (const ts of [change - 1, change, change + 1, 3 * SLOT, 4 * SLOT - 1]) expect(offset(ts)).toBe(exact(ts));
    expect(offset(SLOT + 5)).toBe(-300);
    expect(offset(5 * SLOT + 5)).toBe(-240);
    calls = 0;
    expect(offset(SLOT + 99)).toBe(-300);
    expect(offset(5 * SLOT + 99)).toBe(-240);
    expect(calls).toBe(0);
  });

  it('makes DateTimes that luxon treats as the IANA zone (names, ISO output, equality, arithmetic)', () => {
    const start = DateTime.fromISO('2026-03-07T12:00:00', { zone: tz('America/Chicago') });
    const plain = DateTime.fromISO('2026-03-07T12:00:00', { zone: 'America/Chicago' });
    expect(start.zoneName).toBe('America/Chicago');
    expect(start.zone.equals(plain.zone)).toBe(true);
    expect(plain.zone.equals(start.zone)).toBe(true);
    expect(start.toISO()).toBe(plain.toISO());
    // Across the spring-forward night: the same wall-clock arithmetic as luxon's own zone.
    expect(start.plus({ days: 1 }).toISO()).toBe(plain.plus({ days: 1 }).toISO());
    expect(start.plus({ hours: 24 }).toISO()).toBe(plain.plus({ hours: 24 }).toISO());
    expect(start.plus({ days: 1 }).toFormat('ZZZZ')).toBe('CDT');
    expect(start.toFormat('ZZ')).toBe('-06:00');
    expect(start.toLocaleString(DateTime.DATETIME_FULL, { locale: 'en-US' })).toBe(plain.toLocaleString(DateTime.DATETIME_FULL, { locale: 'en-US' }));
  });

  it('resolves a wall-clock time that does not exist or exists twice as luxon does', () => {
    const cases = ['2026-03-08T02:30:00', '2026-11-01T01:30:00'];
    for (const iso of cases) {
      expect(DateTime.fromISO(iso, { zone: tz('America/New_York') }).toISO()).toBe(DateTime.fromISO(iso, { zone: 'America/New_York' }).toISO());
    }
  });

  it('returns one zone object per zone, whatever the spelling, and luxon invalid zone for an unknown name', () => {
    expect(tz('America/Chicago')).toBe(tz('America/Chicago'));
    expect(tz('america/chicago')).toBe(tz('America/Chicago'));
    expect(tz('AMERICA/CHICAGO').name).toBe('America/Chicago');
    expect(tz('Mars/Olympus_Mons').isValid).toBe(false);
  });
});

const SLOT = 15 * 60_000;
