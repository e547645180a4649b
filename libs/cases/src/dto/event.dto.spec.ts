import { occurredAtProblem } from './event.dto';

describe('occurredAtProblem', () => {
  const now = new Date('2026-11-26T17:00:00Z');

  it('refuses an event that has happened dated ahead, naming the year as the likely slip', () => {
    expect(occurredAtProblem('final_order', '2036-11-20', now)).toMatch(/cannot be in the future; check the year/);
    expect(occurredAtProblem('bond_decision', '2026-11-26T19:00:00-06:00', now)).toMatch(/cannot be in the future/);
    expect(occurredAtProblem('hearing_scheduled', '2026-12-03T09:00:00-06:00', now)).toMatch(/its own date and time go in scheduledAt/);
  });

  it('takes tomorrow as a date (already today somewhere), a time up to an hour ahead, and anything past', () => {
    expect(occurredAtProblem('final_order', '2026-11-27', now)).toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-28', now)).not.toBeNull();
    expect(occurredAtProblem('ij_decision', '2026-11-26T17:59:00Z', now)).toBeNull();
    expect(occurredAtProblem('ij_decision', '2026-11-26T18:01:00Z', now)).not.toBeNull();
    expect(occurredAtProblem('entered_us', '2019-03-02', now)).toBeNull();
  });

  it('in the zone the event is read, a date may be today there, not tomorrow', () => {
    // 9 a.m. in Chicago: tomorrow is refused there; in Guam it is already the 27th.
    expect(occurredAtProblem('final_order', '2026-11-27', new Date('2026-11-26T15:00:00Z'), 'America/Chicago')).not.toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-26', new Date('2026-11-26T15:00:00Z'), 'America/Chicago')).toBeNull();
    expect(occurredAtProblem('final_order', '2026-11-27', new Date('2026-11-26T15:00:00Z'), 'Pacific/Guam')).toBeNull();
  });

  it('lets the two events that are dated when they will happen lie ahead', () => {
    expect(occurredAtProblem('release_eligible', '2026-12-20T16:00:00-06:00', now)).toBeNull();
    expect(occurredAtProblem('daca_expires', '2027-08-01', now)).toBeNull();
  });
});
