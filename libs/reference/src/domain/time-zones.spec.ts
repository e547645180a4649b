import { isUsTimeZone } from '@amparo/common';
import { DateTime } from 'luxon';
import { ReferenceDataError } from './errors';
import { STATE_NAMES } from './states';
import {
  knownTimeZones,
  resolveTimeZone,
  uncertainDayZone,
  SPLIT_STATES,
  STATE_TIME_ZONES,
  timeZoneFor,
  timeZoneForAor,
} from './time-zones';

const isValidZone = (zone: string) => DateTime.local().setZone(zone).isValid;

describe('a town typed with its state after a comma', () => {
  it.each([
    ['NV', 'West Wendover, NV', 'America/Denver'],
    ['AZ', 'Window Rock, AZ', 'America/Denver'],
    ['NV', 'West Wendover', 'America/Denver'],
  ])('%s %p → %s', (state, county, zone) => {
    expect(timeZoneFor(state, county)).toBe(zone);
  });
});

describe('timeZoneFor', () => {
  // One county on each side of the line in every split state.
  it.each([
    ['TX', 'El Paso', 'America/Denver'],
    ['TX', 'El Paso County, TX', 'America/Denver'],
    // A town of the city table typed as the county.
    ['AZ', 'Window Rock', 'America/Denver'],
    ['NV', 'West Wendover', 'America/Denver'],
    ['AZ', 'Apache', 'America/Phoenix'],
    ['FL', 'Escambia County Jail', 'America/Chicago'],
    ['TX', 'HUDSPETH', 'America/Denver'],
    ['TX', 'Culberson', 'America/Chicago'],
    ['TX', 'Harris County', 'America/Chicago'],
    ['FL', 'Escambia County', 'America/Chicago'],
    ['FL', 'BAY', 'America/Chicago'],
    ['FL', 'Gulf', 'America/New_York'],
    ['FL', 'Leon', 'America/New_York'],
    ['IN', 'Lake County', 'America/Chicago'],
    ['IN', 'Vanderburgh', 'America/Chicago'],
    ['IN', 'Starke', 'America/Indiana/Knox'],
    ['IN', 'Perry', 'America/Indiana/Tell_City'],
    ['IN', 'Marion', 'America/Indiana/Indianapolis'],
    ['IN', 'Knox', 'America/Indiana/Vincennes'],
    ['IN', 'Clark', 'America/Kentucky/Louisville'],
    ['KY', 'Christian', 'America/Chicago'],
    ['KY', 'Warren County', 'America/Chicago'],
    ['KY', 'Fayette', 'America/New_York'],
    ['KY', 'Jefferson', 'America/Kentucky/Louisville'],
    ['KY', 'Wayne', 'America/Kentucky/Monticello'],
    ['TN', 'Knox', 'America/New_York'],
    ['TN', 'Hamilton', 'America/New_York'],
    ['TN', 'Marion', 'America/Chicago'],
    ['TN', 'Davidson', 'America/Chicago'],
    ['MI', 'Menominee County', 'America/Menominee'],
    ['MI', 'Gogebic', 'America/Menominee'],
    ['MI', 'Marquette', 'America/Detroit'],
    ['MI', 'Wayne', 'America/Detroit'],
    ['ND', 'Stark', 'America/Denver'],
    ['ND', 'Mercer', 'America/North_Dakota/Beulah'],
    ['ND', 'Morton', 'America/North_Dakota/New_Salem'],
    ['ND', 'Oliver', 'America/North_Dakota/Center'],
    ['ND', 'Burleigh', 'America/Chicago'],
    ['SD', 'Pennington', 'America/Denver'],
    ['SD', 'Shannon', 'America/Denver'],
    ['SD', 'Hughes', 'America/Chicago'],
    ['NE', 'Scotts Bluff', 'America/Denver'],
    ['NE', 'Lincoln', 'America/Chicago'],
    ['KS', 'Hamilton', 'America/Denver'],
    ['KS', 'Stanton', 'America/Chicago'],
    ['OR', 'Malheur', 'America/Boise'],
    ['OR', 'Harney', 'America/Los_Angeles'],
    ['ID', 'Kootenai', 'America/Los_Angeles'],
    ['ID', 'Nez Perce County', 'America/Los_Angeles'],
    ['ID', 'Ada', 'America/Boise'],
    ['ID', 'Adams', 'America/Boise'],
  ])('%s %s → %s', (state, county, zone) => {
    expect(timeZoneFor(state, county)).toBe(zone);
  });

  it('a county it cannot place in Tennessee or Oregon (a city typed instead, a misspelling) gets the state\'s earliest midnight, its days read where they start last', () => {
    // Knoxville is in Knox County (Eastern): Central, the state default, would end its days an hour late; Nashville is
    // Central: an event at 11:30 PM there, read in Eastern time, would be on the next day.
    expect(resolveTimeZone('TN', 'Knoxville')).toEqual({ zone: 'America/New_York', basis: 'state', dayZone: 'America/Chicago' });
    expect(resolveTimeZone('TN', null)).toEqual({ zone: 'America/New_York', basis: 'state', dayZone: 'America/Chicago' });
    expect(resolveTimeZone('TN', 'Shelby County')).toEqual({ zone: 'America/Chicago', basis: 'county' });
    expect(resolveTimeZone('TN', 'van buren')).toEqual({ zone: 'America/Chicago', basis: 'county' });
    expect(resolveTimeZone('OR', 'Portland')).toEqual({ zone: 'America/Boise', basis: 'state', dayZone: 'America/Los_Angeles' });
    // For a case: only while its zone is the one its place gives (one sent by hand is certain).
    expect(uncertainDayZone('TN', 'Nashville', 'America/New_York')).toBe('America/Chicago');
    expect(uncertainDayZone('TN', 'Nashville', 'America/Chicago')).toBeUndefined();
    expect(uncertainDayZone('TN', 'Davidson', 'America/Chicago')).toBeUndefined();
    expect(uncertainDayZone('TX', 'Houston', 'America/Chicago')).toBeUndefined();
    expect(uncertainDayZone(null, null, 'America/New_York')).toBeUndefined();
    expect(uncertainDayZone('ZZ', null, 'America/New_York')).toBeUndefined();
    expect(resolveTimeZone('OR', 'Multnomah')).toEqual({ zone: 'America/Los_Angeles', basis: 'county' });
    // Elsewhere the state default is already the earliest midnight, and stays the answer for an unknown county.
    expect(resolveTimeZone('TX', 'Houston')).toEqual({ zone: 'America/Chicago', basis: 'state' });
  });

  it('reads a county the same way whatever its spelling', () => {
    expect(timeZoneFor('tx', 'el paso county')).toBe('America/Denver');
    expect(timeZoneFor('SD', 'OGLALA LAKOTA')).toBe('America/Denver');
    expect(timeZoneFor('IN', 'La Porte')).toBe('America/Chicago');
  });

  it('keeps all of Arizona on America/Phoenix except named Navajo Nation towns', () => {
    for (const county of ['Maricopa', 'Pima', 'Apache', 'Navajo', 'Coconino']) {
      expect(timeZoneFor('AZ', county)).toBe('America/Phoenix');
    }
    expect(timeZoneFor('AZ', 'Apache', 'Window Rock')).toBe('America/Denver');
    expect(timeZoneFor('AZ', 'Coconino', 'TUBA CITY')).toBe('America/Denver');
    expect(timeZoneFor('AZ', 'Coconino', 'Flagstaff')).toBe('America/Phoenix');
  });

  it('puts the western Aleutians on Adak time and Unalaska on Alaska time', () => {
    expect(timeZoneFor('AK', 'Aleutians West', 'Adak')).toBe('America/Adak');
    expect(timeZoneFor('AK', 'ALEUTIANS WEST', 'UNALASKA')).toBe('America/Anchorage');
    expect(timeZoneFor('AK', 'Juneau')).toBe('America/Anchorage');
  });

  it('applies city exceptions only in their own state', () => {
    expect(timeZoneFor('NV', 'Elko', 'West Wendover')).toBe('America/Denver');
    expect(timeZoneFor('NV', 'Elko', 'Elko')).toBe('America/Los_Angeles');
    expect(timeZoneFor('UT', 'Tooele', 'Wendover')).toBe('America/Denver');
    expect(timeZoneFor('FL', 'Gulf', 'Wewahitchka')).toBe('America/Chicago');
    expect(timeZoneFor('TX', 'Hidalgo', 'Adak')).toBe('America/Chicago');
  });

  it.each([
    ['HI', 'Pacific/Honolulu'],
    ['PR', 'America/Puerto_Rico'],
    ['GU', 'Pacific/Guam'],
    ['VI', 'America/St_Thomas'],
    ['MP', 'Pacific/Saipan'],
    ['AS', 'Pacific/Pago_Pago'],
    ['DC', 'America/New_York'],
  ])('%s → %s', (state, zone) => {
    expect(timeZoneFor(state, 'anything')).toBe(zone);
  });

  it('has a valid IANA zone for every state, DC and territory, and for every table entry', () => {
    expect(Object.keys(STATE_TIME_ZONES).sort()).toEqual(Object.keys(STATE_NAMES).sort());
    const zones = knownTimeZones();
    expect(zones.length).toBeGreaterThan(20);
    for (const zone of zones) expect([zone, isValidZone(zone), isUsTimeZone(zone)]).toEqual([zone, true, true]);
    const split = ['AK', 'AZ', 'FL', 'ID', 'IN', 'KS', 'KY', 'MI', 'ND', 'NE', 'NV', 'OR', 'SD', 'TN', 'TX'];
    expect(SPLIT_STATES).toEqual(split);
  });

  it('says which input decided', () => {
    expect(resolveTimeZone('TX', 'El Paso', 'El Paso')).toEqual({ zone: 'America/Denver', basis: 'county' });
    expect(resolveTimeZone('TX', 'Bexar')).toEqual({ zone: 'America/Chicago', basis: 'state' });
    expect(resolveTimeZone('AK', 'Aleutians West', 'Atka')).toEqual({ zone: 'America/Adak', basis: 'city' });
  });

  it('throws a typed error for an unknown state', () => {
    expect(() => timeZoneFor('ZZ')).toThrow(ReferenceDataError);
    try {
      timeZoneFor('Texas');
    } catch (error) {
      expect((error as ReferenceDataError).code).toBe('REFERENCE_UNKNOWN_STATE');
    }
    expect.assertions(2);
  });
});

describe('timeZoneForAor', () => {
  it('places field offices, including the ones outside Eastern/Central', () => {
    expect(timeZoneForAor('ELP')).toBe('America/Denver');
    expect(timeZoneForAor('pho')).toBe('America/Phoenix');
    expect(timeZoneForAor('SNA')).toBe('America/Chicago');
    expect(timeZoneForAor('SND')).toBe('America/Los_Angeles');
    expect(timeZoneForAor('XYZ')).toBeNull();
  });
});
