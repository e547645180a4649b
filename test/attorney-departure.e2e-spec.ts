import { MailDeliveryService } from '@amparo/notifications';
import { reminderKey } from '@amparo/deadlines';
import { OfferExpiryJob, ReferralsService, conflictKey } from '@amparo/routing';
import { TestApp, createTestApp } from './support/test-app';
import { minimalBody } from './support/cases';
import { attorneyProfile } from './support/attorneys';
import { Client } from 'pg';
import { Session, createUser, login, loginAdmin, withoutCoordinators } from './support/users';

/**
 * An attorney who leaves (deactivated, or given another role) can no longer answer offers or work cases: nothing may
 * stay stranded with them, and the coordinators must hear of it. A client who withdraws consent takes their case
 * from the attorney the same way.
 */
describe('an attorney deactivated or given another role (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let other: Session;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
    other = await createUser(t.http, admin, 'attorney');
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
  });
  afterAll(() => t.close());

  /** A detained client's case (Texas, Spanish, bond). */
  const detainedCase = async () => (await t.http.post('/api/cases').set(intake.auth).send({
    client: { lastName: 'Ejemplo', preferredLanguage: 'spa' },
    consent: { shareWithAttorney: true, obtainedFrom: 'client' },
    custody: { status: 'ice_detention', state: 'TX', county: 'Harris' },
    practiceAreas: ['detention_bond'],
  }).expect(201)).body as { id: string; reference: string };

  /** A detained client's case, offered to `who`. */
  async function offeredTo(who: Session) {
    const c = await detainedCase();
    const offer = await t.http.post(`/api/cases/${c.id}/referrals`).set(coordinator.auth).send({ attorneyId: who.userId }).expect(201);
    return { caseId: c.id, reference: c.reference, referralId: offer.body.id as string };
  }
  async function leaving() {
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const kept = await offeredTo(attorney);
    await t.http.post(`/api/referrals/${kept.referralId}/accept`).set(attorney.auth).expect(200);
    const pending = await offeredTo(attorney);
    return { attorney, kept, pending };
  }
  const caseRow = async (id: string) =>
    (await t.db.query(`SELECT status, assigned_attorney_id, flags FROM cases WHERE id = $1`, [id]))[0];
  /** `work` with no active coordinator but `keep`; the file's coordinator signs in again after (deactivation ended it). */
  const withoutCoordinatorsBut = async (keep: string | null, work: () => Promise<void>) => {
    try {
      await withoutCoordinators(t, admin, work, keep);
    } finally {
      coordinator = await login(t.http, coordinator.email, coordinator.password);
    }
  };

  it('deactivated: their cases are released and flagged, coordinators are told, their open offer moves on to the next attorney', async () => {
    const { attorney, kept, pending } = await leaving();
    expect((await caseRow(kept.caseId)).flags.map((f: { code: string }) => f.code)).not.toContain('detained_without_counsel');

    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);

    const released = await caseRow(kept.caseId);
    expect(released).toMatchObject({ status: 'new', assigned_attorney_id: null });
    expect(released.flags.map((f: { code: string }) => f.code)).toContain('detained_without_counsel');
    const mail = await t.db.query(`SELECT recipient_id, subject FROM notifications WHERE kind = 'case.unassigned' AND case_id = $1`, [kept.caseId]);
    expect(mail).toContainEqual({ recipient_id: coordinator.userId, subject: expect.stringContaining(`${kept.reference} (`) });
    const audit = await t.http.get(`/api/audit?action=case.unassign&caseId=${kept.caseId}`).set(coordinator.auth).expect(200);
    expect(audit.body.items).toEqual([expect.objectContaining({ actorId: admin.userId, details: { attorneyId: attorney.userId, why: 'deactivated' } })]);

    // The offer expires at once; the expiry pass offers the case to the next eligible attorney.
    await t.app.get(ReferralsService).expireDue();
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [pending.referralId]))[0].status).toBe('expired');
    const next = await t.db.query(`SELECT attorney_id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [pending.caseId]);
    expect(next).toEqual([{ attorney_id: other.userId }]);

    // The released case can be placed again, and taken: the former acceptance was withdrawn.
    const again = await t.http.post(`/api/cases/${kept.caseId}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(again.body.attorneyId).toBe(other.userId);
    await t.http.post(`/api/referrals/${again.body.id}/accept`).set(other.auth).expect(200);
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'assigned', assigned_attorney_id: other.userId });
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [kept.referralId]))[0].status).toBe('withdrawn');
    expect((await t.http.get('/api/audit/verify').set(admin.auth).expect(200)).body.ok).toBe(true);
  });

  it('an offer cut short by the deactivation is not held against the attorney once they are back: it was not theirs to let lapse', async () => {
    const { attorney, pending } = await leaving();
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
    await t.app.get(ReferralsService).expireDue();
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [pending.referralId]))[0].status).toBe('expired');
    // Back from a leave: the coordinator takes the case back from the next attorney, and offers it to them again.
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: true }).expect(200);
    const [next] = await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [pending.caseId]);
    await t.http.post(`/api/referrals/${next.id}/withdraw`).set(coordinator.auth).expect(200);
    const lapsed = 'override: let an earlier offer on this case expire';
    const again = await t.http.post(`/api/cases/${pending.caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    expect(again.body.attorneyId).toBe(attorney.userId);
    // Nothing set aside: they are eligible for it, as before they left (and a best match may choose them).
    expect(again.body.match.reasons).not.toContain(lapsed);
    // An offer they let lapse themselves still counts.
    await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [again.body.id]);
    await t.app.get(ReferralsService).expireDue();
    const [moved] = await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [pending.caseId]);
    if (moved) await t.http.post(`/api/referrals/${moved.id}/withdraw`).set(coordinator.auth).expect(200);
    const barred = await t.http.post(`/api/cases/${pending.caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    expect(barred.body.match.reasons).toContain(lapsed);
  });

  it('an offer the expiry pass cuts short for an attorney deactivated around the API is not held against them either', async () => {
    const { attorney, pending } = await leaving();
    // Deactivated in the database (by an operator, or a release before deactivations ended offers).
    await t.db.query(`UPDATE users SET active = false WHERE id = $1`, [attorney.userId]);
    await t.app.get(ReferralsService).releaseStranded();
    await t.app.get(ReferralsService).expireDue();
    expect((await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE id = $1`, [pending.referralId]))[0])
      .toEqual({ status: 'expired', withdrawn_why: 'DEPARTED' });
    await t.db.query(`UPDATE users SET active = true WHERE id = $1`, [attorney.userId]);
    for (const { id } of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [pending.caseId])) {
      await t.http.post(`/api/referrals/${id}/withdraw`).set(coordinator.auth).expect(200);
    }
    const again = await t.http.post(`/api/cases/${pending.caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    expect(again.body.match.reasons).not.toContain('override: let an earlier offer on this case expire');
    await t.http.post(`/api/referrals/${again.body.id}/withdraw`).set(coordinator.auth).expect(200);
  });

  it('given another role: released the same way, and their calendar-feed URL stops working', async () => {
    const { attorney, kept } = await leaving();
    const token = await t.http.post('/api/calendar/token').set(attorney.auth).send().expect(201);
    const feed = `/api/calendar/${token.body.token}.ics`;
    await t.http.get(feed).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'coordinator' }).expect(200);
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'new', assigned_attorney_id: null });
    // As a coordinator, the old URL would list the whole organization's deadlines.
    await t.http.get(feed).expect(404);
    const audit = await t.db.query(`SELECT details FROM audit_events WHERE action = 'case.unassign' AND case_id = $1`, [kept.caseId]);
    expect(audit).toEqual([{ details: { attorneyId: attorney.userId, why: 'role changed' } }]);
  });

  it("the client's consent withdrawn after acceptance: the attorney no longer has the case nor its record, and is told", async () => {
    const { attorney, kept } = await leaving();
    await t.http.get(`/api/cases/${kept.caseId}`).set(attorney.auth).expect(200);
    // The attorney does not take the case from themself by a correction: they close it, or a coordinator withdraws it.
    const own = await t.http.patch(`/api/cases/${kept.caseId}`).set(attorney.auth).send({ consent: { shareWithAttorney: false } });
    expect([own.status, Object.keys(own.body.fields ?? {})]).toEqual([403, ['consent.shareWithAttorney']]);
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'assigned', assigned_attorney_id: attorney.userId });

    const withdrawn = await t.http.patch(`/api/cases/${kept.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false, obtainedFrom: 'client' } });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'new', consent: { shareWithAttorney: false } });
    expect(withdrawn.body.assignedAttorneyId ?? null).toBeNull();
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'new', assigned_attorney_id: null });
    await t.http.get(`/api/cases/${kept.caseId}`).set(attorney.auth).expect(404);
    const [acceptance] = await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE case_id = $1 AND attorney_id = $2`, [kept.caseId, attorney.userId]);
    expect(acceptance).toEqual({ status: 'withdrawn', withdrawn_why: 'RELEASED' });
    const audit = await t.db.query(`SELECT actor_id, details FROM audit_events WHERE action = 'case.unassign' AND case_id = $1`, [kept.caseId]);
    expect(audit).toEqual([{ actor_id: coordinator.userId, details: { attorneyId: attorney.userId, why: 'consent withdrawn' } }]);
    const mail: { recipient_id: string; kind: string; subject: string; body: string }[] =
      await t.db.query(`SELECT recipient_id, kind, subject, body FROM notifications WHERE case_id = $1 AND kind IN ('case.released', 'case.unassigned')`, [kept.caseId]);
    expect(mail.find((m) => m.kind === 'case.unassigned')!.subject).toMatch(/consent to share withdrawn/);
    expect(mail).toContainEqual(expect.objectContaining({ recipient_id: attorney.userId, kind: 'case.released', body: expect.stringContaining('no longer assigned to you') }));
    expect(mail).toContainEqual(expect.objectContaining({ recipient_id: coordinator.userId, kind: 'case.unassigned', body: expect.stringContaining('cannot be offered until consent is recorded') }));
    // The reference only: the email says nothing of the client.
    expect(mail.find((m) => m.kind === 'case.released')!.body).not.toMatch(/Ejemplo|Harris|spa/);
    // Without consent it cannot be offered again, to them or anyone.
    const again = await t.http.post(`/api/cases/${kept.caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId });
    expect([again.status, again.body.code]).toEqual([422, 'CONSENT_MISSING']);
    // Consent recorded again and the case back with them before the email went: it is not sent.
    await t.http.patch(`/api/cases/${kept.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
    const back = await t.http.post(`/api/cases/${kept.caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    await t.http.post(`/api/referrals/${back.body.id}/accept`).set(attorney.auth).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    const [released] = await t.db.query(`SELECT sent_at, cancelled_at FROM notifications WHERE case_id = $1 AND kind = 'case.released'`, [kept.caseId]);
    expect(released).toEqual({ sent_at: null, cancelled_at: expect.any(Date) });
  });

  it('consent withdrawn, then the case closed before the email went: the attorney is still told it is no longer theirs', async () => {
    const { attorney, kept } = await leaving();
    await t.http.patch(`/api/cases/${kept.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    await t.http.post(`/api/cases/${kept.caseId}/close`).set(coordinator.auth).send({ outcome: 'client_declined' }).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    const [released] = await t.db.query(`SELECT recipient_id, sent_at, cancelled_at FROM notifications WHERE case_id = $1 AND kind = 'case.released'`, [kept.caseId]);
    expect(released).toEqual({ recipient_id: attorney.userId, sent_at: expect.any(Date), cancelled_at: null });
  });

  it('consent recorded again after a withdrawal took the case from its attorney: the coordinators are told it can be placed, not (only) that it cannot', async () => {
    const mailOf = async (caseId: string) => (await t.db.query(
      `SELECT recipient_id, kind, subject, body, sent_at, cancelled_at FROM notifications WHERE case_id = $1 AND kind IN ('case.unassigned', 'case.unplaced') ORDER BY created_at, id`, [caseId],
    )) as { recipient_id: string; kind: string; subject: string; body: string; sent_at: Date | null; cancelled_at: Date | null }[];
    // Before the email went: "it cannot be offered" is not sent, and what replaces it says it needs an attorney.
    const early = (await leaving()).kept;
    await t.http.patch(`/api/cases/${early.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    await t.http.patch(`/api/cases/${early.caseId}`).set(intake.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
    const mine = (await mailOf(early.caseId)).filter((m) => m.recipient_id === coordinator.userId);
    expect(mine.map((m) => [m.body.includes('cannot be offered'), m.cancelled_at !== null])).toEqual([[true, true], [false, false]]);
    expect(mine[1].subject).toBe(`[Amparo] ${early.reference} (${(await t.db.query(`SELECT urgency_level FROM cases WHERE id = $1`, [early.caseId]))[0].urgency_level}) can be offered now: consent to share recorded`);
    expect(mine[1].body).toMatch(/It is new, with no attorney: please place it/);
    expect(mine[1].body).not.toMatch(/Ejemplo|Harris/);
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await mailOf(early.caseId)).filter((m) => m.recipient_id === coordinator.userId).map((m) => m.sent_at !== null)).toEqual([false, true]);

    // After it went: told again, but not the coordinator who recorded it; a correction of something else tells nobody.
    const late = (await leaving()).kept;
    await t.http.patch(`/api/cases/${late.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    const before = (await mailOf(late.caseId)).length;
    await t.http.patch(`/api/cases/${late.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
    await t.http.patch(`/api/cases/${late.caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: true }, client: { needsInterpreter: true } }).expect(200);
    const after = (await mailOf(late.caseId)).slice(before);
    expect(after.length).toBe((await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active AND id <> $1`, [coordinator.userId])).length);
    expect(after.every((m) => m.recipient_id !== coordinator.userId && /can be offered now/.test(m.subject))).toBe(true);

    // A case that was never said to need consent (taken in without it, never routed) is news to nobody.
    const quiet = await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    await t.http.patch(`/api/cases/${quiet.body.id}`).set(intake.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
    expect(await mailOf(quiet.body.id)).toEqual([]);
  });

  it('a closed case reopened without consent (left so by an older release) does not go back to its attorney, who is told why', async () => {
    const { attorney, kept } = await leaving();
    await createUser(t.http, admin, 'coordinator'); // one besides the one who reopens it, to be told
    await t.http.post(`/api/cases/${kept.caseId}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await t.db.query(`UPDATE cases SET consent_share = false WHERE id = $1`, [kept.caseId]);
    expect((await t.http.post(`/api/cases/${kept.caseId}/reopen`).set(coordinator.auth).expect(200)).body).toMatchObject({ status: 'new', assignedAttorneyId: null });
    const mail = await t.db.query(`SELECT recipient_id, kind, body FROM notifications WHERE case_id = $1 AND kind IN ('case.released', 'case.unassigned', 'case.reopened')`, [kept.caseId]);
    expect(mail.filter((m: { kind: string }) => m.kind === 'case.reopened')).toEqual([]);
    expect(mail).toContainEqual(expect.objectContaining({ recipient_id: attorney.userId, kind: 'case.released', body: expect.stringContaining('consent to share case') }));
    const coordinatorsTold = mail.filter((x: { kind: string }) => x.kind === 'case.unassigned');
    expect(coordinatorsTold.length).toBeGreaterThan(0);
    for (const m of coordinatorsTold) expect(m.body).toMatch(/cannot be offered until consent is recorded/);
  });

  it('a case left assigned without consent (by a release before consent took cases back) is released by the expiry pass, not by its attorney\'s next correction', async () => {
    const { attorney, kept } = await leaving();
    await t.db.query(`UPDATE cases SET consent_share = false WHERE id = $1`, [kept.caseId]);
    // The attorney's own correction of something else is answered, and leaves the case theirs.
    const corrected = await t.http.patch(`/api/cases/${kept.caseId}`).set(attorney.auth).send({ client: { needsInterpreter: true } });
    expect([corrected.status, corrected.body.view]).toEqual([200, 'full']);
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'assigned', assigned_attorney_id: attorney.userId });
    expect(await t.app.get(ReferralsService).releaseStranded()).toBeGreaterThanOrEqual(1);
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'new', assigned_attorney_id: null });
    const audit = await t.db.query(`SELECT actor_id, actor_role, details FROM audit_events WHERE action = 'case.unassign' AND case_id = $1`, [kept.caseId]);
    expect(audit).toEqual([{ actor_id: null, actor_role: 'system', details: { attorneyId: attorney.userId, why: 'consent withdrawn' } }]);
    const mail = await t.db.query(`SELECT recipient_id FROM notifications WHERE case_id = $1 AND kind = 'case.released'`, [kept.caseId]);
    expect(mail).toEqual([{ recipient_id: attorney.userId }]);
  });

  it('a case closed while its attorney held it without consent (withdrawn before consent released cases) is reopened without them', async () => {
    const { attorney, kept } = await leaving();
    await t.http.post(`/api/cases/${kept.caseId}/close`).set(attorney.auth).send({ outcome: 'other' }).expect(200);
    await t.db.query(`UPDATE cases SET consent_share = false WHERE id = $1`, [kept.caseId]);
    const reopened = await t.http.post(`/api/cases/${kept.caseId}/reopen`).set(coordinator.auth).expect(200);
    expect(reopened.body.status).toBe('new');
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'new', assigned_attorney_id: null });
    await t.http.get(`/api/cases/${kept.caseId}`).set(attorney.auth).expect(404);
  });

  it('a case that cannot be recomputed does not stop the deactivation: it is released and left to the urgency review', async () => {
    const { attorney, kept } = await leaving();
    // An event the deadline engine refuses (written around the API, as by an older release).
    await t.db.query(
      `INSERT INTO case_events (id, case_id, type, occurred_at, data) VALUES (gen_random_uuid(), $1, 'bond_decision', 'not a date', '{"outcome":"denied"}')`,
      [kept.caseId],
    );
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
    expect((await t.http.get('/api/auth/me').set(attorney.auth)).status).toBe(401);
    const [row] = await t.db.query(`SELECT status, assigned_attorney_id, urgency_review_at FROM cases WHERE id = $1`, [kept.caseId]);
    expect(row).toMatchObject({ status: 'new', assigned_attorney_id: null, urgency_review_at: expect.any(Date) });
    // (Other tests here made more coordinators: each active one is told.)
    const told = await t.db.query(`SELECT recipient_id FROM notifications WHERE kind = 'case.unassigned' AND case_id = $1`, [kept.caseId]);
    expect(told).toContainEqual({ recipient_id: coordinator.userId });
  });

  it('an attorney deactivated outside the API (or before this release existed): the expiry pass releases what they hold', async () => {
    const { attorney, kept, pending } = await leaving();
    await t.db.query(`UPDATE users SET active = false WHERE id = $1`, [attorney.userId]);
    await t.app.get(OfferExpiryJob).pass();
    expect(await caseRow(kept.caseId)).toMatchObject({ status: 'new', assigned_attorney_id: null });
    const audit = await t.db.query(`SELECT actor_role, details FROM audit_events WHERE action = 'case.unassign' AND case_id = $1`, [kept.caseId]);
    expect(audit).toEqual([{ actor_role: 'system', details: { attorneyId: attorney.userId, why: 'deactivated' } }]);
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [pending.referralId]))[0].status).toBe('expired');
  });

  it('an offer made while the attorney is being deactivated waits for it, and is refused', async () => {
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const c = await detainedCase();
    // The deactivation, not committed yet, holds the user's row (as PATCH /api/users/:id does).
    const admin2 = new Client({ connectionString: t.databaseUrl });
    await admin2.connect();
    try {
      await admin2.query('BEGIN');
      await admin2.query(`UPDATE users SET active = false WHERE id = $1`, [attorney.userId]);
      const offer = t.http.post(`/api/cases/${c.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).then((r) => r);
      await new Promise((r) => setTimeout(r, 300));
      await admin2.query('COMMIT');
      const res = await offer;
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('NOT_AN_ATTORNEY');
    } finally {
      await admin2.end();
    }
    expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1`, [c.id])).toEqual([]);
  });

  it('a reminder queued for an attorney whose case was taken from them is cancelled, not sent', async () => {
    const { attorney, kept } = await leaving();
    const moved = await t.http.post(`/api/cases/${kept.caseId}/events`).set(coordinator.auth)
      .send({ type: 'address_changed', occurredAt: new Date().toISOString() }).expect(201);
    const deadline = moved.body.deadlines.find((d: { rule: string }) => d.rule === 'eoir33_change_of_address');
    // As the reminder planner writes it (the deadline is open: only the recipient makes it stale).
    await t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
       SELECT organization_id, $2, 'deadline.reminder', $3, id, 'subject', 'body', now() - interval '1 minute'
         FROM cases WHERE id = $1`,
      [kept.caseId, attorney.userId, reminderKey(deadline.id, new Date(deadline.dueAt), 24, attorney.userId)],
    );
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
    await t.app.get(MailDeliveryService).deliverDue();
    const rows = await t.db.query(`SELECT sent_at, cancelled_at FROM notifications WHERE recipient_id = $1 AND kind = 'deadline.reminder'`, [attorney.userId]);
    expect(rows).toEqual([{ sent_at: null, cancelled_at: expect.any(Date) }]);
  });

  it('a conflict alert queued for an attorney whose case was taken from them is cancelled; the coordinators\' copies stay', async () => {
    const { attorney, kept } = await leaving();
    // As the offer review writes it, for the attorney and a coordinator.
    const queue = (recipient: string) => t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
       SELECT organization_id, $2, 'case.conflict', $3, id, 'subject', 'body', now() + interval '1 hour' FROM cases WHERE id = $1`,
      [kept.caseId, recipient, conflictKey(kept.caseId, attorney.userId, 'abcdef0123456789', recipient)],
    );
    await queue(attorney.userId);
    await queue(coordinator.userId);
    const due = () => t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND kind = 'case.conflict'`, [kept.caseId]);
    const rows = async () => Object.fromEntries(((await t.db.query(
      `SELECT recipient_id, cancelled_at FROM notifications WHERE case_id = $1 AND kind = 'case.conflict'`, [kept.caseId],
    )) as { recipient_id: string; cancelled_at: Date | null }[]).map((r) => [r.recipient_id, r.cancelled_at]));
    // While the case is theirs, their copy applies.
    await due();
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await rows()).toEqual({ [attorney.userId]: null, [coordinator.userId]: null });
    await t.db.query(`UPDATE notifications SET sent_at = NULL, attempts = 0, next_attempt_at = now() + interval '1 hour' WHERE case_id = $1`, [kept.caseId]);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
    await due();
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await rows()).toEqual({ [attorney.userId]: expect.any(Date), [coordinator.userId]: null });
  });

  it('queued alerts for the coordinators and offers go only to someone who still has that role', async () => {
    const { attorney, pending } = await leaving();
    const promoted = await createUser(t.http, admin, 'coordinator');
    // The kinds whose rows name nothing else the delivery checks (a coverage or missed-deadline alert is also dropped
    // once its facility or deadline no longer warrants it, which these made-up keys could not show; the role check is
    // the same clause for all four).
    const kinds = ['case.unplaced', 'case.unassigned'];
    // As their writers queue them: each alert for two coordinators, one of whom is then made an intake volunteer;
    // the offer's email for the attorney, who is then made a coordinator.
    // (Each alert's copies in one statement, as the outbox writes them: one moment, which tells them apart from an alert
    // the leaver alone was written.)
    const coordinators: string[] = (await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active AND organization_id = (SELECT organization_id FROM users WHERE id = $1)`, [admin.userId]))
      .map((u: { id: string }) => u.id);
    expect(coordinators).toEqual(expect.arrayContaining([coordinator.userId, promoted.userId]));
    for (const [i, kind] of kinds.entries()) {
      await t.db.query(
        `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
         SELECT c.organization_id, r, $2, $3 || r::text, c.id, 'subject', 'body', now() + interval '1 hour'
           FROM cases c CROSS JOIN unnest($4::uuid[]) AS r WHERE c.id = $1`,
        [pending.caseId, kind, `test-${i}:${pending.caseId}:`, coordinators],
      );
    }
    await t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
       SELECT organization_id, $2, 'referral.offer', $3, id, 'subject', 'body', now() + interval '1 hour' FROM cases WHERE id = $1
       ON CONFLICT DO NOTHING`,
      [pending.caseId, attorney.userId, `offer:${pending.referralId}:test`],
    );
    await t.http.patch(`/api/users/${promoted.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'coordinator' }).expect(200);
    // Delivered before the expiry job moved the offer on: the role alone decides.
    await t.db.query(`UPDATE referrals SET status = 'offered' WHERE id = $1`, [pending.referralId]);
    await t.db.query(`UPDATE cases SET status = 'unplaced' WHERE id = $1`, [pending.caseId]);
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND dedupe_key LIKE ANY (ARRAY['test-%', 'offer:%:test'])`, [pending.caseId]);
    await t.app.get(MailDeliveryService).deliverDue();
    const rows: { recipient_id: string; kind: string; cancelled: boolean }[] = await t.db.query(
      `SELECT recipient_id, kind, cancelled_at IS NOT NULL AS cancelled FROM notifications
        WHERE case_id = $1 AND dedupe_key LIKE ANY (ARRAY['test-%', 'offer:%:test']) ORDER BY kind, recipient_id`,
      [pending.caseId],
    );
    // The one made an intake volunteer loses theirs, handed over to the one coordinator without it: the attorney made a
    // coordinator, whose offer's email is dropped (the others had the same alert: nothing more is written).
    const cancelled = (r: { recipient_id: string; kind: string }) => r.recipient_id === promoted.userId || r.kind === 'referral.offer';
    expect(rows).toHaveLength(kinds.length * (coordinators.length + 1) + 1);
    expect(rows).toEqual(rows.map((row) => ({ ...row, cancelled: cancelled(row) })));
    expect(rows.filter((r) => r.recipient_id === attorney.userId && !r.cancelled).map((r) => r.kind).sort()).toEqual([...kinds].sort());
  });

  it('a PATCH that sends the role the user already has ends nothing; a rename is audited without the name', async () => {
    const user = await createUser(t.http, admin, 'intake');
    await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ role: 'intake', active: true }).expect(200);
    await t.http.get('/api/auth/me').set(user.auth).expect(200);
    await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ name: 'Renamed Volunteer' }).expect(200);
    const audit = await t.db.query(`SELECT action, fields, details FROM audit_events WHERE details->>'userId' = $1 ORDER BY id`, [user.userId]);
    expect(audit).toEqual([
      { action: 'user.create', fields: ['active', 'name', 'role'], details: { userId: user.userId, after: { role: 'intake', active: true } } },
      // Their own password, for the admin's temporary one (createUser).
      {
        action: 'user.update', fields: ['password'],
        details: { userId: user.userId, before: { role: 'intake', active: true }, after: { role: 'intake', active: true } },
      },
      {
        action: 'user.update', fields: ['name'],
        details: { userId: user.userId, before: { role: 'intake', active: true }, after: { role: 'intake', active: true } },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain('Renamed');
    // Deactivating ends the sessions; reactivating does not bring them back (a new sign-in does).
    await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ active: false }).expect(200);
    await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ active: true }).expect(200);
    expect((await t.http.get('/api/auth/me').set(user.auth)).status).toBe(401);
    await login(t.http, user.email, user.password);
  });
  it('with no active coordinator (the last one left before the next was made), their alerts go to the admins, who are told why', async () => {
    const { attorney, kept } = await leaving();
    const standIn = await createUser(t.http, admin, 'admin');
    await withoutCoordinatorsBut(null, async () => {
      // The attorney leaves too: their case needs an attorney again.
      await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
      const told: { recipient_id: string; body: string }[] = await t.db.query(
        `SELECT recipient_id, body FROM notifications WHERE kind = 'case.unassigned' AND case_id = $1`, [kept.caseId]);
      // Before, nobody: the alert was written to no one (and a missed deadline's is written once).
      expect(told.map((n) => n.recipient_id).sort()).toEqual([admin.userId, standIn.userId].sort());
      // The reference and what it is about: nothing of the case (admins do not read case content).
      for (const { body } of told) {
        expect(body).toBe(`Amparo has an alert for the coordinators on case ${kept.reference}: the case needs an attorney again.\n\n` +
          'You receive it as an admin because your organization has no active coordinator in Amparo. Make one (or reactivate one): ' +
          'coordinators can see the case and act on it, and are told of what follows.');
      }
      await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND kind = 'case.unassigned'`, [kept.caseId]);
      await t.app.get(MailDeliveryService).deliverDue();
      const sent = await t.db.query(`SELECT sent_at IS NOT NULL AS sent FROM notifications WHERE kind = 'case.unassigned' AND case_id = $1`, [kept.caseId]);
      expect(sent).toEqual([{ sent: true }, { sent: true }]);
    });
    // With a coordinator again, the admins are not told.
    const next = await leaving();
    await t.http.patch(`/api/users/${next.attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
    const recipients = (await t.db.query(`SELECT recipient_id FROM notifications WHERE kind = 'case.unassigned' AND case_id = $1`, [next.kept.caseId]))
      .map((n: { recipient_id: string }) => n.recipient_id);
    expect(recipients).toContain(coordinator.userId);
    expect(recipients).not.toContain(standIn.userId);
  });
  it('the last coordinator leaving hands their unsent alerts to the admins standing in; an alert to a coordinator made admin is not sent', async () => {
    const { kept } = await leaving();
    const last = await createUser(t.http, admin, 'coordinator');
    await withoutCoordinatorsBut(last.userId, async () => {
      // A missed deadline's alert to the last coordinator, waiting out a mail outage (written once: not written again).
      const [missed] = await t.db.query(
        `INSERT INTO deadlines (case_id, organization_id, key, rule, label, due_at, time_zone, citation, rule_version, status)
         SELECT id, organization_id, 'test-missed', 'bia_merits_appeal', 'BIA appeal', now() - interval '2 days', 'America/Chicago', '8 CFR 1003.38(b)', '2026.8', 'missed'
           FROM cases WHERE id = $1 RETURNING id`, [kept.caseId]);
      await t.db.query(
        `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
         SELECT organization_id, $2::uuid, 'deadline.missed', 'missed:' || $5::text || ':' || $2::text, id, $3, $4, now() + interval '1 hour' FROM cases WHERE id = $1`,
        [kept.caseId, last.userId, `[Amparo] MISSED: ${kept.reference}: BIA appeal`, 'MISSED: BIA appeal of the IJ decision was due Tue 17 Nov 2026 (8 CFR 1003.38(b))', missed.id]);
      // They become an admin: no coordinator is left.
      await t.http.patch(`/api/users/${last.userId}`).set(admin.auth).send({ role: 'admin' }).expect(200);
      const rows = async () => t.db.query(
        `SELECT recipient_id, subject, body, dedupe_key LIKE '%:stand-in' AS stand_in, sent_at IS NOT NULL AS sent, cancelled_at IS NOT NULL AS cancelled
           FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' ORDER BY recipient_id, stand_in`, [kept.caseId]);
      const admins: string[] = (await t.db.query(
        `SELECT id FROM users WHERE organization_id = (SELECT organization_id FROM users WHERE id = $1) AND role = 'admin' AND active ORDER BY id`,
        [admin.userId])).map((u: { id: string }) => u.id);
      expect(admins).toContain(last.userId);
      const handed = (await rows()).filter((r: { stand_in: boolean }) => r.stand_in);
      expect(handed.map((r: { recipient_id: string }) => r.recipient_id).sort()).toEqual(admins);
      for (const copy of handed) {
        expect(copy.subject).toBe(`[Amparo] ${kept.reference}: an alert for the coordinators (a deadline was missed)`);
        expect(copy.body).not.toMatch(/BIA|1003|Nov/);
      }
      await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1 AND kind = 'deadline.missed'`, [kept.caseId]);
      await t.app.get(MailDeliveryService).deliverDue();
      // Their copy as a coordinator (with the case's deadline in it) is not sent to them as an admin; the stand-in copies are.
      for (const row of await rows()) expect([row.stand_in, row.sent, row.cancelled]).toEqual(row.stand_in ? [true, true, false] : [false, false, true]);
    });
  });

  it('a stand-in missed-deadline alert carried to the deadline of a corrected place stays the admin\'s, and says nothing of the case', async () => {
    const last = await createUser(t.http, admin, 'coordinator');
    await withoutCoordinatorsBut(last.userId, async () => {
      const c = (await t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), custody: { status: 'ice_detention', state: 'CA', county: 'Los Angeles' } }).expect(201)).body;
      const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
      // Missed at once (EOIR-33, 5 days): the alert to the last coordinator, unsent; they are made admin (hand-over).
      await t.http.post(`/api/cases/${c.id}/events`).set(intake.auth).send({ type: 'address_changed', occurredAt: tenDaysAgo }).expect(201);
      await t.http.patch(`/api/users/${last.userId}`).set(admin.auth).send({ role: 'admin' }).expect(200);
      // The place corrected: the missed deadline moves to a new row, and its unsent alerts with it. Before, the two
      // copies of the one who was made admin became one key (a 500), and an admin's copy took the case's text.
      await t.http.patch(`/api/cases/${c.id}`).set(intake.auth).send({ custody: { state: 'IL', county: 'Cook' } }).expect(200);
      const rows = async () => t.db.query(
        `SELECT dedupe_key LIKE '%:stand-in' AS stand_in, subject, body, sent_at IS NOT NULL AS sent, cancelled_at IS NOT NULL AS cancelled
           FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' ORDER BY dedupe_key`, [c.id]);
      const copies = (await rows()).filter((r: { stand_in: boolean }) => r.stand_in);
      expect(copies.length).toBeGreaterThanOrEqual(2);
      for (const copy of copies) {
        expect(copy.subject).toBe(`[Amparo] ${c.reference}: an alert for the coordinators (a deadline was missed)`);
        expect(copy.body).not.toMatch(/EOIR|Nov|CFR/);
      }
      await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 minute' WHERE case_id = $1`, [c.id]);
      await t.app.get(MailDeliveryService).deliverDue();
      for (const row of await rows()) expect([row.stand_in, row.sent]).toEqual([row.stand_in, row.stand_in]);
    });
  });

  it('the last two coordinators leaving at the same moment: their alerts are still handed to the admins', async () => {
    const [c1, c2] = [await createUser(t.http, admin, 'coordinator'), await createUser(t.http, admin, 'coordinator')];
    await withoutCoordinatorsBut(null, async () => {
      await t.http.patch(`/api/users/${c1.userId}`).set(admin.auth).send({ active: true }).expect(200);
      await t.http.patch(`/api/users/${c2.userId}`).set(admin.auth).send({ active: true }).expect(200);
      const c = (await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201)).body;
      for (const who of [c1, c2]) {
        await t.db.query(
          `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, next_attempt_at)
           SELECT organization_id, $2::uuid, 'case.unplaced', 'unplaced:' || $1::text || ':9:' || $2::text, id, 's', 'b', now() + interval '1 hour' FROM cases WHERE id = $1::uuid`,
          [c.id, who.userId]);
      }
      // Both changes run their effects before either commits (each appends to the audit trail last).
      const holder = t.db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        await holder.query(`SELECT 1 FROM audit_heads WHERE organization_id = (SELECT organization_id FROM users WHERE id = $1) FOR UPDATE`, [admin.userId]);
        const both = Promise.all([
          t.http.patch(`/api/users/${c1.userId}`).set(admin.auth).send({ role: 'admin' }),
          t.http.patch(`/api/users/${c2.userId}`).set(admin.auth).send({ active: false }),
        ]);
        await new Promise((resolve) => setTimeout(resolve, 500));
        await holder.commitTransaction();
        expect((await both).map((r) => r.status)).toEqual([200, 200]);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
      // Before, each saw the other still a coordinator, and neither handed over.
      const handed = await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND dedupe_key LIKE '%:to:%:stand-in'`, [c.id]);
      expect(handed.length).toBeGreaterThan(0);
      await t.http.patch(`/api/users/${c1.userId}`).set(admin.auth).send({ role: 'coordinator' }).expect(200);
      await t.http.patch(`/api/users/${c1.userId}`).set(admin.auth).send({ active: false }).expect(200);
    });
  });
});
