import { circuitClerkZone } from './circuits';

describe('circuitClerkZone: where a petition for review\'s last day ends (FRAP 26(a)(4)(B))', () => {
  it.each([
    [['TX'], 'America/Chicago'], // Fifth Circuit, New Orleans
    [['LA', 'MS'], 'America/Chicago'],
    [['AZ'], 'America/Los_Angeles'], // Ninth Circuit, San Francisco, though Arizona keeps no DST
    [['HI'], 'America/Los_Angeles'],
    [['CO', 'NM'], 'America/Denver'], // Tenth Circuit, Denver
    [['TN'], 'America/New_York'], // Sixth Circuit, Cincinnati, though most of Tennessee is Central
    [['PR'], 'America/New_York'], // First Circuit, Boston
    [['CA', 'TX'], 'America/Chicago'], // held in both: the earlier midnight
    [['CA', 'CO', 'IL'], 'America/Chicago'],
    [['GA', 'LA'], 'America/New_York'],
    [['tx'], 'America/Chicago'],
  ])('%j: %s', (states, zone) => expect(circuitClerkZone(states)).toBe(zone));

  it('no state known, or one with no court of appeals: Eastern, never later than any circuit', () => {
    expect(circuitClerkZone([])).toBe('America/New_York');
    expect(circuitClerkZone(['AS', 'CA'])).toBe('America/New_York');
  });
});
