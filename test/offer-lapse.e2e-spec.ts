import { FixedClock } from '@amparo/common';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { Session, createUser, loginAdmin } from './support/users';

/** What becomes of an offer whose answer time passed before the expiry job came to it. */
describe('an offer lapsed before the expiry job came (e2e)', () => {
  const clock = new FixedClock(new Date());
  let t: TestApp;
  let admin: Session;
  let intake: Session;
  let coordinator: Session;

  const uniq = () => Math.random().toString(36).slice(2, 8);
  const body = (extra: Record<string, unknown> = {}, client: Record<string, unknown> = {}) => ({
    client: { firstName: 'Rev', lastName: `Client${uniq()}`, preferredLanguage: 'spa', ...client },
    consent: { shareWithAttorney: true, obtainedFrom: 'client' },
    custody: { status: 'ice_detention', state: 'TX', county: 'Harris' },
    practiceAreas: ['detention_bond'],
    ...extra,
  });
  const createCase = async (b: object) => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(b);
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; status: string; possibleDuplicates: string[] };
  };
  const route = (caseId: string, b: object = {}) => t.http.post(`/api/cases/${caseId}/referrals`).set(coordinator.auth).send(b);
  const newAttorney = async (overrides: Record<string, unknown> = {}) => {
    const a = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(a.auth).send(attorneyProfile({ maxActiveCases: 20, ...overrides })).expect(200);
    return a;
  };
  /** Every attorney so far stops taking referrals: each test builds its own roster. */
  const closeRoster = () => t.db.query(`UPDATE attorney_profiles SET accepting_referrals = false`);
  const referral = async (id: string) => (await t.db.query(`SELECT status, withdrawn_why, attorney_id FROM referrals WHERE id = $1`, [id]))[0];

  beforeAll(async () => {
    t = await createTestApp({ clock });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
    coordinator = await createUser(t.http, admin, 'coordinator');
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
  });
  afterAll(() => t.close());

  it('a case closed after its offer lapsed (the expiry job not come yet): the offer expires, and after a reopen it is not offered again to who let it lapse', async () => {
    await closeRoster();
    const lapser = await newAttorney();
    const c = await createCase(body());
    const offer = (await route(c.id).expect(201)).body;
    expect(offer.attorneyId).toBe(lapser.userId);
    clock.advance(25 * 3600_000); // high: 24 hours to answer; they did not (the expiry job has not come yet)
    try {
      expect((await t.http.post(`/api/referrals/${offer.id}/accept`).set(lapser.auth)).body.code).toBe('OFFER_EXPIRED');
      await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'duplicate' }).expect(200);
      const recorded = await referral(offer.id);
      await t.http.post(`/api/cases/${c.id}/reopen`).set(coordinator.auth).send({}).expect(200);
      const again = await route(c.id);
      // As had the expiry job run a minute before the close: `expired`, and they are passed over (prior_offer).
      expect({ recorded: [recorded.status, recorded.withdrawn_why], reofferedToLapser: again.body.attorneyId === lapser.userId })
        .toEqual({ recorded: ['expired', null], reofferedToLapser: false });
    } finally {
      clock.set(new Date());
    }
  });
});
