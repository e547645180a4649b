import { SMTPServer } from 'smtp-server';
import { MailDeliveryService } from '@amparo/notifications';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { intakeBody, minimalBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * No request may need a second database connection while it holds one. If it did, then with every pool connection
 * held that way each request would wait for the pool's checkout timeout (5 s) and fail. With a pool of one connection
 * such a path fails at once (500 after the timeout), so it is easy to catch here: the refusals audited on their own
 * (case.access_denied), and the facility lookups made while a case row is locked.
 */
describe('a pool of one connection (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  let attorneyA: Session;
  let attorneyB: Session;
  let assignedCaseId: string;
  let openOfferId: string;
  let deadlineId: string;

  const deniedCount = async (actorId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1`, [actorId]))[0].n as number;

  beforeAll(async () => {
    t = await createTestApp({ env: { DB_POOL_SIZE: '1' } });
    const admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
    attorneyA = await createUser(t.http, admin, 'attorney');
    attorneyB = await createUser(t.http, admin, 'attorney');
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    for (const a of [attorneyA, attorneyB]) await t.http.put('/api/attorneys/me/profile').set(a.auth).send(attorneyProfile()).expect(200);

    const assigned = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    assignedCaseId = assigned.body.id;
    const offer = await t.http.post(`/api/cases/${assignedCaseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorneyB.userId }).expect(201);
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(attorneyB.auth).expect(200);
    [{ id: deadlineId }] = await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [assignedCaseId]);

    const pending = await t.http.post('/api/cases').set(intake.auth).send(intakeBody({ client: { lastName: 'Pending', preferredLanguage: 'spa' } })).expect(201);
    openOfferId = (await t.http.post(`/api/cases/${pending.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorneyB.userId }).expect(201)).body.id;
  });
  afterAll(() => t.close());

  it.each([
    ['GET', `/api/cases/:case`, undefined],
    ['PATCH', `/api/cases/:case`, { narrative: 'not theirs to change' }],
    ['POST', `/api/cases/:case/events`, { type: 'detainer_lodged', occurredAt: '2026-01-05T10:00:00Z' }],
    ['POST', `/api/cases/:case/close`, { outcome: 'represented' }],
    ['POST', `/api/referrals/:offer/accept`, {}],
    ['POST', `/api/referrals/:offer/decline`, { reason: 'other' }],
    ['PATCH', `/api/deadlines/:deadline`, { status: 'waived' }],
  ])('%s %s by an attorney it is not for: 404, and the refusal is audited', async (method, route, body) => {
    const url = route.replace(':case', assignedCaseId).replace(':offer', openOfferId).replace(':deadline', deadlineId);
    const before = await deniedCount(attorneyA.userId);
    let req = (t.http as any)[method.toLowerCase()](url).set(attorneyA.auth);
    if (body !== undefined) req = req.send(body);
    const res = await req;
    expect(res.status).toBe(404);
    expect(await deniedCount(attorneyA.userId)).toBe(before + 1);
  });

  it('a transfer event and a custody change look the facility up on the connection they hold', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris' } }).expect(201);
    const [arizona] = await t.db.query(`SELECT code FROM facilities WHERE state = 'AZ' ORDER BY code LIMIT 1`);
    const [texas] = await t.db.query(`SELECT code FROM facilities WHERE state = 'TX' ORDER BY code LIMIT 1`);
    const transfer = await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: arizona.code });
    expect(transfer.status).toBe(201);
    const moved = await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { facilityCode: texas.code } });
    expect(moved.status).toBe(200);
    const [row] = await t.db.query(`SELECT facility_code FROM cases WHERE id = $1`, [c.body.id]);
    expect(row.facility_code).toBe(texas.code);
  });

  /** An SMTP server that takes each message and answers its DATA only when the test calls `answer` (with an error or not). */
  async function heldSmtpServer() {
    let held: ((error?: Error) => void) | undefined;
    let answered: Error | null | undefined; // once answered, later messages get the same answer at once
    let started!: () => void;
    const receiving = new Promise<void>((resolve) => (started = resolve));
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          if (answered !== undefined) return answered ? callback(answered) : callback();
          held = (error) => callback(error);
          started();
        });
      },
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)));
    const app = await createTestApp({ databaseUrl: t.databaseUrl, env: { DB_POOL_SIZE: '1', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'amparo@test.amparo.example' } });
    return {
      app,
      receiving,
      answer(error: Error | null = null) {
        if (answered !== undefined) return;
        answered = error;
        held?.(error ?? undefined);
      },
      async close() {
        this.answer();
        await app.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  /**
   * Makes a new notification for the coordinator the only one due (the offers above queued some), starts delivering
   * it through `smtp`'s app, and returns once the server holds the message unanswered.
   */
  async function deliveryHeldAtServer(smtp: Awaited<ReturnType<typeof heldSmtpServer>>, dedupeKey: string) {
    await t.db.query(`UPDATE notifications SET sent_at = now() WHERE sent_at IS NULL`);
    const [{ id }] = await t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, subject, body, next_attempt_at)
       SELECT organization_id, id, 'test', $2, 'subject', 'body', now() - interval '1 minute' FROM users WHERE id = $1 RETURNING id`,
      [coordinator.userId, dedupeKey],
    );
    const delivering = smtp.app.app.get(MailDeliveryService).deliverDue();
    await Promise.race([smtp.receiving, delivering.then(() => Promise.reject(new Error('deliverDue ended before the server had the message')))]);
    return { id: id as string, delivering };
  }

  it('a mail being sent holds no connection: requests are served meanwhile, and the result is written after', async () => {
    const smtp = await heldSmtpServer();
    try {
      const { id, delivering } = await deliveryHeldAtServer(smtp, 'held-send');
      // The mail server has the message and has not answered: the mailer's only connection must be free.
      const me = await smtp.app.http.get('/api/auth/me').set(coordinator.auth);
      expect(me.status).toBe(200);
      const [during] = await t.db.query(`SELECT sent_at, next_attempt_at > now() + interval '4 minutes' AS leased FROM notifications WHERE id = $1`, [id]);
      expect(during).toEqual({ sent_at: null, leased: true });
      smtp.answer();
      expect(await delivering).toBe(1);
      const [after] = await t.db.query(`SELECT sent_at, attempts FROM notifications WHERE id = $1`, [id]);
      expect(after.sent_at).not.toBeNull();
      expect(after.attempts).toBe(1);
    } finally {
      await smtp.close();
    }
  });

  it('a failed send whose lease ran out (another instance took the row over) leaves the row to that instance', async () => {
    const smtp = await heldSmtpServer();
    try {
      const { id, delivering } = await deliveryHeldAtServer(smtp, 'stale-lease');
      // Another instance's claim, after this one's lease ran out: a new lease on the row.
      await t.db.query(`UPDATE notifications SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`, [id]);
      const [{ lease }] = await t.db.query(`SELECT next_attempt_at AS lease FROM notifications WHERE id = $1`, [id]);
      smtp.answer(Object.assign(new Error('try again later'), { responseCode: 451 }));
      expect(await delivering).toBe(0);
      const [after] = await t.db.query(`SELECT sent_at, attempts, last_error, next_attempt_at FROM notifications WHERE id = $1`, [id]);
      expect(after).toEqual({ sent_at: null, attempts: 0, last_error: null, next_attempt_at: lease });
    } finally {
      await smtp.close();
    }
  });
});
