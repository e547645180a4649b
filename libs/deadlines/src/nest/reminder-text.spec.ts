import { reminderText } from './deadline-jobs.service';

describe('reminderText', () => {
  const row = {
    id: 'd1', case_id: 'c1', organization_id: 'o1', reference: 'AMP-TEST02', label: 'ICE detainer 48-hour hold',
    // Sun 6 Dec 2026, 00:00 CST: the end of Saturday.
    due_at: new Date('2026-12-06T06:00:00Z'), time_zone: 'America/Chicago', citation: '8 CFR 287.7(d)',
    outer_limit_at: new Date('2026-12-08T06:00:00Z'), assigned_attorney_id: null, reminded: [],
  };

  it('says a hold ending at midnight as the end of the day before, as the missed alert does', () => {
    expect(reminderText(row, 2).subject).toBe('[Amparo] AMP-TEST02: ICE detainer 48-hour hold due Sat 5 Dec 2026, midnight (end of the day) CST (within 2 h)');
  });

  it('keeps the day of another deadline at midnight (a hearing typed without a time)', () => {
    const hearing = { ...row, label: 'Bond hearing', outer_limit_at: null };
    expect(reminderText(hearing, 24).body).toContain('Due: Sun 6 Dec 2026, 12:00 AM CST (America/Chicago)');
  });
});
