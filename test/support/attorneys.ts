import type TestAgent from 'supertest/lib/agent';
import { Session, createUser, loginAdmin } from './users';

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

/**
 * The people of a routing test: the admin, a coordinator, an intake volunteer and an attorney with `attorneyProfile()`
 * (room for 20 cases), in an organization whose auto-routing is off (offers are made by the tests).
 */
export async function routingTeam(http: TestAgent): Promise<{ admin: Session; coordinator: Session; intake: Session; attorney: Session }> {
  const admin = await loginAdmin(http);
  const coordinator = await createUser(http, admin, 'coordinator');
  const intake = await createUser(http, admin, 'intake');
  const attorney = await createUser(http, admin, 'attorney');
  await http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
  await http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
  return { admin, coordinator, intake, attorney };
}
