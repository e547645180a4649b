/** An attorney referral profile (PUT /api/attorneys/me/profile) that takes Texas detention and removal cases in Spanish. */
export function attorneyProfile(overrides: Record<string, unknown> = {}) {
  return {
    barStates: ['TX'],
    eoirRegistered: true,
    languages: ['spa', 'eng'],
    practiceAreas: ['detention_bond', 'removal_defense'],
    facilityCodes: [],
    states: ['TX'],
    maxActiveCases: 5,
    acceptingReferrals: true,
    ...overrides,
  };
}
