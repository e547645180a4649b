import { INTAKE_WINDOW_MS, caseVisibility } from './visibility';

const now = new Date('2026-11-20T12:00:00Z');
const base = { createdBy: 'intake-1', status: 'new', createdAt: new Date(now.getTime() - 3600_000), assignedAttorneyId: null, attorneyHeld: false };

describe('caseVisibility', () => {
  it.each([
    ['coordinator sees the summary', { role: 'coordinator', userId: 'c' }, base, 'summary'],
    ['admin sees nothing', { role: 'admin', userId: 'a' }, base, 'none'],
    ['creating volunteer sees everything while new and fresh', { role: 'intake', userId: 'intake-1' }, base, 'full'],
    ['another volunteer sees nothing', { role: 'intake', userId: 'intake-2' }, base, 'none'],
    ['creator after 72 hours sees the summary', { role: 'intake', userId: 'intake-1' }, { ...base, createdAt: new Date(now.getTime() - INTAKE_WINDOW_MS) }, 'summary'],
    ['creator while the offer is out still sees everything', { role: 'intake', userId: 'intake-1' }, { ...base, status: 'offered' }, 'full'],
    ['creator of a case back without an attorney, after one held it, sees the summary', { role: 'intake', userId: 'intake-1' }, { ...base, attorneyHeld: true }, 'summary'],
    ['creator once assigned sees the summary', { role: 'intake', userId: 'intake-1' }, { ...base, status: 'assigned', assignedAttorneyId: 'att-1' }, 'summary'],
    ['an unrelated attorney sees nothing', { role: 'attorney', userId: 'att-1' }, base, 'none'],
    ['the assigned attorney sees everything', { role: 'attorney', userId: 'att-1' }, { ...base, status: 'assigned', assignedAttorneyId: 'att-1' }, 'full'],
    ['another attorney on an assigned case sees nothing', { role: 'attorney', userId: 'att-2' }, { ...base, status: 'assigned', assignedAttorneyId: 'att-1' }, 'none'],
    ['a purged case is a tombstone for coordinators only', { role: 'intake', userId: 'intake-1' }, { ...base, status: 'purged' }, 'none'],
  ] as const)('%s', (_name, caller, c, expected) => {
    expect(caseVisibility(caller, c, now)).toBe(expected);
  });
});
