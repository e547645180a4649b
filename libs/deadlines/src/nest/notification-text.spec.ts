import { missedText, timeLeft } from './notification-text';

describe('missedText', () => {
  const hold = {
    reference: 'AMP-TEST01',
    label: 'ICE detainer 48-hour hold',
    // Due Sunday 6 Dec 2026, 10:00 AM CST; the outer limit under 8 CFR 287.7(d), weekends excluded, Tuesday.
    due_at: new Date('2026-12-06T16:00:00Z'),
    outer_limit_at: new Date('2026-12-08T16:00:00Z'),
    time_zone: 'America/Chicago',
    citation: '8 CFR 287.7(d)',
  };

  const sunday = new Date('2026-12-06T16:01:00Z');
  const open = { status: 'new', hasAttorney: false };
  const assigned = { status: 'assigned', hasAttorney: true };

  it('says when the outer limit is: a hold missed on a weekend is not yet too late', () => {
    const text = missedText(hold, open, sunday);
    expect(text.subject).toBe('[Amparo] MISSED: AMP-TEST01: ICE detainer 48-hour hold was due Sun 6 Dec 2026, 10:00 AM CST (outer limit Tue 8 Dec 2026, 10:00 AM CST)');
    expect(text.body).toContain('Outer limit: Tue 8 Dec 2026, 10:00 AM CST (America/Chicago): until then it may not be too late to act.');
  });

  it('says a hold and an outer limit ending at midnight as the end of the day before; another deadline\'s midnight keeps its day', () => {
    const midnight = { ...hold, due_at: new Date('2026-12-06T06:00:00Z'), outer_limit_at: new Date('2026-12-08T06:00:00Z') };
    const text = missedText(midnight, open, new Date('2026-12-06T07:00:00Z'));
    expect(text.subject).toBe('[Amparo] MISSED: AMP-TEST01: ICE detainer 48-hour hold was due Sat 5 Dec 2026, midnight (end of the day) CST (outer limit Mon 7 Dec 2026, midnight (end of the day) CST)');
    const hearing = missedText({ ...midnight, label: 'Bond hearing', outer_limit_at: null }, open, new Date('2026-12-06T07:00:00Z'));
    expect(hearing.subject).toBe('[Amparo] MISSED: AMP-TEST01: Bond hearing was due Sun 6 Dec 2026, 12:00 AM CST');
  });

  it('has no outer-limit line for a deadline without one, or with one at the same time', () => {
    for (const outer of [null, undefined, hold.due_at]) {
      const text = missedText({ ...hold, outer_limit_at: outer }, assigned, sunday);
      expect(text.subject).not.toContain('outer limit');
      expect(text.body).not.toContain('Outer limit');
    }
  });

  it('has none once the outer limit has passed too (a hold entered, or marked missed, days late)', () => {
    const text = missedText(hold, open, new Date('2026-12-08T16:00:00Z'));
    expect([text.subject, text.body].join(' ')).not.toMatch(/outer limit/i);
  });

  it('says who to ask: the assigned attorney; for a closed case, its attorney or whoever closed it; with none, that it is theirs to place', () => {
    expect(missedText(hold, assigned, sunday).body).toMatch(/Check with the assigned attorney and record what happened\.$/);
    expect(missedText(hold, open, sunday).body).toMatch(/The case has no attorney: record what happened, and place it if it still needs one\.$/);
    expect(missedText(hold, open, sunday).body).not.toContain('assigned attorney');
    expect(missedText(hold, { status: 'closed', hasAttorney: true }, sunday).body).toMatch(/The case is closed: check with its attorney and record what happened\.$/);
    expect(missedText(hold, { status: 'closed', hasAttorney: false }, sunday).body).toMatch(/The case is closed: check with whoever closed it/);
    // Offered, not yet accepted: no attorney has it.
    expect(missedText(hold, { status: 'offered', hasAttorney: false }, sunday).body).toContain('The case has no attorney');
  });
});

describe('timeLeft', () => {
  it('says minutes under an hour and rounded hours above, never "about 0 hours"', () => {
    const minute = 60_000;
    expect(timeLeft(20 * minute)).toBe('in about 20 minutes');
    expect(timeLeft(61 * 1000)).toBe('in about 1 minute');
    expect(timeLeft(10 * 1000)).toBe('in less than a minute');
    expect(timeLeft(114 * minute)).toBe('in about 2 hours');
    expect(timeLeft(59.6 * minute)).toBe('in about 1 hour');
    expect(timeLeft(52 * 60 * minute)).toBe('in about 52 hours');
  });
});
