import { TestApp, createTestApp } from './support/test-app';
import { minimalBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * PostgreSQL reads a uuid in any case and prints it in lower case. An id taken from the URL as typed would be hashed
 * into the audit chain in upper case and stored in lower case: the chain would no longer verify, for good.
 */
describe('ids in the path spelled in upper case (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
  });
  afterAll(() => t.close());

  it('a correction, an event, a retraction and a close by an upper-case case id: the audit chain still verifies', async () => {
    const intake = await createUser(t.http, admin, 'intake');
    const created = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    const upper = (created.body.id as string).toUpperCase();
    await t.http.patch(`/api/cases/${upper}`).set(coordinator.auth).send({ narrative: 'Corrected by the coordinator' }).expect(200);
    const event = await t.http.post(`/api/cases/${upper}/events`).set(coordinator.auth)
      .send({ type: 'address_changed', occurredAt: new Date().toISOString() }).expect(201);
    await t.http.post(`/api/cases/${upper}/events/${(event.body.event.id as string).toUpperCase()}/retract`).set(coordinator.auth).expect(200);
    await t.http.post(`/api/cases/${upper}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);

    const rows = await t.db.query(`SELECT DISTINCT chain FROM audit_events WHERE case_id = $1`, [created.body.id]);
    expect(rows).toHaveLength(1);
    expect((await t.http.get('/api/audit/verify').set(admin.auth).expect(200)).body).toMatchObject({ ok: true });
  });

  it('an admin cannot deactivate their own account by spelling its id in upper case', async () => {
    const res = await t.http.patch(`/api/users/${admin.userId.toUpperCase()}`).set(admin.auth).send({ active: false });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('SELF_LOCKOUT');
  });
});
