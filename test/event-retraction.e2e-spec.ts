import { MailDeliveryService } from '@amparo/notifications';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { minimalBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString();

interface Deadline { id: string; rule: string; dueAt: string; status: string }

/**
 * An event recorded by mistake (a mistyped date, the wrong case) must be correctable: with "the latest trigger wins",
 * a decision typed weeks later than it happened would otherwise keep its appeal deadline weeks too late for good.
 */
describe('retracting an event recorded by mistake (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
    attorney = await createUser(t.http, admin, 'attorney');
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
  });
  afterAll(() => t.close());

  const newCase = async (body: Record<string, unknown> = minimalBody()) =>
    (await t.http.post('/api/cases').set(intake.auth).send(body).expect(201)).body as { id: string; reference: string };
  const record = (caseId: string, who: Session, body: Record<string, unknown>) =>
    t.http.post(`/api/cases/${caseId}/events`).set(who.auth).send(body);
  const retract = (caseId: string, who: Session, eventId: string) =>
    t.http.post(`/api/cases/${caseId}/events/${eventId}/retract`).set(who.auth);
  const bondDecision = (occurredAt: string) => ({ type: 'bond_decision', occurredAt, outcome: 'denied' });
  const appeals = (deadlines: Deadline[]) => deadlines.filter((d) => d.rule === 'bond_appeal');

  it('a decision typed later than it happened: the correct one adds its appeal, retracting the wrong one removes the other', async () => {
    const c = await newCase();
    const wrong = await record(c.id, coordinator, bondDecision(daysAgo(2))).expect(201);
    const correct = await record(c.id, coordinator, bondDecision(daysAgo(25))).expect(201);
    // Each decision has its own appeal (2026.9): the right one, due in 5 days, is followed beside the mistyped one's.
    // (Under 2026.8 the latest decision's alone was: the appeal stayed 28 days away instead of 5.)
    const [right, stillWrong] = appeals(correct.body.deadlines);
    expect(Date.parse(right.dueAt)).toBeLessThan(Date.now() + 8 * DAY);
    expect(Date.parse(stillWrong.dueAt)).toBeGreaterThan(Date.now() + 20 * DAY);

    const res = await retract(c.id, coordinator, wrong.body.event.id).expect(200);
    expect(res.body.event).toMatchObject({ id: wrong.body.event.id, type: 'bond_decision', retractedBy: coordinator.userId });
    expect(Date.parse(res.body.event.retractedAt)).toBeGreaterThan(Date.now() - 60_000);
    const [appeal] = appeals(res.body.deadlines);
    expect(appeals(res.body.deadlines)).toHaveLength(1);
    expect(appeal.status).toBe('open');
    expect(appeal.id).toBe(right.id);
    // The case, the board and the urgency follow.
    const shown = await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth).expect(200);
    expect(appeals(shown.body.deadlines).map((d) => d.id)).toEqual([appeal.id]);
    expect(Date.parse(shown.body.urgency.nextDeadlineAt)).toBe(Date.parse(res.body.urgency.nextDeadlineAt));
    const board = await t.http.get('/api/deadlines?status=all&limit=200').set(coordinator.auth).expect(200);
    const ids = board.body.items.map((d: Deadline) => d.id);
    expect(ids).toContain(appeal.id);
    expect(ids).not.toContain(stillWrong.id);
    // Both events stay listed, in the order recorded, the wrong one marked.
    const events = await t.http.get(`/api/cases/${c.id}/events`).set(coordinator.auth).expect(200);
    expect(events.body.items.map((e: { id: string; retractedAt?: string }) => [e.id, Boolean(e.retractedAt)])).toEqual([
      [wrong.body.event.id, true],
      [correct.body.event.id, false],
    ]);
    const audit = await t.http.get(`/api/audit?action=case.event_retract&caseId=${c.id}`).set(coordinator.auth).expect(200);
    expect(audit.body.items).toEqual([
      expect.objectContaining({ action: 'case.event_retract', actorId: coordinator.userId, details: { type: 'bond_decision', eventId: wrong.body.event.id } }),
    ]);
    // The replaced deadline, marked from a list read before: a 409 saying it no longer applies, not a 404 taken for an
    // attempt on someone else's record.
    const stale = await t.http.patch(`/api/deadlines/${stillWrong.id}`).set(coordinator.auth).send({ status: 'met' });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe('DEADLINE_SUPERSEDED');
    const denied = await t.http.get(`/api/audit?action=case.access_denied&actorId=${coordinator.userId}`).set(coordinator.auth).expect(200);
    expect(denied.body.items).toEqual([]);
  });

  it('a deadline missed because of a mistaken event disappears with it, and its escalation email is cancelled', async () => {
    const c = await newCase();
    const wrong = await record(c.id, coordinator, bondDecision(daysAgo(40))).expect(201);
    const [missed] = appeals(wrong.body.deadlines);
    expect(missed.status).toBe('missed');
    const queued = await t.db.query(`SELECT id FROM notifications WHERE dedupe_key LIKE $1 AND sent_at IS NULL`, [`missed:${missed.id}:%`]);
    expect(queued.length).toBeGreaterThanOrEqual(1);

    const res = await retract(c.id, coordinator, wrong.body.event.id).expect(200);
    expect(appeals(res.body.deadlines)).toEqual([]);
    expect(res.body.urgency.reasons.join(' ')).not.toMatch(/appeal/i);
    const board = await t.http.get('/api/deadlines?status=all&limit=200').set(coordinator.auth).expect(200);
    expect(board.body.items.map((d: Deadline) => d.id)).not.toContain(missed.id);

    // Missed on arrival, the alert waits a few minutes: past that, the delivery finds it no longer applies.
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE id = ANY($1)`, [queued.map((q: { id: string }) => q.id)]);
    await t.app.get(MailDeliveryService).deliverDue();
    const after = await t.db.query(`SELECT sent_at, cancelled_at FROM notifications WHERE id = ANY($1)`, [queued.map((q: { id: string }) => q.id)]);
    for (const row of after) expect(row).toEqual({ sent_at: null, cancelled_at: expect.any(Date) });
  });

  it('a deadline already marked met goes too: it was counted from something that did not happen', async () => {
    const c = await newCase();
    const wrong = await record(c.id, coordinator, bondDecision(daysAgo(10))).expect(201);
    const [appeal] = appeals(wrong.body.deadlines);
    await t.http.patch(`/api/deadlines/${appeal.id}`).set(coordinator.auth).send({ status: 'met', note: 'filed' }).expect(200);
    const res = await retract(c.id, coordinator, wrong.body.event.id).expect(200);
    expect(appeals(res.body.deadlines)).toEqual([]);
    const gone = await t.http.patch(`/api/deadlines/${appeal.id}`).set(coordinator.auth).send({ status: 'open' });
    expect([gone.status, gone.body.code]).toEqual([409, 'DEADLINE_SUPERSEDED']);
  });

  it('a ruling entered twice, the appeal marked filed on the second entry, which is retracted: the first entry\'s appeal is filed', async () => {
    const c = await newCase();
    const decision = { type: 'ij_decision', occurredAt: daysAgo(5), outcome: 'denied' };
    const first = await record(c.id, coordinator, decision).expect(201);
    const again = await record(c.id, coordinator, decision).expect(201);
    const merits = (deadlines: Deadline[]) => deadlines.filter((d) => d.rule === 'bia_merits_appeal');
    const [appeal] = merits(again.body.deadlines);
    expect(merits(again.body.deadlines)).toHaveLength(1);
    await t.http.patch(`/api/deadlines/${appeal.id}`).set(coordinator.auth).send({ status: 'met', note: 'Appeal filed' }).expect(200);
    const res = await retract(c.id, coordinator, again.body.event.id).expect(200);
    // The first entry's appeal is back, the same deadline: filed, not open (to be swept missed and alerted).
    expect(merits(res.body.deadlines).map((d) => [d.status, (d as Deadline & { statusNote?: string }).statusNote, d.dueAt]))
      .toEqual([['met', 'Appeal filed', appeal.dueAt]]);
    const [{ trigger_event_id: trigger }] = await t.db.query(
      `SELECT trigger_event_id FROM deadlines WHERE case_id = $1 AND rule = 'bia_merits_appeal' AND superseded_at IS NULL`, [c.id]);
    expect(trigger).toBe(first.body.event.id);
    // Retracted too, and entered again the same: still filed.
    await retract(c.id, coordinator, first.body.event.id).expect(200);
    const third = await record(c.id, coordinator, decision).expect(201);
    expect(merits(third.body.deadlines).map((d) => d.status)).toEqual(['met']);
    // Another decision of that day (another outcome) is not the same entry: its appeal is open.
    // (Nor is another day's entry of the same kind: below.)
    await retract(c.id, coordinator, third.body.event.id).expect(200);
    const other = await record(c.id, coordinator, { ...decision, outcome: 'removal_ordered' }).expect(201);
    expect(merits(other.body.deadlines).map((d) => d.status)).toEqual(['open']);
  });

  it('a move entered on the wrong case, its EOIR-33 marked filed, retracted: this client\'s own move the next day is not filed, though due the same day', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'not_detained', state: 'TX', county: 'Harris' } });
    const eoir33 = (deadlines: Deadline[]) => deadlines.filter((d) => d.rule === 'eoir33_change_of_address');
    // Monday and Tuesday moves: both due the next Monday (5 days, the weekend rolled forward).
    const monday = await record(c.id, coordinator, { type: 'address_changed', occurredAt: '2026-11-16' }).expect(201);
    const [filed] = eoir33(monday.body.deadlines);
    await t.http.patch(`/api/deadlines/${filed.id}`).set(coordinator.auth).send({ status: 'met', note: 'EOIR-33 filed for the Monday move' }).expect(200);
    await retract(c.id, coordinator, monday.body.event.id).expect(200);
    const tuesday = await record(c.id, coordinator, { type: 'address_changed', occurredAt: '2026-11-17' }).expect(201);
    const [own] = eoir33(tuesday.body.deadlines);
    // Past by now: missed (not the other move's filing).
    expect([own.dueAt, own.status, (own as Deadline & { statusNote?: string }).statusNote]).toEqual([filed.dueAt, 'missed', undefined]);
  });

  it('a mark goes only with the same entry: not to the corrected outcome entered beside the wrong one, nor to another day\'s decision due the same day', async () => {
    const merits = (deadlines: Deadline[]) => deadlines.filter((d) => d.rule === 'bia_merits_appeal');
    // Relief granted (entered by mistake), its appeal waived; the removal order of that day entered, the wrong one retracted.
    // The last Thursday at least a week back (fixed dates would be missed within weeks): 30 days on is a Saturday, and
    // the Friday's a Sunday, so both are due the same Monday (or the business day after it), still ahead.
    const today = new Date();
    const thursdayAt = new Date(today.getTime() - (7 + ((today.getUTCDay() - 4 + 7) % 7)) * DAY);
    const [thursdayDate, fridayDate] = [thursdayAt, new Date(thursdayAt.getTime() + DAY)].map((d) => d.toISOString().slice(0, 10));
    const c = await newCase();
    const granted = await record(c.id, coordinator, { type: 'ij_decision', occurredAt: thursdayDate, outcome: 'granted' }).expect(201);
    await t.http.patch(`/api/deadlines/${merits(granted.body.deadlines)[0].id}`).set(coordinator.auth).send({ status: 'waived', note: 'Relief granted: nothing to appeal' }).expect(200);
    const ordered = await record(c.id, coordinator, { type: 'ij_decision', occurredAt: thursdayDate, outcome: 'removal_ordered' }).expect(201);
    // The waived one stays on the record beside it until the wrong entry is retracted.
    expect(merits(ordered.body.deadlines).map((d) => d.status).sort()).toEqual(['open', 'waived']);
    const res = await retract(c.id, coordinator, granted.body.event.id).expect(200);
    expect(merits(res.body.deadlines).map((d) => d.status)).toEqual(['open']);
    // Thursday's decision, its appeal waived; Friday's: both due the Monday (the weekend rolled forward).
    const d = await newCase();
    const thursday = await record(d.id, coordinator, { type: 'ij_decision', occurredAt: thursdayDate, outcome: 'other' }).expect(201);
    const [first] = merits(thursday.body.deadlines);
    await t.http.patch(`/api/deadlines/${first.id}`).set(coordinator.auth).send({ status: 'waived', note: 'Nothing to appeal' }).expect(200);
    const friday = await record(d.id, coordinator, { type: 'ij_decision', occurredAt: fridayDate, outcome: 'removal_ordered' }).expect(201);
    // Thursday's stays on the record, waived; Friday's, due the same day, is open.
    const rows = merits(friday.body.deadlines);
    expect(rows.map((r) => [r.dueAt, r.status, r.id === first.id]).sort()).toEqual([[first.dueAt, 'open', false], [first.dueAt, 'waived', true]]);
  });

  it('a mark taken back (reopened) stays taken back through a retraction and the same entry again', async () => {
    const c = await newCase();
    const decision = bondDecision(daysAgo(5));
    const first = await record(c.id, coordinator, decision).expect(201);
    await t.http.patch(`/api/deadlines/${appeals(first.body.deadlines)[0].id}`).set(coordinator.auth).send({ status: 'met', note: 'appeal filed' }).expect(200);
    await retract(c.id, coordinator, first.body.event.id).expect(200);
    const second = await record(c.id, coordinator, decision).expect(201);
    const [carried] = appeals(second.body.deadlines);
    expect(carried.status).toBe('met');
    await t.http.patch(`/api/deadlines/${carried.id}`).set(coordinator.auth).send({ status: 'open', note: 'the filing bounced' }).expect(200);
    await retract(c.id, coordinator, second.body.event.id).expect(200);
    const third = await record(c.id, coordinator, decision).expect(201);
    expect(appeals(third.body.deadlines).map((d) => d.status)).toEqual(['open']);
  });

  it('a case whose only court event was retracted is no longer a court matter for routing', async () => {
    const unregistered = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(unregistered.auth)
      .send(attorneyProfile({ eoirRegistered: false, practiceAreas: ['asylum'], languages: ['mam'] })).expect(200);
    const c = await newCase({
      client: { lastName: 'Ejemplo', preferredLanguage: 'mam' },
      consent: { shareWithAttorney: true, obtainedFrom: 'client' },
      custody: { status: 'released', state: 'TX', county: 'Travis' },
      practiceAreas: ['asylum'],
    });
    const hearing = await record(c.id, coordinator, {
      type: 'hearing_scheduled', occurredAt: daysAgo(1), hearingType: 'master', scheduledAt: new Date(Date.now() + 30 * DAY).toISOString(),
    }).expect(201);
    await retract(c.id, coordinator, hearing.body.event.id).expect(200);
    const offer = await t.http.post(`/api/cases/${c.id}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(offer.body.attorneyId).toBe(unregistered.userId);
  });

  describe('who may retract, and what is refused', () => {
    let caseId: string;
    let byCoordinator: string;
    let byIntake: string;

    beforeAll(async () => {
      caseId = (await newCase()).id;
      byCoordinator = (await record(caseId, coordinator, { type: 'address_changed', occurredAt: daysAgo(1) }).expect(201)).body.event.id;
      byIntake = (await record(caseId, intake, { type: 'entered_us', occurredAt: '2021-05-04', manner: 'ewi' }).expect(201)).body.event.id;
    });

    it('the volunteer may not retract the coordinator\'s event (403), an attorney without the case gets 404', async () => {
      const refused = await retract(caseId, intake, byCoordinator).expect(403);
      expect(refused.body.code).toBe('FORBIDDEN');
      expect((await retract(caseId, attorney, byCoordinator)).status).toBe(404);
      const [row] = await t.db.query(`SELECT retracted_at FROM case_events WHERE id = $1`, [byCoordinator]);
      expect(row.retracted_at).toBeNull();
    });

    it('an unknown event, or one of another case, is a 404; a malformed id names the parameter', async () => {
      const other = await newCase();
      expect((await retract(other.id, coordinator, byCoordinator)).status).toBe(404);
      expect((await retract(caseId, coordinator, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
      const bad = await retract(caseId, coordinator, 'not-an-id').expect(400);
      expect(JSON.stringify(bad.body)).toContain('eventId');
    });

    it('the manner of entry is listed only for whoever has the full view', async () => {
      const manner = async (who: Session) =>
        (await t.http.get(`/api/cases/${caseId}/events`).set(who.auth).expect(200)).body.items
          .find((e: { id: string }) => e.id === byIntake);
      expect(await manner(intake)).toMatchObject({ type: 'entered_us', manner: 'ewi', recordedBy: intake.userId });
      const coordinatorView = await manner(coordinator);
      expect(coordinatorView.type).toBe('entered_us');
      expect(coordinatorView).not.toHaveProperty('manner');
      expect(JSON.stringify(coordinatorView)).not.toContain('timeZoneFromCase');
      expect((await t.http.get(`/api/cases/${caseId}/events`).set(attorney.auth)).status).toBe(404);
      // Nor in the answer to recording one (stored with an Idempotency-Key and replayed): a write is not a read.
      const recorded = await record(caseId, coordinator, { type: 'entered_us', occurredAt: '2021-05-04', manner: 'ewi' }).set('Idempotency-Key', `manner-${caseId}`).expect(201);
      expect(recorded.body.event).toMatchObject({ type: 'entered_us' });
      expect(recorded.body.event).not.toHaveProperty('manner');
      const stored = await t.db.query(`SELECT response FROM idempotency_keys WHERE case_id = $1 AND status_code = 201`, [caseId]);
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored[0].response)).not.toContain('ewi');
    });

    it('whoever recorded an event may retract it, once (409 the second time)', async () => {
      await retract(caseId, intake, byIntake).expect(200);
      const again = await retract(caseId, intake, byIntake).expect(409);
      expect(again.body.code).toBe('EVENT_RETRACTED');
    });

    it('the events of a closed case cannot be retracted (409)', async () => {
      await t.http.post(`/api/cases/${caseId}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
      const res = await retract(caseId, coordinator, byCoordinator).expect(409);
      expect(res.body.code).toBe('CASE_CLOSED');
    });
  });

  it('the audit list filters by every action it records, the operator\'s password reset included', async () => {
    for (const action of ['case.event_retract', 'user.password_reset']) {
      await t.http.get(`/api/audit?action=${action}`).set(admin.auth).expect(200);
    }
  });
});
