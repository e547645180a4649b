import { createHash } from 'node:crypto';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile, routingTeam } from './support/attorneys';
import { minimalBody, routableBody } from './support/cases';
import { Session, createUser } from './support/users';

/**
 * An accepted case taken from its attorney: a coordinator releases them (a conflict found, the client asks for someone
 * else), or the attorney steps down. Before this route, nothing short of deactivating the attorney's account did it.
 */
describe('releasing an assigned case from its attorney (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;
  let colleague: Session;

  beforeAll(async () => {
    t = await createTestApp();
    ({ admin, coordinator, intake, attorney } = await routingTeam(t.http));
    colleague = await createUser(t.http, admin, 'coordinator');
  });
  afterAll(() => t.close());

  const release = (id: string, who: Session, body: unknown = { reason: 'conflict' }) =>
    t.http.post(`/api/cases/${id}/release`).set(who.auth).send(body as object);

  /** A case accepted by `who`, with a deadline (EOIR-33) on the board. */
  async function assigned(who: Session = attorney) {
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Liberada', lastName: 'Ejemplo' })).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: who.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(who.auth).expect(200);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: new Date().toISOString() }).expect(201);
    return { id: c.body.id as string, referralId: offer.body.id as string };
  }
  const emails = (id: string, kind: string) =>
    t.db.query(`SELECT recipient_id, subject, body FROM notifications WHERE case_id = $1 AND kind = $2 ORDER BY recipient_id`, [id, kind]);
  const activeCases = async (who: Session) =>
    (await t.http.get('/api/attorneys').set(coordinator.auth).expect(200)).body.find((a: { userId: string }) => a.userId === who.userId).activeCases;

  it('by a coordinator: the case is new with no attorney, the attorney loses its record and is told; audited with the reason', async () => {
    const { id, referralId } = await assigned();
    const before = await activeCases(attorney);
    await release(id, coordinator, { reason: ' Client_Request ' }).expect(204);

    const view = await t.http.get(`/api/cases/${id}`).set(coordinator.auth).expect(200);
    expect(view.body).toMatchObject({ status: 'new', assignedAttorneyId: null });
    // Without counsel again: the recompute flags it.
    expect(JSON.stringify(view.body.urgency)).toMatch(/attorney/i);
    await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(404);
    const [referral] = await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE id = $1`, [referralId]);
    expect(referral).toEqual({ status: 'withdrawn', withdrawn_why: 'STEPPED_DOWN' });
    expect(await activeCases(attorney)).toBe(before - 1);

    const audit = await t.db.query(`SELECT actor_id, details FROM audit_events WHERE case_id = $1 AND action = 'case.unassign'`, [id]);
    expect(audit).toEqual([{ actor_id: coordinator.userId, details: { attorneyId: attorney.userId, why: 'released by a coordinator', reason: 'client_request' } }]);
    const [told, ...more] = await emails(id, 'case.released');
    expect(more).toEqual([]);
    expect(told.recipient_id).toBe(attorney.userId);
    expect(told.body).toMatch(/A coordinator released you from case .* \(at the client's request\)/);
    // The other coordinators are told to place it; the one who released it knows. No client data in any of it.
    expect((await emails(id, 'case.unassigned')).map((n: { recipient_id: string }) => n.recipient_id)).toEqual([colleague.userId]);
    const written = JSON.stringify(await t.db.query(`SELECT subject, body FROM notifications WHERE case_id = $1`, [id]));
    expect(written).not.toMatch(/Liberada/);
  });

  it('the intake volunteer does not get the full record back once an attorney has held the case (released, or consent withdrawn), within the 72 hours', async () => {
    const { id } = await assigned();
    await t.http.patch(`/api/cases/${id}`).set(attorney.auth).send({ narrative: 'Notas de la abogada (inventadas)' }).expect(200);
    expect((await t.http.get(`/api/cases/${id}`).set(intake.auth).expect(200)).body.view).toBe('summary');
    await release(id, attorney, { reason: 'capacity' }).expect(204);
    const after = await t.http.get(`/api/cases/${id}`).set(intake.auth).expect(200);
    expect([after.body.status, after.body.view, after.body.narrative]).toEqual(['new', 'summary', undefined]);
    // Nor by withdrawing the consent themself (which takes the case from its attorney), then giving it back.
    const other = await assigned();
    await t.http.patch(`/api/cases/${other.id}`).set(intake.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    const withdrawn = await t.http.get(`/api/cases/${other.id}`).set(intake.auth).expect(200);
    expect([withdrawn.body.status, withdrawn.body.view]).toEqual(['new', 'summary']);
    // A case never accepted stays theirs to read and correct.
    const fresh = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Nueva', lastName: 'Ejemplo' })).expect(201);
    expect((await t.http.get(`/api/cases/${fresh.body.id}`).set(intake.auth).expect(200)).body.view).toBe('full');
  });

  it('routing does not offer it to the released attorney again; a coordinator may still name them, and another may accept it', async () => {
    const { id } = await assigned();
    await release(id, coordinator, { reason: 'unavailable' }).expect(204);
    const auto = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({}).expect(422);
    expect(JSON.stringify(auto.body)).toMatch(/excluded: 1 for an earlier offer of this case/);
    const other = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const offer = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(offer.body.attorneyId).toBe(other.userId);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(other.auth).expect(200);
    await t.http.get(`/api/cases/${id}`).set(other.auth).expect(200);
    // Released again, it may go back to the first attorney by name (an override, said so in the offer's reasons).
    await release(id, other, { reason: 'capacity' }).expect(204);
    const back = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    expect(back.body.match.reasons).toContain('override: had this case and was released from it');
    await t.http.post(`/api/referrals/${back.body.id}/accept`).set(attorney.auth).expect(200);
    await t.http.patch(`/api/users/${other.userId}`).set(admin.auth).send({ active: false }).expect(200);
  });

  it('released for a conflict: not offered the case again even by name, nor the same client\'s other intakes, whose open offer to them is withdrawn', async () => {
    const client = { firstName: 'Conflicto', lastName: `Ejemplo${Math.random().toString(36).slice(2, 6)}`, dateOfBirth: '1979-02-03' };
    const held = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client)).expect(201);
    const offer = await t.http.post(`/api/cases/${held.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(attorney.auth).expect(200);
    // A second intake of the same client (her brother called too), offered to the same attorney meanwhile.
    const twin = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client)).expect(201);
    const twinOffer = await t.http.post(`/api/cases/${twin.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    // The attorney finds they represent the other side: they step down for the conflict.
    await release(held.body.id, attorney, { reason: 'conflict' }).expect(204);
    expect((await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE id = $1`, [twinOffer.body.id]))[0])
      .toEqual({ status: 'withdrawn', withdrawn_why: 'CONFLICT_OF_INTEREST' });
    for (const id of [held.body.id, twin.body.id]) {
      const named = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(422);
      expect(named.body.message).toMatch(/conflict of interest/);
    }
    // A third intake of hers: routing passes them over.
    const third = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client)).expect(201);
    const auto = await t.http.post(`/api/cases/${third.body.id}/referrals`).set(coordinator.auth).send({}).expect(422);
    expect(JSON.stringify(auto.body)).toMatch(/conflict/);
    // A correction of the case they left does not alert the coordinators of a conflict they were told of.
    await t.http.patch(`/api/cases/${held.body.id}`).set(coordinator.auth).send({ client: { lastName: `${client.lastName}z` } }).expect(200);
    expect(await emails(held.body.id, 'case.conflict')).toEqual([]);
  });

  it('a conflict told (a release for one) alerts nobody later; a conflict the names show, of that former holder, still does', async () => {
    const lawyer = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(lawyer.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const tag = Math.random().toString(36).slice(2, 6);
    const pia = { firstName: 'Pia', lastName: `Uno${tag}`, dateOfBirth: '1980-05-06' };
    const give = async (client: object) => {
      const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client as { firstName: string; lastName: string })).expect(201);
      const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: lawyer.userId }).expect(201);
      await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(lawyer.auth).expect(200);
      return c.body.id as string;
    };
    // They hold two of Pia's cases, and step down from one for a conflict: the other stays theirs, and a correction
    // of either (a note) alerts nobody of what they told.
    const kept = await give(pia);
    const left = await give(pia);
    await release(left, lawyer, { reason: 'conflict' }).expect(204);
    for (const id of [kept, left]) {
      await t.http.patch(`/api/cases/${id}`).set(coordinator.auth).send({ narrative: 'Llamó la hermana (inventado).' }).expect(200);
      expect(await emails(id, 'case.conflict')).toEqual([]);
    }
    // They take Xavier as a client; the case they left turns out to name Xavier on the other side: they saw Pia's record
    // and now represent her opponent. The coordinators are alerted, as for any former holder.
    const xavier = { firstName: 'Xavier', lastName: `Dos${tag}`, dateOfBirth: '1970-01-02' };
    await give(xavier);
    await t.http.patch(`/api/cases/${left}`).set(coordinator.auth).send({ adverseParties: [{ name: `${xavier.firstName} ${xavier.lastName}`, relationship: 'employer' }] }).expect(200);
    const told = await emails(left, 'case.conflict');
    expect(told.map((n: { recipient_id: string }) => n.recipient_id).sort()).toEqual([coordinator.userId, colleague.userId].sort());
  });

  it('an alert written before 2026-11-27 under the digest that counted a told conflict among the names is not sent again', async () => {
    const lawyer = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(lawyer.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const tag = Math.random().toString(36).slice(2, 6);
    const pia = { firstName: 'Pia', lastName: `Tres${tag}`, dateOfBirth: '1980-05-06' };
    const xavier = { firstName: 'Xavier', lastName: `Cuatro${tag}`, dateOfBirth: '1970-01-02' };
    const offerTo = async (client: object) => {
      const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client as { firstName: string; lastName: string })).expect(201);
      const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: lawyer.userId }).expect(201);
      return { id: c.body.id as string, offerId: offer.body.id as string };
    };
    const held = await offerTo(pia);
    await t.http.post(`/api/referrals/${held.offerId}/accept`).set(lawyer.auth).expect(200);
    // Pia's second intake, declined for a conflict (told), and Xavier's case taken: then Pia's case names Xavier.
    await t.http.post(`/api/referrals/${(await offerTo(pia)).offerId}/decline`).set(lawyer.auth).send({ reason: 'conflict' }).expect(200);
    await t.http.post(`/api/referrals/${(await offerTo(xavier)).offerId}/accept`).set(lawyer.auth).expect(200);
    await t.http.patch(`/api/cases/${held.id}`).set(coordinator.auth).send({ adverseParties: [{ name: `${xavier.firstName} ${xavier.lastName}` }] }).expect(200);
    const first = await emails(held.id, 'case.conflict');
    expect(first.length).toBeGreaterThan(0);
    // As the release before it keyed them: the told conflict's values (this client's name) in the digest too.
    const values = async (kind: string) => (await t.db.query(`SELECT value FROM case_blind_indexes WHERE case_id = $1 AND kind = $2`, [held.id, kind])).map((r: { value: string }) => r.value);
    const digest = (v: string[]) => createHash('sha256').update(v.sort().join(',')).digest('hex').slice(0, 16);
    const [adverse, mine] = [await values('adverse_party'), await values('party_name')];
    await t.db.query(`UPDATE notifications SET dedupe_key = replace(dedupe_key, $2, $3) WHERE case_id = $1 AND kind = 'case.conflict'`,
      [held.id, digest([...adverse]), digest([...new Set([...adverse, ...mine])])]);
    await t.http.patch(`/api/cases/${held.id}`).set(coordinator.auth).send({ narrative: 'Llamó la hermana (inventado).' }).expect(200);
    const sent = await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.conflict' AND cancelled_at IS NULL`, [held.id]);
    expect(sent).toHaveLength(first.length);
  });

  it('by its attorney, stepping down: every coordinator is told, the attorney gets no email about their own act', async () => {
    const { id } = await assigned();
    await release(id, attorney, { reason: 'capacity' }).expect(204);
    // Sent twice (a double tap): 409, not a refused access to someone else's case in the trail.
    expect((await release(id, attorney, { reason: 'capacity' }).expect(409)).body.code).toBe('CASE_NOT_ASSIGNED');
    expect(await t.db.query(`SELECT 1 FROM audit_events WHERE case_id = $1 AND action = 'case.access_denied'`, [id])).toEqual([]);
    // Both at once: one 204, the other 409 (it waited for the first, and sees what it did).
    const twice = await assigned();
    const both = await Promise.all([release(twice.id, attorney, { reason: 'capacity' }), release(twice.id, attorney, { reason: 'capacity' })]);
    expect(both.map((r) => r.status).sort()).toEqual([204, 409]);
    expect(await t.db.query(`SELECT 1 FROM audit_events WHERE case_id = $1 AND action = 'case.access_denied'`, [twice.id])).toEqual([]);
    await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(404);
    expect((await t.http.get(`/api/cases/${id}`).set(coordinator.auth).expect(200)).body.status).toBe('new');
    const told = await emails(id, 'case.unassigned');
    expect(told.map((n: { recipient_id: string }) => n.recipient_id).sort()).toEqual([coordinator.userId, colleague.userId].sort());
    expect(told[0].body).toMatch(/stepped down \(no capacity for it\)/);
    // The subject says how urgent it is (triage from the inbox).
    expect(told[0].subject).toMatch(/\((critical|high|normal|low)\): its attorney stepped down/);
    expect(await emails(id, 'case.released')).toEqual([]);
    const audit = await t.db.query(`SELECT actor_id, actor_role, details FROM audit_events WHERE case_id = $1 AND action = 'case.unassign'`, [id]);
    expect(audit).toEqual([{ actor_id: attorney.userId, actor_role: 'attorney', details: { attorneyId: attorney.userId, why: 'stepped down', reason: 'capacity' } }]);
  });

  it('refuses what is not an assigned case of the caller: 409 on a case without attorney, 404 for another attorney, 403 for intake, 400 naming a bad reason', async () => {
    const fresh = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    const notAssigned = await release(fresh.body.id, coordinator).expect(409);
    expect(notAssigned.body.code).toBe('CASE_NOT_ASSIGNED');
    const { id } = await assigned();
    const stranger = await createUser(t.http, admin, 'attorney');
    await release(id, stranger).expect(404);
    await release(id, intake).expect(403);
    for (const body of [{}, { reason: 'bored' }, { reason: 7 }]) {
      const bad = await release(id, coordinator, body).expect(400);
      expect(JSON.stringify(bad.body)).toMatch(/reason/);
    }
    // Nothing of that changed the case.
    expect((await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(200)).body.status).toBe('assigned');
    // A closed case is not released (reopen it first).
    await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    expect((await release(id, attorney).expect(409)).body.code).toBe('CASE_NOT_ASSIGNED');
  });
});
