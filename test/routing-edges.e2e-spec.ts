import { FixedClock } from '@amparo/common';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * Routing's edges: a conflict of interest through the same client's other intakes (the adverse parties a client named
 * on one case are theirs on the next, and a client's adversary is the adversary of whoever represents them on any of
 * their cases), and an offer that lapsed before the expiry job came.
 */
describe('routing edges (e2e)', () => {
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

  it('same client, other case: the adverse party named on her first intake bars its attorney from her second intake', async () => {
    await closeRoster();
    const abusersLawyer = await newAttorney();
    const pedroName = { firstName: 'Pedro', lastName: `Abusador${uniq()}` };
    // Pedro is the attorney's client.
    const pedro = await createCase(body({}, pedroName));
    const o = (await route(pedro.id, { attorneyId: abusersLawyer.userId }).expect(201)).body;
    await t.http.post(`/api/referrals/${o.id}/accept`).set(abusersLawyer.auth).expect(200);
    // María's first intake names Pedro as the adverse party (her abusive spouse): his attorney is barred from it.
    const maria = { firstName: 'Maria', lastName: `Victima${uniq()}`, dateOfBirth: '1990-03-04', aNumber: 'A201-555-123' };
    const first = await createCase(body({ adverseParties: [{ name: `${pedroName.firstName} ${pedroName.lastName}`, relationship: 'spouse' }] }, maria));
    expect((await route(first.id, { attorneyId: abusersLawyer.userId })).status).toBe(422);
    // Her second intake (detained again, a relative called; the volunteer did not ask about the other side): the same
    // client by A-number and birth date, as the duplicate check reads her.
    const second = await createCase(body({}, maria));
    expect(second.possibleDuplicates).toContain(first.reference);
    // Pedro's attorney is not offered María's case: by routing (nobody else fits), nor by a coordinator's choice.
    const res = await route(second.id);
    expect([res.status, res.body.code]).toEqual([422, 'NO_ELIGIBLE_ATTORNEY']);
    expect((await route(second.id, { attorneyId: abusersLawyer.userId })).status).toBe(422);
  });

  it('the attorney\'s client named the new client as adverse on another of his intakes (not the attorney\'s): the attorney is not offered her case', async () => {
    await closeRoster();
    const lawyer = await newAttorney();
    const pedro = { firstName: 'Pedro', lastName: `Espejo${uniq()}`, dateOfBirth: '1980-01-02', aNumber: 'A301-555-777' };
    const mariaName = { firstName: 'Maria', lastName: `Espejo${uniq()}` };
    // Pedro's bond case is the attorney's.
    const bond = await createCase(body({}, pedro));
    const o = (await route(bond.id, { attorneyId: lawyer.userId }).expect(201)).body;
    await t.http.post(`/api/referrals/${o.id}/accept`).set(lawyer.auth).expect(200);
    // Pedro's other intake (a U visa petition, say, not placed yet) names María as the adverse party.
    const other = await createCase(body({ practiceAreas: ['u_visa'], adverseParties: [{ name: `${mariaName.firstName} ${mariaName.lastName}` }] }, pedro));
    expect(other.possibleDuplicates).toContain(bond.reference);
    // María's case: Pedro's attorney is offered it.
    const maria = await createCase(body({}, mariaName));
    const res = await route(maria.id);
    expect([res.status, res.body.code]).toEqual([422, 'NO_ELIGIBLE_ATTORNEY']);
  });

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
