import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_FIELDS, EVENT_TYPES, type EventType, occurredAtProblem, scheduledAtProblem } from './event.dto';

describe('docs/deadlines.md worked examples, as requests', () => {
  // The deadline engine's spec checks each row's answer; here, that each row's event is one the API takes as written.
  const doc = readFileSync(join(__dirname, '../../../../docs/deadlines.md'), 'utf8');
  const rows = (doc.split('<!-- examples:begin -->')[1]?.split('<!-- examples:end -->')[0] ?? '')
    .split('\n').filter((line) => line.startsWith('|')).slice(2)
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim().replace(/^`|`$/g, '')));

  it.each(rows)('%s: the %s event has the fields its type requires, and only those it takes', (_rule, type, _at, data) => {
    expect(EVENT_TYPES).toContain(type);
    const fields = Object.keys(data === '—' ? {} : (JSON.parse(data) as object));
    const { required, optional } = EVENT_FIELDS[type as EventType];
    expect(required.filter((f) => !fields.includes(f))).toEqual([]);
    expect(fields.filter((f) => !required.includes(f) && !optional.includes(f))).toEqual([]);
  });
});

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

  it('refuses them too far ahead to be right: a release more than ten years off, a DACA expiry more than two (a mistyped year)', () => {
    expect(occurredAtProblem('release_eligible', '2062-11-28T08:00:00-06:00', now, chicago)).toMatch(/more than 10 years ahead; check the year/);
    expect(occurredAtProblem('release_eligible', '2036-11-27', now, chicago)).not.toBeNull();
    expect(occurredAtProblem('release_eligible', '2036-11-26T08:00:00-06:00', now, chicago)).toBeNull();
    expect(occurredAtProblem('daca_expires', '2062-03-01', now, chicago)).toMatch(/DACA is granted for two years at a time; check the year/);
    expect(occurredAtProblem('daca_expires', '2029-01-20', now, chicago)).not.toBeNull();
    expect(occurredAtProblem('daca_expires', '2028-12-20', now, chicago)).toBeNull();
  });
});

describe('scheduledAtProblem', () => {
  const chicago = 'America/Chicago';

  it('refuses a hearing set more than ten years out (a mistyped year), not one the backlog sets years away', () => {
    expect(scheduledAtProblem('2026-11-20', '2062-11-30T09:00:00-06:00', chicago)).toMatch(/more than 10 years after the hearing was set \(occurredAt\); check the year/);
    expect(scheduledAtProblem('2026-11-20T10:00:00-06:00', '2200-01-05T09:00:00-06:00', chicago)).toMatch(/check the year/);
    expect(scheduledAtProblem('2026-11-20', '2030-06-03T09:00:00-05:00', chicago)).toBeNull();
    expect(scheduledAtProblem('2026-11-20', '2036-11-19T09:00:00-06:00', chicago)).toBeNull();
    expect(scheduledAtProblem('2026-11-20', '2026-11-19T09:00:00-06:00', chicago)).toMatch(/before occurredAt/);
  });
});
