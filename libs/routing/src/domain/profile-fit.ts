import { sameMembers } from '@amparo/common';
import type { AttorneyCandidate } from './types';

/** What of an attorney's profile an offer is judged on against the case's facts (the case-fact filters). */
export type ProfileFit = Pick<AttorneyCandidate, 'languages' | 'practiceAreas' | 'facilityCodes' | 'states' | 'eoirRegistered'>;

/** Whether two readings of a profile judge every case alike: a change elsewhere (capacity, availability) does not count. */
export function sameFit(a: ProfileFit, b: ProfileFit): boolean {
  return sameMembers(a.languages, b.languages) && sameMembers(a.practiceAreas, b.practiceAreas)
    && sameMembers(a.facilityCodes, b.facilityCodes) && sameMembers(a.states, b.states) && a.eoirRegistered === b.eoirRegistered;
}

/** A stored profile row's fit. */
export const fitOfRow = (row: { languages: string[]; practice_areas: string[]; facility_codes: string[]; states: string[]; eoir_registered: boolean }): ProfileFit => ({
  languages: row.languages,
  practiceAreas: row.practice_areas as ProfileFit['practiceAreas'],
  facilityCodes: row.facility_codes,
  states: row.states,
  eoirRegistered: row.eoir_registered,
});
