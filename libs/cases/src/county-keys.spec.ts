import { betterZone } from './county-keys';

describe('betterZone: a case placed by its state alone, its county read again', () => {
  it.each([
    // An older reading of the county left it in its state's zone: its county's now.
    ['TX', 'El Paso County Jail', 'America/Chicago', 'America/Denver'],
    ['TN', 'Knoxville', 'America/Chicago', 'America/New_York'],
    ['TN', 'Knox', 'America/New_York', null],
    // In the zone its county gives already, or in one sent by hand (neither of its state's): as it is.
    ['TX', 'El Paso', 'America/Denver', null],
    ['TX', 'El Paso', 'America/Phoenix', null],
    // Beside a county typed bare, which every release read as it is read now, a zone of the state's was sent by hand.
    ['TX', 'El Paso', 'America/Chicago', null],
    ['TN', 'Davidson', 'America/New_York', null],
    ['TX', 'Condado de El Paso', 'America/Chicago', 'America/Denver'],
    ['TX', 'Harris', 'America/Chicago', null],
    // Full-width letters (some Asian-language keyboards) were read as no county before: not typed bare.
    ['TX', 'Ｅｌ Ｐａｓｏ', 'America/Chicago', 'America/Denver'],
    ['FL', 'Ｅｓｃａｍｂｉａ', 'America/New_York', 'America/Chicago'],
    // Accented letters were always read: bare.
    ['TX', 'Dóña Ana', 'America/Chicago', null],
    // A state the tables do not know: as it is.
    ['ZZ', 'Anywhere', 'America/Chicago', null],
  ])('%s %s in %s → %s', (state, county, zone, expected) => {
    expect(betterZone(state, county, zone)).toBe(expected);
  });
});
