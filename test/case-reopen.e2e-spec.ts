import { DeadlineJobsService } from '@amparo/deadlines';
import { MailDeliveryService } from '@amparo/notifications';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile, routingTeam } from './support/attorneys';
import { minimalBody, routableBody } from './support/cases';
import { Session, createUser, login, withoutCoordinators } from './support/users';

/** A case closed by mistake is reopened by a coordinator, rather than typed again and its history lost. */
describe('reopening a closed case (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;

  beforeAll(async () => {
    t = await createTestApp();
    ({ admin, coordinator, intake, attorney } = await routingTeam(t.http));
  });
  afterAll(() => t.close());

  const reopen = (id: string, who: Session = coordinator) => t.http.post(`/api/cases/${id}/reopen`).set(who.auth);

  /** A detained client's case accepted by the attorney, with a deadline (EOIR-33) on the board. */
  async function assigned(who: Session = attorney) {
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Reabierta', lastName: 'Ejemplo' })).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: who.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(who.auth).expect(200);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: new Date().toISOString() }).expect(201);
    return c.body.id as string;
  }
  const onBoard = async (id: string) =>
    (await t.http.get('/api/deadlines?limit=200').set(coordinator.auth).expect(200)).body.items.filter((d: { caseId: string }) => d.caseId === id);

  it('goes back to its attorney, its deadlines followed again and no longer counted towards its purge; audited', async () => {
    const id = await assigned();
    await t.http.post(`/api/cases/${id}/close`).set(attorney.auth).send({ outcome: 'duplicate' }).expect(200);
    expect(await onBoard(id)).toEqual([]);
    const res = await reopen(id).expect(200);
    expect(res.body).toMatchObject({ status: 'assigned', assignedAttorneyId: attorney.userId, outcome: null });
    expect((await onBoard(id)).map((d: { rule: string }) => d.rule)).toEqual(['eoir33_change_of_address']);
    const [row] = await t.db.query(`SELECT closed_at, urgency_level FROM cases WHERE id = $1`, [id]);
    expect(row.closed_at).toBeNull();
    expect(row.urgency_level).not.toBe('low');
    await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(200);
    const audit = await t.db.query(`SELECT actor_id, details FROM audit_events WHERE case_id = $1 AND action = 'case.reopen'`, [id]);
    expect(audit).toEqual([{ actor_id: coordinator.userId, details: { outcome: 'duplicate', status: 'assigned' } }]);
  });

  const emails = (id: string, kind: string) =>
    t.db.query(`SELECT recipient_id, subject, body, cancelled_at FROM notifications WHERE case_id = $1 AND kind = $2`, [id, kind]);

  it('tells the attorney the case is theirs again (reference only); the email is dropped unsent once it is no longer theirs', async () => {
    const id = await assigned();
    await t.http.post(`/api/cases/${id}/close`).set(attorney.auth).send({ outcome: 'duplicate' }).expect(200);
    await reopen(id).expect(200);
    const [told, ...more] = await emails(id, 'case.reopened');
    expect(more).toEqual([]);
    expect(told.recipient_id).toBe(attorney.userId);
    expect(told.subject).toMatch(/was reopened and is yours again/);
    expect(JSON.stringify(told)).not.toMatch(/Reabierta/);
    // Another attorney holds it before the email went out (written straight to the table): theirs is no longer due.
    const other = await createUser(t.http, admin, 'attorney');
    await t.db.query(`UPDATE cases SET assigned_attorney_id = $2 WHERE id = $1`, [id, other.userId]);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [id]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await emails(id, 'case.reopened'))[0].cancelled_at).not.toBeNull();
  });

  it('its attorney closing a case with a detainer hold missed whose outer limit is ahead (on the board) tells the coordinators, naming the hold', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Retenida', lastName: 'Ejemplo' }, {
      custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: new Date(Date.now() - 50 * 3600_000).toISOString() },
    })).expect(201);
    const id = c.body.id as string;
    const offer = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(attorney.auth).expect(200);
    // Swept missed at its 48 hours, its outer limit (weekends and holidays left out) still ahead: on the board.
    await t.db.query(`UPDATE deadlines SET status = 'missed', outer_limit_at = now() + interval '1 day' WHERE case_id = $1 AND rule = 'detainer_hold'`, [id]);
    await t.db.query(`UPDATE deadlines SET status = 'met' WHERE case_id = $1 AND rule <> 'detainer_hold'`, [id]);
    expect((await onBoard(id)).map((d: { rule: string; status: string }) => [d.rule, d.status])).toEqual([['detainer_hold', 'missed']]);
    await t.http.post(`/api/cases/${id}/close`).set(attorney.auth).send({ outcome: 'represented' }).expect(200);
    const mail: { subject: string }[] = await t.db.query(`SELECT subject FROM notifications WHERE case_id = $1 AND kind = 'case.closed'`, [id]);
    expect(mail.length).toBeGreaterThan(0);
    expect(mail[0].subject).toMatch(/closed by its attorney with a detainer hold past its 48 hours whose outer limit \(8 CFR 287\.7\(d\)\) is still ahead/);
  });

  it('the client\'s consent withdrawn after the close takes the record from its attorney (told, audited); nothing else of a closed case is corrected', async () => {
    const id = await assigned();
    await t.http.post(`/api/cases/${id}/close`).set(attorney.auth).send({ outcome: 'represented' }).expect(200);
    await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(200);
    // Other fields stay as they were; the attorney does not withdraw it themself (they would answer themself a 404).
    const other = await t.http.patch(`/api/cases/${id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false }, practiceAreas: ['asylum'] }).expect(409);
    expect(other.body.code).toBe('CASE_CLOSED');
    await t.http.patch(`/api/cases/${id}`).set(attorney.auth).send({ consent: { shareWithAttorney: false } }).expect(403);
    const withdrawn = await t.http.patch(`/api/cases/${id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false, obtainedFrom: 'client' } }).expect(200);
    expect(withdrawn.body).toMatchObject({ status: 'closed', assignedAttorneyId: null, consent: { shareWithAttorney: false } });
    await t.http.get(`/api/cases/${id}`).set(attorney.auth).expect(404);
    const listed = await t.http.get('/api/cases?limit=200').set(attorney.auth).expect(200);
    expect(listed.body.items.map((c: { id: string }) => c.id)).not.toContain(id);
    const [told] = await emails(id, 'case.released');
    expect([told.recipient_id, told.subject]).toEqual([attorney.userId, expect.stringMatching(/is no longer assigned to you/)]);
    expect(JSON.stringify(told)).not.toMatch(/Reabierta|Ejemplo/);
    const trail = await t.db.query(`SELECT action, details FROM audit_events WHERE case_id = $1 AND action IN ('case.update', 'case.unassign') ORDER BY id`, [id]);
    expect(trail).toEqual([{ action: 'case.update', details: {} }, { action: 'case.unassign', details: { attorneyId: attorney.userId, why: 'consent withdrawn' } }]);
    // Reopened, it is new, for a coordinator to place once consent is recorded.
    expect((await reopen(id).expect(200)).body).toMatchObject({ status: 'new', assignedAttorneyId: null });
  });

  it('a close is told to who followed the case and did not close it: coordinators when its attorney closes it with open deadlines, its attorney when a coordinator does', async () => {
    const closedMail = async (id: string) => (await t.db.query(
      `SELECT recipient_id, subject, body, sent_at IS NOT NULL AS sent, cancelled_at IS NOT NULL AS cancelled FROM notifications
        WHERE case_id = $1 AND kind = 'case.closed' ORDER BY recipient_id`, [id]));
    const coordinators: string[] = (await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active ORDER BY id`)).map((u: { id: string }) => u.id);
    // Its attorney closes it, the EOIR-33 deadline still open: every coordinator is told, sent though the case is closed.
    const byAttorney = await assigned();
    await t.http.post(`/api/cases/${byAttorney}/close`).set(attorney.auth).send({ outcome: 'client_unreachable' }).expect(200);
    let mail = await closedMail(byAttorney);
    expect(mail.map((m: { recipient_id: string }) => m.recipient_id)).toEqual(coordinators);
    expect(mail[0].subject).toMatch(/was closed by its attorney with one open deadline/);
    expect(mail[0].body).toMatch(/outcome: client unreachable/);
    expect(JSON.stringify(mail)).not.toMatch(/Reabierta|Ejemplo/);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [byAttorney]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await closedMail(byAttorney)).every((m: { sent: boolean }) => m.sent)).toBe(true);
    // A coordinator closes it: its attorney is told (their reminders stop), the coordinators are not.
    const byCoordinator = await assigned();
    await t.http.post(`/api/cases/${byCoordinator}/close`).set(coordinator.auth).send({ outcome: 'duplicate' }).expect(200);
    mail = await closedMail(byCoordinator);
    expect(mail.map((m: { recipient_id: string }) => m.recipient_id)).toEqual([attorney.userId]);
    expect(mail[0].body).toMatch(/A coordinator closed case .* \(outcome: duplicate\)/);
    // Reopened before it went: not sent.
    await reopen(byCoordinator).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [byCoordinator]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await closedMail(byCoordinator)).map((m: { sent: boolean; cancelled: boolean }) => [m.sent, m.cancelled])).toEqual([[false, true]]);
    // Closed, reopened and closed again before the pass: only the last close is told, with its outcome.
    await t.http.post(`/api/cases/${byCoordinator}/close`).set(attorney.auth).send({ outcome: 'client_unreachable' }).expect(200);
    await reopen(byCoordinator).expect(200);
    await t.http.post(`/api/cases/${byCoordinator}/close`).set(coordinator.auth).send({ outcome: 'represented' }).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [byCoordinator]);
    await t.app.get(MailDeliveryService).deliverDue();
    const sent = (await closedMail(byCoordinator)).filter((m: { sent: boolean }) => m.sent);
    expect(sent.map((m: { recipient_id: string; body: string }) => [m.recipient_id, /outcome: represented/.test(m.body)])).toEqual([[attorney.userId, true]]);
    // A coordinator made an attorney before the email went: the outcome of a case not theirs is not sent to them.
    const byAttorneyAgain = await assigned();
    const demoted = await createUser(t.http, admin, 'coordinator');
    await t.http.post(`/api/cases/${byAttorneyAgain}/close`).set(attorney.auth).send({ outcome: 'other' }).expect(200);
    await t.http.patch(`/api/users/${demoted.userId}`).set(admin.auth).send({ role: 'attorney' }).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [byAttorneyAgain]);
    await t.app.get(MailDeliveryService).deliverDue();
    const [theirs] = (await closedMail(byAttorneyAgain)).filter((m: { recipient_id: string }) => m.recipient_id === demoted.userId);
    expect(theirs).toMatchObject({ sent: false, cancelled: true });
    // Its attorney closes it with nothing open: nobody needs telling.
    const done = await assigned();
    await t.db.query(`UPDATE deadlines SET status = 'met' WHERE case_id = $1`, [done]);
    await t.http.post(`/api/cases/${done}/close`).set(attorney.auth).send({ outcome: 'represented' }).expect(200);
    expect(await closedMail(done)).toEqual([]);
  });

  it('is new again when its attorney no longer practises here, and another attorney may accept it', async () => {
    const leaving = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(leaving.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const id = await assigned(leaving);
    await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await t.http.patch(`/api/users/${leaving.userId}`).set(admin.auth).send({ active: false }).expect(200);
    const colleague = await createUser(t.http, admin, 'coordinator');
    expect((await reopen(id).expect(200)).body).toMatchObject({ status: 'new', assignedAttorneyId: null });
    // The other coordinators are told it needs an attorney; the one who reopened it knows.
    const told = (await emails(id, 'case.unassigned')).map((n: { recipient_id: string }) => n.recipient_id);
    expect(told).toContain(colleague.userId);
    expect(told).not.toContain(coordinator.userId);
    expect(await emails(id, 'case.reopened')).toEqual([]);
    const offer = await t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(attorney.auth).expect(200);
  });

  it('a case whose stored events no longer compute is reopened all the same, left to the urgency review', async () => {
    const id = await assigned();
    await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    // An event the deadline engine refuses (written around the API, as by an older release).
    await t.db.query(`INSERT INTO case_events (id, case_id, type, occurred_at, data) VALUES (gen_random_uuid(), $1, 'bond_decision', 'not a date', '{"outcome":"denied"}')`, [id]);
    expect((await reopen(id).expect(200)).body).toMatchObject({ status: 'assigned' });
    const [row] = await t.db.query(`SELECT urgency_review_at FROM cases WHERE id = $1`, [id]);
    expect(row.urgency_review_at).not.toBeNull();
  });

  it('a reminder cancelled while the case was closed is queued again once it is reopened', async () => {
    // Held in a county jail with a detainer, release-eligible ten hours ago: the 48-hour hold ends in 38 hours, inside
    // the reminders' 48 (real hours: no weekend or holiday moves it, whatever day the test runs).
    const releaseEligibleAt = new Date(Date.now() - 10 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt } }).expect(201);
    const pending = async () =>
      (await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'deadline.reminder' AND sent_at IS NULL AND cancelled_at IS NULL`, [c.body.id])).length;
    await t.app.get(DeadlineJobsService).planReminders();
    expect(await pending()).toBeGreaterThan(0);
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [c.body.id]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await pending()).toBe(0);
    await reopen(c.body.id).expect(200);
    await t.app.get(DeadlineJobsService).planReminders();
    expect(await pending()).toBeGreaterThan(0);
  });

  it('a coordinators\' alert cancelled because the case was closed (a missed deadline) is due again once it is reopened', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    // An address change ten days ago: the EOIR-33 deadline was missed, and the coordinators are to be told.
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: tenDaysAgo }).expect(201);
    const alerts = async (state: 'pending' | 'sent') => (await t.db.query(
      `SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' AND recipient_id = $2 AND cancelled_at IS NULL
          AND sent_at IS ${state === 'sent' ? 'NOT NULL' : 'NULL'}`, [c.body.id, coordinator.userId])).length;
    expect(await alerts('pending')).toBe(1);
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    // Missed on arrival, the alert waits a few minutes: then the delivery finds the case closed.
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE case_id = $1 AND sent_at IS NULL`, [c.body.id]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await alerts('pending')).toBe(0);
    await reopen(c.body.id).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await alerts('sent')).toBe(1);
  });

  it('with no coordinator, the admin\'s copy of a missed alert the close cancelled is sent after the reopen', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    await withoutCoordinators(t, admin, async () => {
      await t.http.post(`/api/cases/${c.body.id}/events`).set(intake.auth).send({ type: 'address_changed', occurredAt: tenDaysAgo }).expect(201);
    });
    coordinator = await login(t.http, coordinator.email, coordinator.password);
    const admins = async () => t.db.query(
      `SELECT sent_at FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' AND recipient_id = $2`, [c.body.id, admin.userId]);
    expect(await admins()).toHaveLength(1);
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE case_id = $1 AND sent_at IS NULL`, [c.body.id]);
    await t.app.get(MailDeliveryService).deliverDue();
    await reopen(c.body.id).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await admins()).map((n: { sent_at: Date | null }) => n.sent_at !== null)).toEqual([true]);
  });

  it('an unsent missed-deadline alert is dropped once the deadline is marked met or waived (a filing made after all)', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const moved = await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: tenDaysAgo }).expect(201);
    const missed = moved.body.deadlines.find((d: { rule: string }) => d.rule === 'eoir33_change_of_address');
    expect(missed.status).toBe('missed');
    await t.http.patch(`/api/deadlines/${missed.id}`).set(coordinator.auth).send({ status: 'met' }).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE case_id = $1 AND sent_at IS NULL`, [c.body.id]);
    await t.app.get(MailDeliveryService).deliverDue();
    const alerts = await t.db.query(`SELECT sent_at, cancelled_at FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed'`, [c.body.id]);
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a: { sent_at: Date | null; cancelled_at: Date | null }) => a.sent_at === null && a.cancelled_at !== null)).toBe(true);
  });

  it('a coverage alert the close cancelled is written again only while it applies; an old "needs an attorney" is not revived', async () => {
    const [{ code: arizona }] = await t.db.query(`SELECT code FROM facilities WHERE state = 'AZ' AND listed ORDER BY code LIMIT 1`);
    const sentOrPending = async (id: string, kind: string) => (await t.db.query(
      `SELECT recipient_id, body FROM notifications WHERE case_id = $1 AND kind = $2 AND cancelled_at IS NULL`, [id, kind]));
    const transferredAndClosed = async (who: Session) => {
      const id = await assigned(who);
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: arizona }).expect(201);
      expect(await sentOrPending(id, 'case.coverage')).not.toEqual([]);
      await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
      await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [id]);
      await t.app.get(MailDeliveryService).deliverDue();
      expect(await sentOrPending(id, 'case.coverage')).toEqual([]);
      return id;
    };
    // Still the attorney's, still not covered: told again.
    const kept = await transferredAndClosed(attorney);
    await reopen(kept).expect(200);
    expect((await sentOrPending(kept, 'case.coverage')).length).toBeGreaterThan(0);
    // Its attorney gone, the case is new: nobody is told about a coverage that no longer exists, nor twice that it needs an attorney.
    const leaving = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(leaving.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const orphan = await transferredAndClosed(leaving);
    await t.http.patch(`/api/users/${leaving.userId}`).set(admin.auth).send({ active: false }).expect(200);
    await reopen(orphan).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await sentOrPending(orphan, 'case.coverage')).toEqual([]);
    const told = (await sentOrPending(orphan, 'case.unassigned')).map((n: { recipient_id: string }) => n.recipient_id);
    expect(told.length).toBe(new Set(told).size);
  });

  it('a coverage alert still waiting for a retry is not sent once the case has no attorney (it no longer holds)', async () => {
    const [{ code: arizona }] = await t.db.query(`SELECT code FROM facilities WHERE state = 'AZ' AND listed ORDER BY code LIMIT 1`);
    const leaving = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(leaving.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const id = await assigned(leaving);
    await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: arizona }).expect(201);
    // A first try failed: the next is in ten minutes, so the close's delivery pass does not look at it.
    await t.db.query(`UPDATE notifications SET attempts = 1, next_attempt_at = now() + interval '10 minutes' WHERE case_id = $1 AND kind = 'case.coverage'`, [id]);
    await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    await t.http.patch(`/api/users/${leaving.userId}`).set(admin.auth).send({ active: false }).expect(200);
    await createUser(t.http, admin, 'coordinator'); // someone besides the one who reopens it, to be told
    await reopen(id).expect(200);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND kind = 'case.coverage'`, [id]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.coverage' AND sent_at IS NOT NULL`, [id])).toEqual([]);
    // The other coordinators are told it needs an attorney, and that it had one (released before the close).
    const [told] = await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned' AND body LIKE '%reopened%'`, [id]);
    expect(told.body).toMatch(/Its attorney no longer has it/);
  });

  it('a coverage alert dropped while the case was briefly covered is written again when it is back at the uncovered facility', async () => {
    const [{ code: arizona }] = await t.db.query(`SELECT code FROM facilities WHERE state = 'AZ' AND listed ORDER BY code LIMIT 1`);
    const [{ code: texas }] = await t.db.query(`SELECT code FROM facilities WHERE state = 'TX' AND listed ORDER BY code LIMIT 1`);
    const id = await assigned();
    // Dated in order, after the intake (a transfer of before the day its custody was stated is refused: just after
    // midnight, minutes ago would be the day before).
    const transfer = (code: string, order: number) => t.http.post(`/api/cases/${id}/events`).set(coordinator.auth)
      .send({ type: 'transferred', occurredAt: new Date(Date.now() + (60 - order) * 1000).toISOString(), facilityCode: code }).expect(201);
    await transfer(arizona, 30); // the attorney covers Texas only
    // The mail server is down: the alert waits for a retry, and by then the case is back in Texas (covered).
    await t.db.query(`UPDATE notifications SET attempts = 1, next_attempt_at = now() + interval '10 minutes' WHERE case_id = $1 AND kind = 'case.coverage'`, [id]);
    await transfer(texas, 20);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND kind = 'case.coverage'`, [id]);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.coverage' AND cancelled_at IS NULL`, [id])).toEqual([]);
    await transfer(arizona, 10);
    expect((await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.coverage' AND cancelled_at IS NULL`, [id])).length).toBeGreaterThan(0);
  });

  it('a case closed before it had an attorney: the other coordinators are told it needs one, not that its attorney left', async () => {
    const colleague = await createUser(t.http, admin, 'coordinator');
    const c = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'duplicate' }).expect(200);
    await reopen(c.body.id).expect(200);
    const [told] = await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned' AND recipient_id = $2`, [c.body.id, colleague.userId]);
    expect(told.body).toMatch(/had no attorney yet/);
    expect(told.body).not.toMatch(/no longer has it/);
  });

  it('an offer the close withdrew does not bar its attorney; a coordinator\'s own withdrawal does', async () => {
    const sole = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(sole.auth).send(attorneyProfile({ languages: ['kjb'], maxActiveCases: 20 })).expect(200);
    const body = routableBody({ firstName: 'Cerrada', lastName: 'Ejemplo' });
    const c = await t.http.post('/api/cases').set(intake.auth).send({ ...body, client: { ...body.client, preferredLanguage: 'kjb' } }).expect(201);
    const route = () => t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({});
    expect((await route().expect(201)).body.attorneyId).toBe(sole.userId);
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'duplicate' }).expect(200);
    // The trail reads as it happened: the close, then the withdrawal it caused.
    const trail = await t.db.query(`SELECT action, details->>'why' AS why FROM audit_events WHERE case_id = $1 AND action IN ('case.close', 'referral.withdraw') ORDER BY id`, [c.body.id]);
    expect(trail).toEqual([{ action: 'case.close', why: null }, { action: 'referral.withdraw', why: 'CASE_CLOSED' }]);
    await reopen(c.body.id).expect(200);
    const again = await route().expect(201);
    expect(again.body.attorneyId).toBe(sole.userId);
    await t.http.post(`/api/referrals/${again.body.id}/withdraw`).set(coordinator.auth).expect(200);
    expect((await route()).body).toMatchObject({ code: 'NO_ELIGIBLE_ATTORNEY', message: expect.stringMatching(/1 for an earlier offer of this case/) });
  });

  it('only a closed case, only by a coordinator', async () => {
    const open = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    expect([(await reopen(open.body.id)).status, (await reopen(open.body.id)).body.code]).toEqual([409, 'CASE_NOT_CLOSED']);
    const id = await assigned();
    await t.http.post(`/api/cases/${id}/close`).set(attorney.auth).send({ outcome: 'represented' }).expect(200);
    expect((await reopen(id, attorney)).status).toBe(403);
    expect((await reopen(id, intake)).status).toBe(403);
    expect((await t.http.post(`/api/cases/${id}/reopen`).set(coordinator.auth).send({ outcome: 'x' })).status).toBe(400);
    await t.db.query(`UPDATE cases SET status = 'purged' WHERE id = $1`, [id]);
    expect((await reopen(id)).body.code).toBe('CASE_PURGED');
  });
});
