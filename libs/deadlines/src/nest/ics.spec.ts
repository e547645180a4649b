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

describe('toIcs events', () => {
  const base = {
    id: 'd1', rule: 'eoir33_change_of_address', label: 'EOIR-33 change of address', timeZone: 'America/Los_Angeles',
    citation: 'EOIR Policy Manual', ruleVersion: '2026.11', caseId: 'c1', reference: 'AMP-ABC234',
  };
  const unfolded = (ics: string) => ics.replace(/\r\n /g, '');

  it('says the local due time, as the emails do: a day\'s last minute in Los Angeles is the next morning in New York', () => {
    const ics = unfolded(toIcs([{ ...base, dueAt: '2026-12-01T23:59:59.999-08:00', status: 'open' }], new Date('2026-11-27T00:00:00Z'), 'amparo.example'));
    expect(ics).toContain('DTSTART:20261202T075959Z\r\n');
    expect(ics).toContain('DESCRIPTION:Due Tue 1 Dec 2026\\, 11:59 PM PST. EOIR-33 change of address (EOIR Policy Manual).');
  });

  it('a missed hold with its outer limit ahead is an event at that limit, under an id of its own; a window says when it opens', () => {
    const hold = {
      ...base, id: 'd2', rule: 'detainer_hold', label: 'ICE detainer 48-hour hold', timeZone: 'America/Chicago', status: 'missed' as const,
      dueAt: '2026-11-29T10:00:00-06:00', outerLimitAt: '2026-12-01T10:00:00-06:00',
    };
    const window = { ...base, id: 'd3', rule: 'daca_renewal', label: 'DACA renewal', status: 'open' as const, dueAt: '2027-03-15T23:59:59.999-07:00', opensAt: '2026-10-16T00:00:00-07:00' };
    const ics = unfolded(toIcs([hold, window], new Date('2026-11-30T00:00:00Z'), 'amparo.example'));
    expect(ics).toContain('UID:d2-outer@amparo.example\r\nDTSTAMP:20261130T000000Z\r\nDTSTART:20261201T160000Z\r\n');
    expect(ics).toContain('SUMMARY:AMP-ABC234: ICE detainer 48-hour hold: outer limit (its due time has passed)');
    expect(ics).toContain('Due Sun 29 Nov 2026\\, 10:00 AM CST. Outer limit Tue 1 Dec 2026\\, 10:00 AM CST.');
    expect(ics).toMatch(/UID:d3@amparo\.example[\s\S]*Opens Fri 16 Oct 2026\\, 12:00 AM PDT\./);
    // A feed cut short after a missed hold: the marker at that event's time, its outer limit, not its past due time.
    const cut = unfolded(toIcs([hold], new Date('2026-11-30T00:00:00Z'), 'amparo.example', true));
    expect(cut).toMatch(/UID:more-deadlines@amparo\.example\r\nDTSTAMP:\d{8}T\d{6}Z\r\nDTSTART:20261201T160000Z\r\n/);
  });

  it('an outer limit at the end of a day is shown at its last second, on that day, not at the next midnight (a day late to the eye)', () => {
    const hold = {
      ...base, id: 'd4', rule: 'detainer_hold', label: 'ICE detainer 48-hour hold', timeZone: 'America/Denver', status: 'missed' as const,
      dueAt: '2026-11-28T09:00:00-07:00', outerLimitAt: '2026-12-01T00:00:00.000-07:00',
    };
    const ics = unfolded(toIcs([hold], new Date('2026-11-30T00:00:00Z'), 'amparo.example', true));
    expect(ics).toContain('UID:d4-outer@amparo.example\r\nDTSTAMP:20261130T000000Z\r\nDTSTART:20261201T065959Z\r\n');
    expect(ics).toContain('Outer limit Mon 30 Nov 2026\\, midnight (end of the day) MST.');
    expect(ics).toMatch(/UID:more-deadlines@amparo\.example\r\nDTSTAMP:\d{8}T\d{6}Z\r\nDTSTART:20261201T065959Z\r\n/);
    // A hold still open that ends at midnight too; a day-counted deadline keeps its own time.
    const open = unfolded(toIcs([{ ...hold, status: 'open', dueAt: '2026-12-02T00:00:00-07:00', outerLimitAt: '2026-12-02T00:00:00-07:00' }], new Date('2026-11-30T00:00:00Z'), 'amparo.example'));
    expect(open).toContain('UID:d4@amparo.example\r\nDTSTAMP:20261130T000000Z\r\nDTSTART:20261202T065959Z\r\n');
    expect(open).toContain('Due Tue 1 Dec 2026\\, midnight (end of the day) MST.');
  });

  it('a line break of any kind in a text is written \\n: a bare carriage return would end the line for some readers', () => {
    const ics = toIcs([{ ...base, label: 'One\rTwo\r\nThree\nFour', dueAt: '2026-12-01T23:59:59.999-08:00', status: 'open' }], new Date('2026-11-27T00:00:00Z'), 'amparo.example');
    expect(unfolded(ics)).toContain('SUMMARY:AMP-ABC234: One\\nTwo\\nThree\\nFour\r\n');
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });
});
