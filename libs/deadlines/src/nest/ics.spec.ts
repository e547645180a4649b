import { toIcs } from './ics';

describe('toIcs', () => {
  it('an empty feed is still a valid calendar: one component, and nothing of a case', () => {
    const ics = toIcs([], new Date('2026-11-27T00:00:00Z'), 'amparo.example');
    const lines = ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(lines.filter((l) => /^BEGIN:(VEVENT|VTODO|VJOURNAL|VFREEBUSY|VTIMEZONE)$/.test(l))).toEqual(['BEGIN:VTIMEZONE']);
    expect(lines.at(-2)).toBe('END:VCALENDAR');
    expect(ics.endsWith('\r\n')).toBe(true);
  });
});
