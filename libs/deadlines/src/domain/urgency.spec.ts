import { DateTime } from 'luxon';
import { computeDeadlines } from './compute-deadlines';
import { DeadlineInputError } from './errors';
import { computeFlags } from './flags';
import fc from 'fast-check';
import { assessUrgency, englishLocal, formatLocal, URGENCY_POLICY, urgencyOrderAt, urgencyReviewAt } from './urgency';
import { tz } from './zones';
import type { CaseFacts, ComputedDeadline, DeadlineStatus, Flag, UrgencyInput } from './types';

const HARRIS: CaseFacts = {
  custody: {
    status: 'local_jail',
    timeZone: 'America/Chicago',
    placeName: 'Harris County Jail',
    detainerLodged: true,
    releaseEligibleAt: '2026-11-19T16:00:00-06:00',
  },
  events: [],
};

function withStatus(list: ComputedDeadline[], status: DeadlineStatus = 'open') {
  return list.map((d) => ({ ...d, status }));
}

function dayDeadline(dueAt: string, status: DeadlineStatus = 'open', label = 'Change of address to the immigration court (EOIR-33)') {
  return {
    key: `k-${dueAt}`,
    rule: 'eoir33_change_of_address',
    label,
    dueAt,
    timeZone: 'America/Chicago',
    citation: 'EOIR Policy Manual, Appendix C',
    ruleVersion: '2026.1',
    status,
  };
}

function assess(partial: Partial<UrgencyInput> & { now: Date }) {
  return assessUrgency({ deadlines: [], flags: [], custodyStatus: 'not_detained', ...partial });
}

describe('assessUrgency: detainer', () => {
  const deadlines = withStatus(computeDeadlines(HARRIS));

  it('a running detainer is critical, with the local time, zone abbreviation and place', () => {
    const result = assess({
      deadlines,
      custodyStatus: 'local_jail',
      placeName: 'Harris County Jail',
      now: new Date('2026-11-20T18:00:00Z'),
    });
    expect(result.level).toBe('critical');
    expect(result.reasons[0]).toBe(
      'ICE detainer: the 48-hour hold ends Sat 21 Nov, 4:00 PM CST at Harris County Jail; outer limit under 8 CFR 287.7(d): Mon 23 Nov, 4:00 PM CST',
    );
    expect(result.nextDeadlineAt).toBe('2026-11-21T16:00:00-06:00');
  });

  it('stays critical after the 48 hours while the regulation outer limit runs', () => {
    const result = assess({ deadlines, custodyStatus: 'local_jail', placeName: 'Harris County Jail', now: new Date('2026-11-22T18:00:00Z') });
    expect(result.level).toBe('critical');
    expect(result.reasons[0]).toMatch(/^ICE detainer: the 48-hour hold ended Sat 21 Nov, 4:00 PM CST at Harris County Jail/);
  });

  it('once marked missed at 48 hours (the alert), the reason still shows the outer limit until it passes', () => {
    const missed = withStatus(computeDeadlines(HARRIS), 'missed');
    const during = assess({ deadlines: missed, custodyStatus: 'local_jail', placeName: 'Harris County Jail', now: new Date('2026-11-22T18:00:00Z') });
    expect(during.level).toBe('critical');
    expect(during.reasons[0]).toBe(
      'Missed: ICE detainer 48-hour hold, was due Sat 21 Nov, 4:00 PM CST at Harris County Jail; outer limit under 8 CFR 287.7(d): Mon 23 Nov, 4:00 PM CST',
    );
    // The assessment changes when the outer limit passes: that is when the case is reviewed again.
    expect(urgencyReviewAt({ deadlines: missed, flags: [], custodyStatus: 'local_jail', now: new Date('2026-11-22T18:00:00Z') })).toEqual(
      new Date('2026-11-23T22:00:00Z'),
    );
    const after = assess({ deadlines: missed, custodyStatus: 'local_jail', placeName: 'Harris County Jail', now: new Date('2026-11-24T18:00:00Z') });
    expect(after.reasons[0]).toBe('Missed: ICE detainer 48-hour hold, was due Sat 21 Nov, 4:00 PM CST');
  });

  it('not yet release-eligible: graded by the due time', () => {
    const later = withStatus(computeDeadlines({ ...HARRIS, custody: { ...HARRIS.custody, releaseEligibleAt: '2026-12-10T09:00:00-06:00' } }));
    const result = assess({ deadlines: later, custodyStatus: 'local_jail', now: new Date('2026-11-25T18:00:00Z') });
    expect(result.level).toBe('normal');
    expect(result.reasons[0]).toBe('ICE detainer: release-eligible Thu 10 Dec, 9:00 AM CST; the 48-hour hold would end Sat 12 Dec, 9:00 AM CST');
  });

  it('a hold or outer limit ending at midnight is said as the end of the day before, not as 12:00 AM of the next', () => {
    // Release-eligible at the start of Friday: the 48 hours end as Saturday ends, the outer limit as Monday ends.
    const midnight = withStatus(computeDeadlines({ ...HARRIS, custody: { ...HARRIS.custody, releaseEligibleAt: '2026-12-04T00:00:00-06:00' } }));
    expect([midnight[0].dueAt, midnight[0].outerLimitAt]).toEqual(['2026-12-06T00:00:00-06:00', '2026-12-08T00:00:00-06:00']);
    const before = assess({ deadlines: midnight, custodyStatus: 'local_jail', now: new Date('2026-12-01T18:00:00Z') });
    expect(before.reasons[0]).toBe('ICE detainer: release-eligible Fri 4 Dec, 12:00 AM CST; the 48-hour hold would end Sat 5 Dec, midnight (end of the day) CST');
    const running = assess({ deadlines: midnight, custodyStatus: 'local_jail', now: new Date('2026-12-05T18:00:00Z') });
    expect(running.reasons[0]).toBe('ICE detainer: the 48-hour hold ends Sat 5 Dec, midnight (end of the day) CST; outer limit under 8 CFR 287.7(d): Mon 7 Dec, midnight (end of the day) CST');
    const missed = assess({ deadlines: withStatus(midnight, 'missed'), custodyStatus: 'local_jail', now: new Date('2026-12-07T18:00:00Z') });
    expect(missed.reasons[0]).toBe('Missed: ICE detainer 48-hour hold, was due Sat 5 Dec, midnight (end of the day) CST; outer limit under 8 CFR 287.7(d): Mon 7 Dec, midnight (end of the day) CST');
  });

  it('no longer counts once the person has left the jail', () => {
    const result = assess({ deadlines, custodyStatus: 'released', now: new Date('2026-11-20T18:00:00Z') });
    expect(result).toEqual({ level: 'low', reasons: ['No open deadlines'], nextDeadlineAt: null });
  });

  it('in Arizona the reason uses MST', () => {
    const phoenix = withStatus(
      computeDeadlines({ custody: { status: 'local_jail', timeZone: 'America/Phoenix', detainerLodged: true, releaseEligibleAt: '2026-07-01T08:00:00-07:00' }, events: [] }),
    );
    const result = assess({ deadlines: phoenix, custodyStatus: 'local_jail', placeName: 'Maricopa County Jail', now: new Date('2026-07-01T20:00:00Z') });
    expect(result.reasons[0]).toMatch(/^ICE detainer: the 48-hour hold ends Fri 3 Jul, 8:00 AM MST at Maricopa County Jail/);
  });
});

describe('assessUrgency: thresholds', () => {
  const now = new Date('2026-11-02T12:00:00-06:00');
  it.each<[string, string, string]>([
    ['due within 72 h', '2026-11-04T23:59:59.999-06:00', 'critical'],
    ['due within 7 days', '2026-11-09T11:00:00-06:00', 'high'],
    ['due within 30 days', '2026-11-30T23:59:59.999-06:00', 'normal'],
    ['due later', '2027-01-15T23:59:59.999-06:00', 'low'],
    ['already past and open', '2026-10-30T23:59:59.999-05:00', 'critical'],
  ])('%s: %s -> %s', (_name, dueAt, level) => {
    expect(assess({ deadlines: [dayDeadline(dueAt)], now }).level).toBe(level);
  });

  it('uses the threshold values it documents', () => {
    expect(URGENCY_POLICY).toMatchObject({ criticalWithinHours: 72, highWithinHours: 168, normalWithinHours: 720 });
  });

  it('a missed deadline is critical; met and waived ones are ignored', () => {
    expect(assess({ deadlines: [dayDeadline('2026-10-30T23:59:59.999-05:00', 'missed')], now })).toEqual({
      level: 'critical',
      reasons: ['Missed: Change of address to the immigration court (EOIR-33), was due Fri 30 Oct, 11:59 PM CDT'],
      nextDeadlineAt: null,
    });
    const done = [dayDeadline('2026-11-03T23:59:59.999-06:00', 'met'), dayDeadline('2026-11-04T23:59:59.999-06:00', 'waived')];
    expect(assess({ deadlines: done, now }).level).toBe('low');
  });

  it('orders reasons by level then time, shows the year when it differs, and names the next deadline', () => {
    const result = assess({
      deadlines: [dayDeadline('2027-01-15T23:59:59.999-06:00', 'open', 'Far'), dayDeadline('2026-11-04T23:59:59.999-06:00', 'open', 'Near')],
      now,
    });
    expect(result.reasons).toEqual(['Near: due Wed 4 Nov, 11:59 PM CST', 'Far: due Fri 15 Jan 2027, 11:59 PM CST']);
    expect(result.nextDeadlineAt).toBe('2026-11-04T23:59:59.999-06:00');
  });

  it('shows when a window opens', () => {
    const daca = withStatus(computeDeadlines({ custody: { status: 'not_detained', timeZone: 'America/Chicago' }, events: [{ id: 'd', type: 'daca_expires', occurredAt: '2027-03-15' }] }));
    const result = assess({ deadlines: daca, now: new Date('2026-09-01T12:00:00Z') });
    expect(result.reasons).toEqual(['DACA renewal filing window: opens Fri 16 Oct, 12:00 AM CDT, due Sun 15 Nov, 11:59 PM CST']);
    expect(result.level).toBe('low');
  });
});

describe('assessUrgency: flags and custody', () => {
  const now = new Date('2026-11-02T18:00:00Z');
  const flags = (f: Partial<CaseFacts>, status: CaseFacts['custody']['status'] = 'ice_detention'): Flag[] =>
    computeFlags({ custody: { status, timeZone: 'America/Chicago' }, events: [], ...f });

  it('detained without counsel is high even with no deadline', () => {
    const result = assess({ flags: flags({}), custodyStatus: 'ice_detention', placeName: 'Otero Processing Center', now });
    expect(result.level).toBe('high');
    expect(result.reasons).toEqual(['Detained with no attorney on record', 'Detained by ICE at Otero Processing Center']);
  });

  it('ICE detention with counsel is at least normal', () => {
    expect(assess({ flags: flags({ hasCounsel: true }), custodyStatus: 'ice_detention', now }).level).toBe('normal');
  });

  it('a 287(g) jail is high', () => {
    expect(assess({ flags: flags({ jail287g: true }, 'local_jail'), custodyStatus: 'local_jail', now }).level).toBe('high');
  });

  it('the bond-eligibility flag never lowers or hides the bond hearing', () => {
    const input: CaseFacts = {
      custody: { status: 'ice_detention', timeZone: 'America/Chicago' },
      events: [{ id: 'h', type: 'hearing_scheduled', occurredAt: '2026-11-01T10:00:00-06:00', data: { hearingType: 'bond', scheduledAt: '2026-11-04T09:00:00-06:00' } }],
      entryManner: 'ewi',
      hasCounsel: true,
    };
    const result = assess({ deadlines: withStatus(computeDeadlines(input)), flags: computeFlags(input), custodyStatus: 'ice_detention', now });
    expect(result.level).toBe('critical');
    expect(result.reasons[0]).toBe('Bond hearing: due Wed 4 Nov, 9:00 AM CST');
    expect(result.reasons.some((r) => r.startsWith('Bond eligibility contested: '))).toBe(true);
  });
});

describe('assessUrgency: invalid input', () => {
  it('rejects an invalid now and a bad deadline', () => {
    expect(() => assess({ now: new Date('x') })).toThrow(expect.objectContaining({ field: 'now', code: 'INVALID_DATE' }));
    expect(() => assess({ deadlines: [{ ...dayDeadline('2026-11-04T23:59:59.999-06:00'), timeZone: 'Nowhere' }], now: new Date() })).toThrow(
      expect.objectContaining({ field: 'deadlines[0].timeZone' }),
    );
    expect(() => assess({ deadlines: [dayDeadline('not a date')], now: new Date() })).toThrow(DeadlineInputError);
  });
});

describe('formatLocal', () => {
  it('uses the zone abbreviation of the time itself (CDT vs CST)', () => {
    expect(formatLocal(DateTime.fromISO('2026-10-31T12:00:00-05:00', { setZone: true }).setZone('America/Chicago'))).toBe(
      'Sat 31 Oct, 12:00 PM CDT',
    );
  });
});

describe('englishLocal', () => {
  it("writes what luxon's 'ccc d LLL[ yyyy], h:mm a ZZZZ' writes in en-US, for any instant and zone", () => {
    const zones = ['America/Chicago', 'America/New_York', 'America/Phoenix', 'Pacific/Honolulu', 'America/Puerto_Rico', 'America/Anchorage', 'Asia/Kolkata', 'UTC'];
    fc.assert(
      fc.property(fc.constantFrom(...zones), fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }), fc.boolean(), (zone, ts, withYear) => {
        const time = DateTime.fromMillis(ts, { zone: tz(zone) });
        const luxon = DateTime.fromMillis(ts, { zone }).toFormat(withYear ? 'ccc d LLL yyyy, h:mm a ZZZZ' : 'ccc d LLL, h:mm a ZZZZ', { locale: 'en-US' });
        expect(englishLocal(time, withYear)).toBe(luxon);
      }),
      { numRuns: 2000 },
    );
  });

  it('names the zones of Guam, the Northern Marianas and American Samoa as their people do, not by offset', () => {
    expect(englishLocal(DateTime.fromISO('2026-11-27T02:00:00', { zone: tz('Pacific/Guam') }), false)).toBe('Fri 27 Nov, 2:00 AM ChST');
    expect(englishLocal(DateTime.fromISO('2026-11-27T02:00:00', { zone: tz('Pacific/Saipan') }), false)).toBe('Fri 27 Nov, 2:00 AM ChST');
    expect(englishLocal(DateTime.fromISO('2026-11-27T05:00:00', { zone: tz('Pacific/Pago_Pago') }), false)).toBe('Fri 27 Nov, 5:00 AM SST');
  });

  it('says a midnight that ends something as the end of the day before, with that day\'s year', () => {
    const newYear = DateTime.fromISO('2027-01-01T00:00:00', { zone: tz('America/Chicago') });
    expect(englishLocal(newYear, true, true)).toBe('Thu 31 Dec 2026, midnight (end of the day) CST');
    expect(englishLocal(newYear, true)).toBe('Fri 1 Jan 2027, 12:00 AM CST');
    expect(englishLocal(newYear.plus({ milliseconds: 1 }), false, true)).toBe('Fri 1 Jan, 12:00 AM CST');
    // The night the clocks go back (1:00 AM twice): midnight is before it, in daylight time.
    expect(englishLocal(DateTime.fromISO('2027-11-07T00:00:00', { zone: tz('America/Chicago') }), false, true)).toBe('Sat 6 Nov, midnight (end of the day) CDT');
  });

  it('writes midnight and noon as 12', () => {
    expect(englishLocal(DateTime.fromISO('2026-11-27T00:05:00', { zone: tz('America/Chicago') }), false)).toBe('Fri 27 Nov, 12:05 AM CST');
    expect(englishLocal(DateTime.fromISO('2026-07-04T12:00:00', { zone: tz('America/New_York') }), true)).toBe('Sat 4 Jul 2026, 12:00 PM EDT');
  });
});

describe('urgencyReviewAt', () => {
  const DAY = 86_400_000;
  const review = (partial: Partial<UrgencyInput> & { now: Date }) =>
    urgencyReviewAt({ deadlines: [], flags: [], custodyStatus: 'not_detained', ...partial });

  it('a deadline ten days out: reviewed when it comes within 7 days, and then it is high', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const deadlines = [dayDeadline('2026-06-11T23:59:59.999-05:00')];
    const at = review({ deadlines, now });
    expect(at).toEqual(new Date(Date.parse('2026-06-11T23:59:59.999-05:00') - 7 * DAY));
    expect(assess({ deadlines, now: new Date(at!.getTime() - 1) }).level).toBe('normal');
    expect(assess({ deadlines, now: at! }).level).toBe('high');
  });

  it('at the very instant a deadline is due: reviewed just after it, when it is overdue', () => {
    const dueAt = '2026-06-11T23:59:59.999-05:00';
    const now = new Date(dueAt);
    const at = review({ deadlines: [dayDeadline(dueAt)], now });
    expect(at).toEqual(new Date(now.getTime() + 1));
    expect(assess({ deadlines: [dayDeadline(dueAt)], now }).reasons[0]).toMatch(/^Change of address .*: due/);
    expect(assess({ deadlines: [dayDeadline(dueAt)], now: at! }).reasons[0]).toMatch(/^Overdue: /);
  });

  it('a detainer before release-eligibility: reviewed as the hold comes near, and when it opens', () => {
    const deadlines = withStatus(computeDeadlines(HARRIS));
    // The hold would end 48 hours after release-eligibility (Sat 21 Nov, 4:00 PM CST): high 7 days before that.
    const at = review({ deadlines, custodyStatus: 'local_jail', now: new Date('2026-11-10T12:00:00Z') });
    expect(at).toEqual(new Date(Date.parse('2026-11-14T16:00:00-06:00')));
    expect(assess({ deadlines, custodyStatus: 'local_jail', now: at! }).level).toBe('high');
    // Critical 72 hours before; then the reason changes when the hold opens.
    const opens = review({ deadlines, custodyStatus: 'local_jail', now: new Date('2026-11-19T12:00:00Z') });
    expect(opens).toEqual(new Date(Date.parse('2026-11-19T16:00:00-06:00')));
    const [before, after] = [new Date(opens!.getTime() - 1), opens!].map((now) => assess({ deadlines, custodyStatus: 'local_jail', now }));
    expect(before.reasons[0]).toMatch(/^ICE detainer: release-eligible/);
    expect(after.reasons[0]).toMatch(/^ICE detainer: the 48-hour hold ends/);
  });

  it('nothing to review: no open deadline (met, waived), or a detainer once the person is out of the jail', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    for (const status of ['met', 'waived'] as const) {
      expect(review({ deadlines: [dayDeadline('2026-06-20T23:59:59.999-05:00', status)], now })).toBeNull();
    }
    const hold = withStatus(computeDeadlines(HARRIS)).filter((d) => d.rule === 'detainer_hold');
    expect(review({ deadlines: hold, custodyStatus: 'released', now: new Date('2026-11-20T12:00:00Z') })).toBeNull();
  });

  it('a hearing past its time, in its grace: its outcome is to be recorded, not "overdue"', () => {
    const hearing = { ...dayDeadline('2026-12-10T16:00:00.000-06:00', 'open', 'Bond hearing'), rule: 'bond_hearing' };
    const reasons = assess({ deadlines: [hearing], now: new Date('2026-12-10T23:00:00Z') }).reasons;
    expect(reasons[0]).toBe('Bond hearing was set for Thu 10 Dec, 4:00 PM CST: record its outcome');
  });

  it('a missed deadline of this year: reviewed when the year turns where it was due, and its reason then gains the year', () => {
    const missed = [dayDeadline('2026-12-07T23:59:59.999-06:00', 'missed')];
    const now = new Date('2026-12-20T12:00:00Z');
    const at = review({ deadlines: missed, now });
    expect(at).toEqual(new Date('2027-01-01T06:00:00Z')); // midnight in Chicago
    expect(assess({ deadlines: missed, now }).reasons[0]).toMatch(/was due Mon 7 Dec, /);
    expect(assess({ deadlines: missed, now: at! }).reasons[0]).toMatch(/was due Mon 7 Dec 2026, /);
    // Missed last year: its reason has the year already. Thirty days after it was due it is history (high, not
    // critical), and then there is nothing more to review.
    const stale = review({ deadlines: missed, now: at! });
    expect(stale).toEqual(new Date(Date.parse('2026-12-07T23:59:59.999-06:00') + 30 * DAY));
    expect(assess({ deadlines: missed, now: new Date(stale!.getTime() - 1) }).level).toBe('critical');
    expect(assess({ deadlines: missed, now: stale! })).toMatchObject({ level: 'high', reasons: [expect.stringMatching(/^Missed: .*was due Mon 7 Dec 2026, /)] });
    expect(review({ deadlines: missed, now: stale! })).toBeNull();
  });

  it('a detainer hold missed long ago, the person still in the jail (or the time mistyped), stays critical', () => {
    const hold = withStatus(computeDeadlines(HARRIS)).filter((d) => d.rule === 'detainer_hold').map((d) => ({ ...d, status: 'missed' as const }));
    const now = new Date(Date.parse(hold[0].dueAt) + 90 * DAY);
    expect(assess({ deadlines: hold, now }).level).toBe('critical');
    expect(review({ deadlines: hold, now })).toBeNull();
  });

  it('a deadline found missed years after it was due (an old arrival recorded for the bond flag) is high, not critical', () => {
    const asylum = { ...dayDeadline('2017-05-03T23:59:59.999-05:00', 'missed', 'Asylum one-year filing deadline'), rule: 'asylum_one_year' };
    const now = new Date('2026-12-09T15:00:00Z');
    expect(assess({ deadlines: [asylum], now })).toMatchObject({ level: 'high', reasons: [expect.stringMatching(/^Missed: Asylum one-year filing deadline, was due Wed 3 May 2017/)] });
    expect(review({ deadlines: [asylum], now })).toBeNull();
  });

  it('property: before the review time, the assessment (level and reasons) does not change', () => {
    // Deadlines and the detainer (Harris: eligible 19 Nov) between June and mid-December, so no reason gains a year.
    const base = Date.parse('2026-06-01T00:00:00Z');
    const hold = withStatus(computeDeadlines(HARRIS));
    const holdDue = Date.parse(hold.find((d) => d.rule === 'detainer_hold')!.dueAt);
    const due = fc.integer({ min: 0, max: 195 * 24 }).map((h) => new Date(base + h * 3_600_000).toISOString());
    fc.assert(
      fc.property(
        // A deadline may be a window that opens 45 days before it is due (its reason changes when it opens).
        fc.array(fc.tuple(due, fc.constantFrom<DeadlineStatus>('open', 'open', 'met', 'missed'), fc.boolean()), { maxLength: 4 }),
        fc.boolean(),
        // The hold open, or marked missed at 48 hours (its reason shows the outer limit until that passes).
        fc.constantFrom<DeadlineStatus>('open', 'missed'),
        // Now: anywhere, or just before a threshold of one of the deadlines (the hold's too), where a wrong review
        // time would show.
        fc.oneof(
          fc.integer({ min: 0, max: 195 * 24 * 60 }).map((m) => ({ minutes: m, near: null as number | null })),
          fc.record({ near: fc.nat(4), threshold: fc.constantFrom(45 * 24, 30 * 24, 7 * 24, 72, 48, 0, -48), back: fc.integer({ min: 0, max: 36 * 60 }) })
            .map(({ near, threshold, back }) => ({ minutes: -(threshold * 60) - back, near })),
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), { minLength: 1, maxLength: 5 }),
        (list, detained, holdStatus, when, fractions) => {
          const opensBefore = (dueAt: string) => new Date(Date.parse(dueAt) - 45 * 24 * 3_600_000).toISOString();
          const deadlines = [
            ...list.map(([dueAt, status, window], i) => ({ ...dayDeadline(dueAt, status), key: `k${i}`, ...(window ? { opensAt: opensBefore(dueAt) } : {}) })),
            ...(detained ? hold.map((d) => (d.rule === 'detainer_hold' ? { ...d, status: holdStatus } : d)) : []),
          ];
          const input = { deadlines, custodyStatus: detained ? ('local_jail' as const) : ('not_detained' as const) };
          const anchors = [...list.map(([dueAt]) => Date.parse(dueAt)), holdDue];
          const nowMs = when.near === null ? base + when.minutes * 60_000 : anchors[when.near % anchors.length] + when.minutes * 60_000;
          const now = new Date(Math.max(base, nowMs));
          const at = review({ ...input, now });
          const end = Math.min(at?.getTime() ?? Infinity, Date.parse('2026-12-31T00:00:00Z'));
          const before = assess({ ...input, now });
          for (const f of [0.999, ...fractions]) {
            const t = new Date(now.getTime() + Math.floor((end - now.getTime()) * f));
            if (t.getTime() >= end) continue;
            const later = assess({ ...input, now: t });
            expect({ at: t.toISOString(), level: later.level, reasons: later.reasons }).toEqual({ at: t.toISOString(), level: before.level, reasons: before.reasons });
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('urgencyOrderAt', () => {
  const orderAt = (partial: Partial<UrgencyInput> & { now: Date }) => {
    const at = urgencyOrderAt({ deadlines: [], flags: [], custodyStatus: 'not_detained', ...partial });
    return at === null ? null : new Date(at);
  };
  const hold = (status: DeadlineStatus) => withStatus(computeDeadlines(HARRIS)).filter((d) => d.rule === 'detainer_hold').map((d) => ({ ...d, status }));
  const hearing = (iso: string) => ({ ...dayDeadline(iso, 'open', 'Bond hearing'), rule: 'bond_hearing' });

  it('with open deadlines only, the next one, as nextDeadlineAt (an overdue one first)', () => {
    const deadlines = [dayDeadline('2026-06-20T23:59:59.999-05:00'), dayDeadline('2026-06-11T23:59:59.999-05:00')];
    const now = new Date('2026-06-01T12:00:00Z');
    expect(orderAt({ deadlines, now })).toEqual(new Date(assess({ deadlines, now }).nextDeadlineAt!));
    expect(orderAt({ deadlines, now: new Date('2026-06-15T12:00:00Z') })).toEqual(new Date('2026-06-11T23:59:59.999-05:00'));
  });

  it('a missed detainer hold orders its case as overdue, by the end of its 48 hours, though it has no open deadline', () => {
    const missed = hold('missed'); // the hold ended Sat 21 Nov, 4:00 PM CST
    const now = new Date('2026-11-21T23:00:00Z');
    expect(assess({ deadlines: missed, custodyStatus: 'local_jail', now })).toMatchObject({ level: 'critical', nextDeadlineAt: null });
    expect(orderAt({ deadlines: missed, custodyStatus: 'local_jail', now })).toEqual(new Date(missed[0].dueAt));
    // Before a hearing tomorrow, and before its own case's.
    expect(orderAt({ deadlines: [...missed, hearing('2026-11-22T09:00:00-06:00')], custodyStatus: 'local_jail', now })).toEqual(new Date(missed[0].dueAt));
  });

  it('a hearing in its grace orders by the end of the grace: after a hold running out before then', () => {
    const now = new Date('2026-11-21T19:00:00Z');
    const held = hearing('2026-11-21T09:00:00-06:00'); // this morning: record its outcome by tomorrow 9:00
    expect(orderAt({ deadlines: [held], now })).toEqual(new Date('2026-11-22T09:00:00-06:00'));
    expect(orderAt({ deadlines: hold('open'), custodyStatus: 'local_jail', now })!.getTime()).toBeLessThan(orderAt({ deadlines: [held], now })!.getTime());
    // Before its time, by its time.
    expect(orderAt({ deadlines: [hearing('2026-11-23T09:00:00-06:00')], now })).toEqual(new Date('2026-11-23T09:00:00-06:00'));
  });

  it('a hold ending in hours comes before deadlines missed days or years ago, which order nothing', () => {
    const running = hold('open');
    const now = new Date('2026-11-21T19:00:00Z'); // the hold ends in 3 hours
    const eoir = dayDeadline('2026-10-27T23:59:59.999-05:00', 'missed'); // missed 25 days ago: still critical
    const asylum = { ...dayDeadline('2017-05-03T23:59:59.999-05:00', 'missed', 'Asylum one-year filing deadline'), rule: 'asylum_one_year' };
    expect(assess({ deadlines: [eoir], now }).level).toBe('critical');
    expect(orderAt({ deadlines: [eoir], now })).toBeNull();
    expect(orderAt({ deadlines: [asylum], now })).toBeNull();
    expect(orderAt({ deadlines: [...running, eoir, asylum], custodyStatus: 'local_jail', now })).toEqual(new Date(running[0].dueAt));
  });

  it('a case\'s first reason is what orders it: a hold ending in hours before a deadline missed days ago, the latest failure next, one long past after the flags', () => {
    const running = hold('open');
    const now = new Date('2026-11-21T19:00:00Z'); // the hold ends in 3 hours
    const bia = dayDeadline('2026-11-09T23:59:59.999-06:00', 'missed', 'BIA appeal of the IJ decision'); // 12 days ago: critical
    const eoir = dayDeadline('2026-11-02T23:59:59.999-06:00', 'missed'); // 19 days ago: critical
    const asylum = { ...dayDeadline('2017-05-03T23:59:59.999-05:00', 'missed', 'Asylum one-year filing deadline'), rule: 'asylum_one_year' };
    const flagged = computeFlags({ custody: { status: 'local_jail', timeZone: 'America/Chicago', detainerLodged: true }, events: [], jail287g: true });
    const result = assess({ deadlines: [asylum, eoir, bia, ...running], flags: flagged, custodyStatus: 'local_jail', placeName: 'Harris County Jail', now });
    expect(result.reasons.map((r) => r.split(/[,:]/)[0])).toEqual([
      'ICE detainer', 'Missed', 'Missed', 'Detained with no attorney on record', 'Booked in a jail with a 287(g) agreement', 'Missed',
    ]);
    expect(result.reasons[1]).toMatch(/^Missed: BIA appeal/);
    expect(result.reasons[5]).toMatch(/^Missed: Asylum one-year/);
  });

  it('a hold whose outer limit is its 48 hours says the time once', () => {
    // Release-eligible Mon 16 Nov 2026, 4 PM: no weekend or holiday in the 48 hours.
    const monday = withStatus(computeDeadlines({ ...HARRIS, custody: { ...HARRIS.custody, releaseEligibleAt: '2026-11-16T16:00:00-06:00' } }));
    const result = assess({ deadlines: monday, custodyStatus: 'local_jail', placeName: 'Harris County Jail', now: new Date('2026-11-17T18:00:00Z') });
    expect(result.reasons[0]).toBe('ICE detainer: the 48-hour hold ends Wed 18 Nov, 4:00 PM CST at Harris County Jail');
  });

  it('what urgency does not count does not order: met and waived deadlines, an open hold once the person left the jail', () => {
    const now = new Date('2026-06-01T12:00:00Z');
    for (const status of ['met', 'waived'] as const) expect(orderAt({ deadlines: [dayDeadline('2026-06-20T23:59:59.999-05:00', status)], now })).toBeNull();
    expect(orderAt({ deadlines: hold('open'), custodyStatus: 'ice_detention', now: new Date('2026-11-20T12:00:00Z') })).toBeNull();
  });
});

describe('assessUrgency: guidance deadlines (the DACA renewal window)', () => {
  // DACA expiring Mon 15 Mar 2027: the window opened 150 days before, and closed 120 days before (Sun 15 Nov 2026).
  const daca = withStatus(computeDeadlines({ custody: { status: 'not_detained', timeZone: 'America/Chicago' }, events: [
    { id: 'e1', type: 'daca_expires', occurredAt: '2027-03-15' },
  ] }));

  it('a window missed makes the case high, not critical: a later filing is still accepted', () => {
    const missed = daca.map((d) => ({ ...d, status: 'missed' as const }));
    const result = assess({ deadlines: missed, now: new Date('2026-11-17T18:00:00Z') });
    expect(result.level).toBe('high');
    expect(result.reasons[0]).toMatch(/^Missed: DACA renewal filing window, was due Sun 15 Nov/);
    // The same miss of a rule whose time is law is critical.
    const appeal = { ...missed[0], rule: 'bond_appeal', label: 'Bond appeal to the BIA (received by)' };
    expect(assess({ deadlines: [appeal], now: new Date('2026-11-17T18:00:00Z') }).level).toBe('critical');
  });

  it('a window closing within three days, or past its time before the sweep, is high at most', () => {
    expect(assess({ deadlines: daca, now: new Date('2026-11-13T18:00:00Z') }).level).toBe('high');
    expect(assess({ deadlines: daca, now: new Date('2026-11-16T18:00:00Z') }).level).toBe('high');
    // Farther off: as any deadline (30 days: normal).
    expect(assess({ deadlines: daca, now: new Date('2026-10-30T18:00:00Z') }).level).toBe('normal');
  });
});
