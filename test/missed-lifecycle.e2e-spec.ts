import { DeadlineJobsService, MISSED_ON_ARRIVAL_ALERT_MINUTES } from '@amparo/deadlines';
import { MailDeliveryService } from '@amparo/notifications';
import { FixedClock } from '@amparo/common';
import { minimalBody } from './support/cases';
import { TestApp, createTestApp } from './support/test-app';
import { startSmtp } from './support/smtp';
import { Session, createUser, login, loginAdmin } from './support/users';

/**
 * A missed deadline's record and its coordinators' alert through what volunteers and coordinators do to a case's
 * history: an entry made again, a retraction and a new entry, a coordinator replaced while an alert waits.
 */
describe('a missed deadline through re-entries, retractions and a coordinator replaced (e2e)', () => {
  const clock = new FixedClock(new Date());
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let t: TestApp;
  let admin: Session;
  let intake: Session;
  let coordinator: Session;

  const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
  const daysAgo = (days: number) => iso(new Date(clock.now().getTime() - days * 86_400_000));
  const newCase = async (body: object = minimalBody()) => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string };
  };
  const event = (id: string, body: object, who: Session = coordinator) => t.http.post(`/api/cases/${id}/events`).set(who.auth).send(body);
  const tick = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));
  const deliverAfterHold = async () => {
    tick((MISSED_ON_ARRIVAL_ALERT_MINUTES + 1) * 60_000);
    await t.app.get(MailDeliveryService).deliverDue();
  };
  const missedSent = async (caseId: string) =>
    (await t.db.query(`SELECT recipient_id, dedupe_key FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' AND sent_at IS NOT NULL ORDER BY sent_at`, [caseId])) as { recipient_id: string; dedupe_key: string }[];

  /**
   * The file's coordinator, the only one, replaced: a new one made first, then the old one deactivated; `work` done,
   * the old one active and signed in again after, the new one deactivated.
   */
  const replacedBySuccessor = async (work: (successor: Session) => Promise<void>) => {
    const others = await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active AND id <> $1`, [coordinator.userId]);
    expect(others).toHaveLength(0);
    const successor = await createUser(t.http, admin, 'coordinator');
    await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: false }).expect(200);
    try {
      await work(successor);
    } finally {
      await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: true }).expect(200);
      coordinator = await login(t.http, coordinator.email, coordinator.password);
      await t.http.patch(`/api/users/${successor.userId}`).set(admin.auth).send({ active: false }).expect(200);
    }
  };

  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestApp({ clock, env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'amparo@test.amparo.example' } });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
    coordinator = await createUser(t.http, admin, 'coordinator');
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('a hearing entered as history, recorded again (its court added), then its decision: the hearing goes, its alert unsent', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const scheduledAt = daysAgo(7);
    const first = await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt }).expect(201);
    const [h1] = first.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing');
    expect(h1.status).toBe('missed');
    tick(60_000); // a minute later, the volunteer records the same hearing again, with its court
    const again = await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(13), hearingType: 'bond', scheduledAt, timeZone: 'America/Chicago' }).expect(201);
    const [h2] = again.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing');
    expect(h2.status).toBe('missed');
    tick(60_000); // and then its decision
    const decided = await event(c.id, { type: 'bond_decision', occurredAt: iso(new Date(Date.parse(h2.dueAt) + 3600_000)), outcome: 'denied' }).expect(201);
    const hearings = decided.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing');
    await deliverAfterHold();
    const sent = await missedSent(c.id);
    expect(hearings).toEqual([]);
    expect(sent).toHaveLength(0);
  });

  it('a hearing missed while followed (alert sent), its event retracted and entered again: a new deadline, missed, told again', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const start = clock.now();
    const scheduledAt = iso(new Date(start.getTime() + 2 * 86_400_000));
    const set = await event(c.id, { type: 'hearing_scheduled', occurredAt: iso(start), hearingType: 'bond', scheduledAt }).expect(201);
    const [h1] = set.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing');
    // The hearing passes with no outcome recorded; 24 h grace; swept missed, alert sent.
    clock.set(new Date(Date.parse(h1.dueAt) + 25 * 3600_000));
    await t.app.get(DeadlineJobsService).sweepMissed();
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await missedSent(c.id)).filter((n) => n.recipient_id === coordinator.userId)).toHaveLength(1);
    // Retracted (entered on the wrong case's timeline, say) and entered again, the same time.
    tick(60_000);
    await t.http.post(`/api/cases/${c.id}/events/${set.body.event.id}/retract`).set(coordinator.auth).expect(200);
    const again = await event(c.id, { type: 'hearing_scheduled', occurredAt: iso(start), hearingType: 'bond', scheduledAt, timeZone: 'America/Chicago' }).expect(201);
    expect(again.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing').map((d: { status: string }) => d.status)).toEqual(['missed']);
    await deliverAfterHold();
    // Told again: the retraction said the first did not happen (and a deadline of the same rule and time may be
    // another's), so telling twice is the lesser error than not telling.
    const mine = (await missedSent(c.id)).filter((n) => n.recipient_id === coordinator.userId);
    expect(mine).toHaveLength(2);
  });

  it('another client\'s decision entered here, its appeal missed and told, then retracted: this case\'s own of that day is told too', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const decidedAt = daysAgo(40);
    const wrong = await event(c.id, { type: 'bond_decision', occurredAt: decidedAt, outcome: 'granted', amount: 5000 }).expect(201);
    await deliverAfterHold();
    await t.http.post(`/api/cases/${c.id}/events/${wrong.body.event.id}/retract`).set(coordinator.auth).expect(200);
    await event(c.id, { type: 'bond_decision', occurredAt: decidedAt, outcome: 'denied' }).expect(201);
    await deliverAfterHold();
    const told = (await missedSent(c.id)).filter((n) => n.recipient_id === coordinator.userId);
    expect(new Set(told.map((n) => n.dedupe_key.split(':')[1])).size).toBe(2);
  });

  it('an alert waiting for the only coordinator, who is replaced (the new one made first, then the old one deactivated): the new one is told', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const set = await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt: daysAgo(7) }).expect(201);
    const [h] = set.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing');
    expect(h.status).toBe('missed');
    // Held 10 minutes. Meanwhile the coordinator hands over to a new one.
    await replacedBySuccessor(async (successor) => {
      await deliverAfterHold();
      const [{ status }] = await t.db.query(`SELECT status FROM deadlines WHERE id = $1`, [h.id]);
      expect(status).toBe('missed');
      expect((await missedSent(c.id)).map((n) => n.recipient_id)).toEqual([successor.userId]);
    });
  });

  it('an alert cancelled by a close, its coordinator replaced, the case reopened: the successor is told', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const set = await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt: daysAgo(7) }).expect(201);
    expect(set.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_hearing').map((d: { status: string }) => d.status)).toEqual(['missed']);
    // Closed by mistake while the alert is held: the delivery cancels it. Then the coordinator hands over to a new one.
    await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    await deliverAfterHold();
    await replacedBySuccessor(async (successor) => {
      // The successor finds the mistaken close and reopens the case: the alert is due again, to them.
      await t.http.post(`/api/cases/${c.id}/reopen`).set(successor.auth).expect(200);
      await deliverAfterHold();
      expect((await missedSent(c.id)).map((n) => n.recipient_id)).toEqual([successor.userId]);
    });
  });

  it('a retraction takes its deadlines\' marks with it: a decision entered again has its own appeal, open, not another\'s mark', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
    const decidedAt = daysAgo(10);
    // Entered on this case by mistake (another client's), its appeal marked filed, then retracted.
    const wrong = await event(c.id, { type: 'bond_decision', occurredAt: decidedAt, outcome: 'granted', amount: 5000 }).expect(201);
    const [appeal] = wrong.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_appeal');
    await t.http.patch(`/api/deadlines/${appeal.id}`).set(coordinator.auth).send({ status: 'met', note: 'Appeal filed for the other client' }).expect(200);
    tick(60_000);
    await t.http.post(`/api/cases/${c.id}/events/${wrong.body.event.id}/retract`).set(coordinator.auth).expect(200);
    // This case's own decision, the same day: its appeal is open, to be followed (marked again if it was filed).
    const own = await event(c.id, { type: 'bond_decision', occurredAt: decidedAt, outcome: 'denied' }).expect(201);
    const appeals = own.body.deadlines.filter((d: { rule: string }) => d.rule === 'bond_appeal');
    expect(appeals.map((d: { status: string; statusNote?: string }) => [d.status, d.statusNote ?? null])).toEqual([['open', null]]);
  });

  it('the BIA\'s denials of two motions on one day, recorded apart: two petitions for review missed, each told', async () => {
    const c = await newCase({ ...minimalBody(), custody: { status: 'not_detained', state: 'TX', county: 'Harris' } });
    const day = daysAgo(40).slice(0, 10);
    const ruling = { type: 'motion_decided', occurredAt: day, issuedBy: 'bia', outcome: 'denied' };
    await event(c.id, { ...ruling, motion: 'reopen' }).expect(201);
    await deliverAfterHold();
    await event(c.id, { ...ruling, motion: 'reconsider' }).expect(201);
    await deliverAfterHold();
    const told = (await missedSent(c.id)).filter((n) => n.recipient_id === coordinator.userId);
    expect(new Set(told.map((n) => n.dedupe_key.split(':')[1])).size).toBe(2);
  });

  /** Every active coordinator but the file's deactivated, `work` done, the file's own active and signed in again after. */
  const onlyTheFilesCoordinator = async (work: () => Promise<void>) => {
    await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: true }).expect(200);
    coordinator = await login(t.http, coordinator.email, coordinator.password);
    const others = await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active AND id <> $1`, [coordinator.userId]);
    for (const u of others) await t.http.patch(`/api/users/${u.id}`).set(admin.auth).send({ active: false }).expect(200);
    try {
      await work();
    } finally {
      await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: true }).expect(200);
      coordinator = await login(t.http, coordinator.email, coordinator.password);
    }
  };

  it('a coordinator back from leave whose own copy was cancelled meanwhile is handed the alert again by the one who stood in', async () => {
    await onlyTheFilesCoordinator(async () => {
      const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
      await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt: daysAgo(7) }).expect(201);
      const standIn = await createUser(t.http, admin, 'coordinator');
      await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: false }).expect(200);
      // The delivery drops the absent coordinator's own copy (as a pass during an outage would, the stand-in's waiting).
      await t.db.query(`UPDATE notifications SET cancelled_at = now() WHERE case_id = $1 AND recipient_id = $2`, [c.id, coordinator.userId]);
      await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: true }).expect(200);
      await t.http.patch(`/api/users/${standIn.userId}`).set(admin.auth).send({ active: false }).expect(200);
      smtp.received.length = 0;
      await deliverAfterHold();
      expect(smtp.received.filter((m) => m.to.includes(coordinator.email) && m.raw.includes(c.reference))).toHaveLength(1);
    });
  });

  it('an alert held for two coordinators, one made since; both old ones leave: the new one is told once', async () => {
    await onlyTheFilesCoordinator(async () => {
      const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
      const second = await createUser(t.http, admin, 'coordinator');
      await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt: daysAgo(7) }).expect(201);
      const successor = await createUser(t.http, admin, 'coordinator');
      await t.http.patch(`/api/users/${second.userId}`).set(admin.auth).send({ active: false }).expect(200);
      await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: false }).expect(200);
      smtp.received.length = 0;
      await deliverAfterHold();
      expect(smtp.received.filter((m) => m.to.includes(successor.email) && m.raw.includes(c.reference))).toHaveLength(1);
      await t.http.patch(`/api/users/${successor.userId}`).set(admin.auth).send({ active: false }).expect(200);
    });
  });

  it('a coordinator made since, handed a copy, leaves in turn: the one who had the alert all along is told once', async () => {
    await onlyTheFilesCoordinator(async () => {
      const c = await newCase({ ...minimalBody(), custody: { status: 'ice_detention', timeZone: 'America/Chicago' } });
      const other = await createUser(t.http, admin, 'coordinator');
      await event(c.id, { type: 'hearing_scheduled', occurredAt: daysAgo(14), hearingType: 'bond', scheduledAt: daysAgo(7) }).expect(201);
      const temp = await createUser(t.http, admin, 'coordinator');
      await t.http.patch(`/api/users/${other.userId}`).set(admin.auth).send({ active: false }).expect(200); // temp is handed other's
      tick(1000);
      await t.http.patch(`/api/users/${temp.userId}`).set(admin.auth).send({ active: false }).expect(200); // the file's had it
      smtp.received.length = 0;
      await deliverAfterHold();
      expect(smtp.received.filter((m) => m.to.includes(coordinator.email) && m.raw.includes(c.reference))).toHaveLength(1);
    });
  });

});
