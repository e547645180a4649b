import { occurredAtProblem } from './event.dto';

describe('occurredAtProblem', () => {
  // 11 a.m. in Chicago.
  const now = new Date('2026-11-26T17:00:00Z');
  const chicago = 'America/Chicago';

  it('refuses an event that has happened dated ahead, naming the year as the likely slip', () => {
    expect(occurredAtProblem('final_order', '2036-11-20', now, chicago)).toMatch(/cannot be in the future; check the year/);
    expect(occurredAtProblem('bond_decision', '2026-11-26T19:00:00-06:00', now, chicago)).toMatch(/cannot be in the future/);
    expect(occurredAtProblem('hearing_scheduled', '2026-12-03T09:00:00-06:00', now, chicago)).toMatch(/its own date and time go in scheduledAt/);
  });

  it('takes a time up to an hour ahead (a clock a little fast), and anything past', () => {
    expect(occurredAtProblem('ij_decision', '2026-11-26T17:59:00Z', now, chicago)).toBeNull();
    expect(occurredAtProblem('ij_decision', '2026-11-26T18:01:00Z', now, chicago)).not.toBeNull();
    expect(occurredAtProblem('entered_us', '2019-03-02', now, chicago)).toBeNull();
  });

  it('takes a date up to today in the zone the event is read in: tomorrow in Chicago is already today in Guam', () => {
    expect(occurredAtProblem('final_order', '2026-11-26', now, chicago)).toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-27', now, chicago)).not.toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-27', now, 'Pacific/Guam')).toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-28', now, 'Pacific/Guam')).not.toBeNull();
  });

  it('lets the two events that are dated when they will happen lie ahead', () => {
    expect(occurredAtProblem('release_eligible', '2026-12-20T16:00:00-06:00', now, chicago)).toBeNull();
    expect(occurredAtProblem('daca_expires', '2027-08-01', now, chicago)).toBeNull();
  });
});
