/**
 * Where a petition for review is filed, and whose midnight ends its last day. The petition goes to the court of
 * appeals for the circuit where the immigration judge completed the proceedings (8 U.S.C. 1252(b)(2)), and under
 * FRAP 26(a)(4)(B) the last day of an electronic filing ends at midnight in the time zone of the circuit clerk's
 * principal office.
 */

const EASTERN = 'America/New_York';
const CENTRAL = 'America/Chicago';
const MOUNTAIN = 'America/Denver';
const PACIFIC = 'America/Los_Angeles';

/** The circuit clerk's zone for each state or territory (USPS code) with a court of appeals. */
const CLERK_ZONES: Readonly<Record<string, string>> = {
  // 1st (Boston), 2nd (New York), 3rd (Philadelphia), 4th (Richmond), 6th (Cincinnati), 11th (Atlanta), D.C.
  ME: EASTERN, MA: EASTERN, NH: EASTERN, RI: EASTERN, PR: EASTERN,
  CT: EASTERN, NY: EASTERN, VT: EASTERN,
  DE: EASTERN, NJ: EASTERN, PA: EASTERN, VI: EASTERN,
  MD: EASTERN, NC: EASTERN, SC: EASTERN, VA: EASTERN, WV: EASTERN,
  KY: EASTERN, MI: EASTERN, OH: EASTERN, TN: EASTERN,
  AL: EASTERN, FL: EASTERN, GA: EASTERN,
  DC: EASTERN,
  // 5th (New Orleans), 7th (Chicago), 8th (St. Louis)
  LA: CENTRAL, MS: CENTRAL, TX: CENTRAL,
  IL: CENTRAL, IN: CENTRAL, WI: CENTRAL,
  AR: CENTRAL, IA: CENTRAL, MN: CENTRAL, MO: CENTRAL, NE: CENTRAL, ND: CENTRAL, SD: CENTRAL,
  // 10th (Denver)
  CO: MOUNTAIN, KS: MOUNTAIN, NM: MOUNTAIN, OK: MOUNTAIN, UT: MOUNTAIN, WY: MOUNTAIN,
  // 9th (San Francisco)
  AK: PACIFIC, AZ: PACIFIC, CA: PACIFIC, HI: PACIFIC, ID: PACIFIC, MT: PACIFIC, NV: PACIFIC, OR: PACIFIC, WA: PACIFIC,
  GU: PACIFIC, MP: PACIFIC,
};

/** The states and territories (USPS codes) whose cases go to a federal court of appeals. */
export const CIRCUIT_STATES: readonly string[] = Object.keys(CLERK_ZONES).sort();

/** Clerk zones from the one whose midnight comes first. */
const EARLIEST_FIRST = [EASTERN, CENTRAL, MOUNTAIN, PACIFIC];

/**
 * The zone that ends a petition for review's last day: the clerk's zone of the circuit of the state the judge
 * completed the proceedings in, when given; else, never later than the law's, the clerk's zone of the circuit of
 * each state the person was held or placed in (the case's place now and every transfer's), the earliest midnight of
 * them, since the judge may have completed the proceedings in any of them. Eastern (the earliest of all) when no
 * state is known, or one has no circuit.
 */
export function circuitClerkZone(states: readonly string[], venueState?: string): string {
  // Where the judge completed the proceedings, when recorded (an adjudication center's judge may sit in another state).
  const venueZone = venueState === undefined ? undefined : CLERK_ZONES[venueState.toUpperCase()];
  if (venueZone) return venueZone;
  const zones = new Set(states.map((state) => CLERK_ZONES[state.toUpperCase()] ?? EASTERN));
  return EARLIEST_FIRST.find((zone) => zones.has(zone)) ?? EASTERN;
}
