import { Client } from 'pg';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { ApiProcess, apiEnv, startApi, stopAllApis, waitFor } from '../support/api-process';
import { minimalBody } from '../support/cases';
import { createTestDatabase } from '../support/test-app';
import { attorneyProfile } from '../support/attorneys';
import { Session, createUser, loginAdmin } from '../support/users';

/**
 * Two API processes on one database, both running the background jobs every second. Each job's effect must happen
 * once: one reminder per deadline, threshold and recipient, delivered once; one escalation per missed deadline and
 * coordinator; an expired offer moves on once; a case past retention is purged once, and the audit chain, written
 * by both, still verifies.
 */

const JOBS = { JOBS_ENABLED: 'true', JOBS_INTERVAL_SECONDS: '1', PURGE_INTERVAL_SECONDS: '1', LOG_LEVEL: 'info' };
const CONDITION_MS = 20_000;
/** After the effect is seen, both instances get a few more ticks to (wrongly) repeat it. */
const SETTLE_MS = 3000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const profile = attorneyProfile();

/** A client in a local jail with a detainer, release-eligible in an hour: the 48-hour hold is due in 49 hours. */
/** A detainer case whose 48-hour hold ends `dueInMs` from now (release-eligible 48 hours before that). */
const detainerCase = (dueInMs: number) => ({
  ...minimalBody(),
  client: { lastName: `Detained${Math.random().toString(36).slice(2, 7)}`, preferredLanguage: 'spa' },
  custody: {
    status: 'local_jail',
    state: 'TX',
    county: 'Harris',
    detainerLodged: true,
    releaseEligibleAt: new Date(Date.now() - 48 * 3600_000 + dueInMs).toISOString().replace(/\.\d+Z$/, 'Z'),
  },
});

const routableCase = () => ({
  ...minimalBody(),
  client: { lastName: `Routable${Math.random().toString(36).slice(2, 7)}`, preferredLanguage: 'spa' },
  consent: { shareWithAttorney: true, obtainedFrom: 'client' },
  custody: { status: 'ice_detention', state: 'TX', county: 'Harris' },
  practiceAreas: ['detention_bond'],
});

describe('two API instances running the jobs on one database (process e2e)', () => {
  let databaseUrl: string;
  let apis: ApiProcess[] = [];
  let httpA: TestAgent;
  let httpB: TestAgent;
  let db: Client;
  let admin: Session;
  let intake: Session;
  const coordinators: Session[] = [];
  const attorneys: Session[] = [];
  /** What each scenario set up, for its test to check. */
  const s = {} as {
    reminder: { caseId: string; reference: string; deadlineId: string };
    missed: { caseId: string; deadlineId: string };
    offer: { caseId: string; referralId: string };
    purge: { caseId: string };
    allSeen: boolean;
  };

  /** How many times the two processes logged the delivery of this notification. */
  const deliveriesLogged = (notificationId: string) =>
    apis
      .flatMap((a) => a.output().split('\n'))
      .filter((line) => line.includes('no SMTP configured') && line.includes(notificationId)).length;

  const createCase = async (http: TestAgent, body: object) => {
    const res = await http.post('/api/cases').set(intake.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; status: string };
  };

  const detainerDeadline = async (caseId: string) => {
    const { rows } = await db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [
      caseId,
    ]);
    expect(rows).toHaveLength(1);
    return rows[0].id as string;
  };

  const notificationsLike = async (pattern: string) =>
    (
      await db.query(`SELECT id, recipient_id, kind, dedupe_key, subject, sent_at FROM notifications WHERE dedupe_key LIKE $1 ORDER BY dedupe_key`, [
        pattern,
      ])
    ).rows;

  const referralsOf = async (caseId: string) =>
    (await db.query(`SELECT id, attorney_id, status, respond_by FROM referrals WHERE case_id = $1 ORDER BY offered_at`, [caseId])).rows;

  const caseStatus = async (caseId: string) => (await db.query(`SELECT status FROM cases WHERE id = $1`, [caseId])).rows[0].status as string;

  const expectEachSentOnce = async (ids: string[]) => {
    const { rows } = await db.query(`SELECT id, attempts, sent_at, last_error FROM notifications WHERE id = ANY($1)`, [ids]);
    expect(rows).toHaveLength(ids.length);
    for (const row of rows) {
      expect({ id: row.id, attempts: row.attempts, sent: row.sent_at !== null, lastError: row.last_error }).toEqual({
        id: row.id,
        attempts: 1,
        sent: true,
        lastError: null,
      });
      expect({ id: row.id, logged: deliveriesLogged(row.id) }).toEqual({ id: row.id, logged: 1 });
    }
  };

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    db = new Client({ connectionString: databaseUrl });
    await db.connect();
    apis = await Promise.all([startApi(apiEnv(databaseUrl, JOBS)), startApi(apiEnv(databaseUrl, JOBS))]);
    httpA = request(apis[0].url);
    httpB = request(apis[1].url);
    admin = await loginAdmin(httpA);
    // Routing by hand: the referral scenario offers through the coordinator.
    expect((await httpA.patch('/api/organization').set(admin.auth).send({ autoRouting: false })).status).toBe(200);
    intake = await createUser(httpA, admin, 'intake');
    coordinators.push(await createUser(httpA, admin, 'coordinator'), await createUser(httpB, admin, 'coordinator'));
    for (const http of [httpA, httpB]) {
      const attorney = await createUser(http, admin, 'attorney');
      expect((await http.put('/api/attorneys/me/profile').set(attorney.auth).send(profile)).status).toBe(200);
      attorneys.push(attorney);
    }

    // All four scenarios are arranged at once and then left to the two schedulers (through both instances' APIs).
    // (a) A hold that ends in 90 minutes: inside the 2-hour reminder threshold.
    const reminderCase = await createCase(httpA, detainerCase(90 * 60_000));
    const reminderDeadline = await detainerDeadline(reminderCase.id);
    s.reminder = { caseId: reminderCase.id, reference: reminderCase.reference, deadlineId: reminderDeadline };
    // (b) A hold that ends a few seconds after the intake: the sweep marks it missed and escalates. (The deadline rows
    // are as the facts give them: a recomputation puts back what the facts give, so a hand-moved time would not last.)
    const missedCase = await createCase(httpB, detainerCase(4000));
    const missedDeadline = await detainerDeadline(missedCase.id);
    s.missed = { caseId: missedCase.id, deadlineId: missedDeadline };
    // (c) An offer whose answer window has passed.
    const offeredCase = await createCase(httpA, routableCase());
    const offer = await httpB.post(`/api/cases/${offeredCase.id}/referrals`).set(coordinators[1].auth).send({});
    expect(offer.status).toBe(201);
    expect(offer.body).toMatchObject({ caseId: offeredCase.id, status: 'offered' });
    await db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [offer.body.id]);
    s.offer = { caseId: offeredCase.id, referralId: offer.body.id };
    // (d) A closed case whose retention period ended a day ago.
    const closedCase = await createCase(httpB, minimalBody());
    expect((await httpA.post(`/api/cases/${closedCase.id}/close`).set(coordinators[0].auth).send({ outcome: 'advice_given' })).status).toBe(200);
    await db.query(
      `UPDATE cases c SET closed_at = now() - make_interval(days => o.retention_days + 1)
         FROM organizations o WHERE o.id = c.organization_id AND c.id = $1`,
      [closedCase.id],
    );
    s.purge = { caseId: closedCase.id };

    const sentAll = (rows: { sent_at: Date | null }[]) => rows.length >= coordinators.length && rows.every((r) => r.sent_at !== null);
    s.allSeen = await waitFor(async () => {
      // One pg client: one query at a time.
      const reminders = await notificationsLike(`reminder:${reminderDeadline}:%`);
      const escalations = await notificationsLike(`missed:${missedDeadline}:%`);
      const referrals = await referralsOf(offeredCase.id);
      const status = await caseStatus(closedCase.id);
      const moved = referrals.some((r) => r.id === offer.body.id && r.status === 'expired') && referrals.length >= 2;
      return sentAll(reminders) && sentAll(escalations) && moved && status === 'purged';
    }, CONDITION_MS);
    // Every effect is there: both instances get a few more ticks to (wrongly) repeat one.
    await sleep(SETTLE_MS);
  }, 90_000);

  afterAll(async () => {
    await stopAllApis();
    await db?.end();
  }, 30_000);

  it('every job had its effect within the bound, and both instances ran every job (not one doing all of it)', () => {
    expect(s.allSeen).toBe(true);
    for (const job of ['Deadline jobs', 'Mail delivery', 'Offer expiry', 'Purge run', 'Audit sealing']) {
      expect(apis.map((a) => a.output().includes(`${job}: first pass done`))).toEqual([true, true]);
    }
  });

  it('a deadline due within 2 hours is reminded once per coordinator, and each reminder is delivered once', async () => {
    const rows = await notificationsLike(`reminder:${s.reminder.deadlineId}:%`);
    expect(rows.map((r) => r.recipient_id).sort()).toEqual(coordinators.map((c) => c.userId).sort());
    for (const r of rows) {
      expect(r.dedupe_key).toMatch(new RegExp(`^reminder:${s.reminder.deadlineId}:\\d+:2h:${r.recipient_id}$`));
      expect(r.subject).toContain(s.reminder.reference);
      expect(r.subject).toContain('within 2 h');
    }
    await expectEachSentOnce(rows.map((r) => r.id));
  }, 15_000);

  it('a deadline past due is marked missed once and escalated once per coordinator', async () => {
    const rows = await notificationsLike(`missed:${s.missed.deadlineId}:%`);
    expect(rows.map((r) => r.recipient_id).sort()).toEqual(coordinators.map((c) => c.userId).sort());
    for (const r of rows) expect(r.kind).toBe('deadline.missed');
    await expectEachSentOnce(rows.map((r) => r.id));
    const { rows: [deadline] } = await db.query(`SELECT status FROM deadlines WHERE id = $1`, [s.missed.deadlineId]);
    expect(deadline.status).toBe('missed');
    // In the seconds before it was due it may have been reminded of (2-hour threshold): once per coordinator at most.
    const reminders = await notificationsLike(`reminder:${s.missed.deadlineId}:%`);
    expect(new Set(reminders.map((r) => r.recipient_id)).size).toBe(reminders.length);
    expect(reminders.length).toBeLessThanOrEqual(coordinators.length);
  }, 15_000);

  it('an expired offer moves on once: one expired referral, one new offer, not two', async () => {
    const rows = await referralsOf(s.offer.caseId);
    expect(rows.map((r) => r.status)).toEqual(['expired', 'offered']);
    expect(rows[0].id).toBe(s.offer.referralId);
    expect(rows[1].attorney_id).not.toBe(rows[0].attorney_id);
    expect(attorneys.map((a) => a.userId)).toContain(rows[1].attorney_id);
    expect(rows[1].respond_by.getTime()).toBeGreaterThan(Date.now());
    expect(await caseStatus(s.offer.caseId)).toBe('offered');
    const { rows: audit } = await db.query(
      `SELECT action, count(*)::int AS n FROM audit_events WHERE case_id = $1 AND action IN ('referral.expire', 'referral.offer') GROUP BY action ORDER BY action`,
      [s.offer.caseId],
    );
    expect(audit).toEqual([
      { action: 'referral.expire', n: 1 },
      { action: 'referral.offer', n: 2 },
    ]);
    // The new attorney is told once.
    const told = await notificationsLike(`offer:${rows[1].id}`);
    expect(told).toHaveLength(1);
    await waitFor(async () => (await notificationsLike(`offer:${rows[1].id}`))[0].sent_at, 5000);
    await expectEachSentOnce([told[0].id]);
  }, 15_000);

  it('a closed case past retention is purged once, and the audit chain both instances wrote verifies', async () => {
    expect(await caseStatus(s.purge.caseId)).toBe('purged');
    const { rows: purges } = await db.query(`SELECT id FROM audit_events WHERE case_id = $1 AND action = 'case.purge'`, [s.purge.caseId]);
    expect(purges).toHaveLength(1);
    const { rows: [keys] } = await db.query(`SELECT count(*)::int AS n FROM case_keys WHERE case_id = $1`, [s.purge.caseId]);
    expect(keys.n).toBe(0);
    // Both instances' jobs sealed the chains as they grew, numbering the organization's seals from 1 without a gap or
    // a fork, and neither failed a pass (two passes at once take turns per organization).
    const { rows: [seals] } = await db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE seq <> rank)::int AS misnumbered
         FROM (SELECT seq, row_number() OVER (PARTITION BY organization_id ORDER BY seq) AS rank FROM audit_seals) s`,
    );
    expect(seals.n).toBeGreaterThan(0);
    expect(seals.misnumbered).toBe(0);
    for (const a of apis) expect(a.output()).not.toMatch(/Audit sealing failed/);
    for (const http of [httpA, httpB]) {
      const verify = await http.get('/api/audit/verify').set(admin.auth);
      expect(verify.status).toBe(200);
      expect(verify.body).toMatchObject({ ok: true, sealedSince: expect.any(String) });
    }
  }, 15_000);

  it('every notification either instance delivered was delivered once, and both instances are still up', async () => {
    const { rows: all } = await db.query(`SELECT id FROM notifications WHERE sent_at IS NOT NULL`);
    // The expired offer's own email may have been cancelled (the offer had expired before its delivery), never both.
    const { rows: [{ cancelled, both }] } = await db.query(
      `SELECT count(*) FILTER (WHERE cancelled_at IS NOT NULL)::int AS cancelled,
              count(*) FILTER (WHERE cancelled_at IS NOT NULL AND sent_at IS NOT NULL)::int AS both FROM notifications`,
    );
    expect(both).toBe(0);
    expect(all.length + cancelled).toBeGreaterThanOrEqual(2 * coordinators.length + 2);
    await expectEachSentOnce(all.map((r) => r.id));
    expect(apis.every((a) => a.alive())).toBe(true);
  }, 15_000);
});

describe('two API instances starting together on an empty database (process e2e)', () => {
  let reference: Client;
  let cold: Client;
  let apis: ApiProcess[] = [];

  beforeAll(async () => {
    reference = new Client({ connectionString: await createTestDatabase() });
    await reference.connect();
    // An empty database on the test server, named under this run's prefix (the teardown drops it).
    const server = process.env.AMPARO_TEST_SERVER_URL!;
    const name = `${process.env.AMPARO_TEST_PREFIX}_cold_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new Client({ connectionString: `${server}/postgres` });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    cold = new Client({ connectionString: `${server}/${name}` });
    await cold.connect();
    apis = await Promise.all([0, 1].map(() => startApi(apiEnv(`${server}/${name}`, { LOG_LEVEL: 'info' }), { timeoutMs: 45_000 })));
  }, 60_000);

  afterAll(async () => {
    await stopAllApis();
    await Promise.all([reference?.end(), cold?.end()]);
  }, 30_000);

  it('migrates once, creates one organization and one admin, loads the reference data once; both serve', async () => {
    const count = async (client: Client, sql: string) => (await client.query(sql)).rows[0].n as number;
    expect(await count(cold, `SELECT count(*)::int AS n FROM organizations`)).toBe(1);
    expect(await count(cold, `SELECT count(*)::int AS n FROM users`)).toBe(1);
    for (const table of ['migrations', 'facilities', 'agreements_287g']) {
      const expected = await count(reference, `SELECT count(*)::int AS n FROM ${table}`);
      expect({ table, n: await count(cold, `SELECT count(*)::int AS n FROM ${table}`) }).toEqual({ table, n: expected });
    }
    const created = apis.flatMap((a) => a.output().split('\n')).filter((l) => l.includes('Created the first organization'));
    expect(created).toHaveLength(1);
    for (const api of apis) {
      const http = request(api.url);
      const session = await loginAdmin(http);
      expect((await http.get('/api/facilities?state=TX&limit=1').set(session.auth)).body.total).toBeGreaterThan(0);
    }
  }, 30_000);

  it('a SIGTERM stops each instance cleanly (exit code 0)', async () => {
    for (const api of apis) {
      api.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const exit = await Promise.race([api.exited, new Promise((r) => (timer = setTimeout(() => r('still running'), 10_000)))]);
      clearTimeout(timer);
      expect(exit).toEqual({ code: 0, signal: null });
    }
  }, 30_000);
});
