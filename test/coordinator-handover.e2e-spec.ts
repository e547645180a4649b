import { DeadlineJobsService } from '@amparo/deadlines';
import { MailDeliveryService } from '@amparo/notifications';
import { FixedClock } from '@amparo/common';
import { minimalBody } from './support/cases';
import { TestApp, createTestApp, untilBlockedBy } from './support/test-app';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * A coordinator leaves while the missed sweep is alerting them: the sweep read the coordinators before the departure
 * committed, and wrote its alert to the leaver after the departure's hand-over looked for their unsent alerts. The
 * delivery, cancelling the leaver's copy, hands it over.
 */
describe('a coordinators\' alert written to a coordinator while they leave (e2e)', () => {
  const clock = new FixedClock(new Date());
  let t: TestApp;
  let admin: Session;
  let intake: Session;

  const iso = (d: Date) => d.toISOString().replace(/\.\d+Z$/, 'Z');
  const tick = (ms: number) => clock.set(new Date(clock.now().getTime() + ms));

  beforeAll(async () => {
    t = await createTestApp({ clock });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
  });
  afterAll(() => t.close());

  /** A detainer hold that ends in an hour. */
  async function holdCase() {
    const body = {
      ...minimalBody(),
      custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: iso(new Date(clock.now().getTime() - 47 * 3600_000)) },
    };
    const res = await t.http.post('/api/cases').set(intake.auth).send(body).expect(201);
    const [d] = await t.db.query(`SELECT id, organization_id FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [res.body.id]);
    return { caseId: res.body.id as string, deadlineId: d.id as string, organizationId: d.organization_id as string };
  }

  /**
   * The missed sweep made to wait on its outbox insert (an uncommitted row holds the key it writes to `leaver`), after
   * it read the coordinators; `meanwhile` runs and commits; then the sweep goes on.
   */
  async function sweepWhile(c: Awaited<ReturnType<typeof holdCase>>, leaver: Session, meanwhile: () => Promise<void>) {
    const runner = (await t.owner()).createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(
        `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body) VALUES ($1, $2, 'deadline.missed', $3, $4, 'x', 'x')`,
        [c.organizationId, leaver.userId, `missed:${c.deadlineId}:${leaver.userId}`, c.caseId],
      );
      const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
      const sweeping = t.app.get(DeadlineJobsService).sweepMissed();
      await untilBlockedBy(t.db, pid, 'the missed sweep');
      await meanwhile();
      await runner.rollbackTransaction();
      expect(await sweeping).toBe(1);
    } finally {
      await runner.release();
    }
  }

  const sentTo = async (caseId: string) =>
    (await t.db.query(`SELECT recipient_id FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed' AND sent_at IS NOT NULL`, [caseId]))
      .map((r: { recipient_id: string }) => r.recipient_id);

  it('replaced by a successor made first: the successor is told of the missed hold, once', async () => {
    const leaver = await createUser(t.http, admin, 'coordinator');
    const c = await holdCase();
    tick(3 * 3600_000);
    let successor: Session | undefined;
    await sweepWhile(c, leaver, async () => {
      successor = await createUser(t.http, admin, 'coordinator');
      await t.http.patch(`/api/users/${leaver.userId}`).set(admin.auth).send({ active: false }).expect(200);
    });
    tick(60 * 60_000);
    await t.app.get(MailDeliveryService).deliverDue();
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await sentTo(c.caseId)).toEqual([successor!.userId]);
    // Tidy: no coordinator left for the next test.
    await t.http.patch(`/api/users/${successor!.userId}`).set(admin.auth).send({ active: false }).expect(200);
  });

  it('the last coordinator leaving: the admins standing in are told', async () => {
    const leaver = await createUser(t.http, admin, 'coordinator');
    const c = await holdCase();
    tick(3 * 3600_000);
    await sweepWhile(c, leaver, async () => {
      await t.http.patch(`/api/users/${leaver.userId}`).set(admin.auth).send({ active: false }).expect(200);
    });
    tick(60 * 60_000);
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await sentTo(c.caseId)).toEqual([admin.userId]);
    const [copy] = await t.db.query(`SELECT dedupe_key, body FROM notifications WHERE case_id = $1 AND recipient_id = $2`, [c.caseId, admin.userId]);
    expect(copy.dedupe_key).toMatch(/:stand-in$/);
    expect(copy.body).toMatch(/no active coordinator/);
  });

  it('a close\'s email to an attorney, cancelled by a reopen, is not handed to the coordinators', async () => {
    const c = await holdCase();
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body) VALUES ($1, $2, 'case.closed', $3, $4, 'closed', 'closed')`,
      [c.organizationId, attorney.userId, `closed:${c.caseId}:1:${attorney.userId}`, c.caseId],
    );
    await t.app.get(MailDeliveryService).deliverDue();
    expect(await t.db.query(`SELECT recipient_id FROM notifications WHERE case_id = $1 AND kind = 'case.closed'`, [c.caseId])).toEqual([{ recipient_id: attorney.userId }]);
    await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: false }).expect(200);
  });
});
