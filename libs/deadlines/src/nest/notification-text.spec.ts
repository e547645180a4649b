import { missedText } from './notification-text';

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

  it('says when the outer limit is: a hold missed on a weekend is not yet too late', () => {
    const text = missedText(hold, false);
    expect(text.subject).toBe('[Amparo] MISSED: AMP-TEST01: ICE detainer 48-hour hold was due Sun 6 Dec 2026, 10:00 AM CST (outer limit Tue 8 Dec 2026, 10:00 AM CST)');
    expect(text.body).toContain('Outer limit: Tue 8 Dec 2026, 10:00 AM CST (America/Chicago): until then it may not be too late to act.');
  });

  it('has no outer-limit line for a deadline without one, or with one at the same time', () => {
    for (const outer of [null, undefined, hold.due_at]) {
      const text = missedText({ ...hold, outer_limit_at: outer }, true);
      expect(text.subject).not.toContain('outer limit');
      expect(text.body).not.toContain('Outer limit');
    }
  });

  it('says who to ask: the assigned attorney, or, with none, that the case is the coordinators\' to place', () => {
    expect(missedText(hold, true).body).toMatch(/Check with the assigned attorney and record what happened\.$/);
    expect(missedText(hold, false).body).toMatch(/The case has no attorney: record what happened, and place it if it still needs one\.$/);
    expect(missedText(hold, false).body).not.toContain('assigned attorney');
  });
});
