/** Invented intake data. The canary values are searched for everywhere they must never appear. */
export const CANARY = {
  firstName: 'Zorblatt',
  lastName: 'Quixenmoor',
  aNumber: 'A987-654-321',
  aNumberDigits: '987654321',
  phone: '+1 512 555 0142',
};

export function intakeBody(overrides: Record<string, unknown> = {}) {
  return {
    client: {
      firstName: CANARY.firstName,
      lastName: CANARY.lastName,
      dateOfBirth: '1990-04-02',
      aNumber: CANARY.aNumber,
      phone: CANARY.phone,
      email: 'client.canary@example.org',
      address: '100 Example Street, Houston TX',
      countryOfBirth: 'Exampleland',
      immigrationStatus: 'example status',
      criminalHistory: 'example history',
      preferredLanguage: 'spa',
      needsInterpreter: true,
      safeToContact: { voicemail: false, sms: true, note: 'code word: example' },
    },
    caller: { relationship: 'family', name: 'Caller Canarian', phone: '+1 512 555 0199' },
    consent: { shareWithAttorney: true, obtainedFrom: 'caller' },
    custody: {
      status: 'local_jail',
      county: 'Harris',
      state: 'TX',
      bookingNumber: 'BK-CANARY-77',
      detainerLodged: true,
      releaseEligibleAt: new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    },
    practiceAreas: ['detention_bond', 'removal_defense'],
    narrative: 'Narrative canary text',
    ...overrides,
  };
}

export const minimalBody = () => ({
  client: { lastName: 'Minimal', preferredLanguage: 'mam' },
  consent: { shareWithAttorney: false, obtainedFrom: 'client' },
  custody: { status: 'unknown', timeZone: 'America/Phoenix' },
});

/**
 * A case that an attorney with `attorneyProfile()` fits: consent to share, Spanish, detention bond, detained in Harris
 * County, Texas. `extra` replaces whole top-level fields (custody, practiceAreas, adverseParties...).
 */
export const routableBody = (client: { firstName: string; lastName: string }, extra: Record<string, unknown> = {}) => ({
  client: { ...client, preferredLanguage: 'spa' },
  consent: { shareWithAttorney: true, obtainedFrom: 'client' },
  custody: { status: 'ice_detention', state: 'TX', county: 'Harris' },
  practiceAreas: ['detention_bond'],
  ...extra,
});
