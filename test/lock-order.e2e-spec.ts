import { QueryRunner } from 'typeorm';
import { PurgeService } from '@amparo/cases';
import { ReferralsService } from '@amparo/routing';
import { TestApp, createTestApp, untilBlockedBy } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { intakeBody, routableBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * Every path that changes a case and its referral or deadline locks the case row first (closing, routing, events and
 * the missed sweep do): two paths taking the same rows in opposite orders deadlock, and PostgreSQL aborts one of them.
 * Checked without racing: the test holds the case row, lets a request run into it, and then takes the referral or
 * deadline row with NOWAIT, which fails at once if the request already holds it.
 */

/** An app whose organization routes by hand, with an attorney for each profile given (`attorneyProfile` overrides). */
async function organizationWithAttorneys(...profiles: Record<string, unknown>[]) {
  const t = await createTestApp();
  const admin = await loginAdmin(t.http);
  const coordinator = await createUser(t.http, admin, 'coordinator');
  const intake = await createUser(t.http, admin, 'intake');
  await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
  const attorneys: Session[] = [];
  for (const profile of profiles) {
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile(profile)).expect(200);
    attorneys.push(attorney);
  }
  return { t, coordinator, intake, attorneys };
}

/** An app whose organization routes by hand and has one attorney, with room for `maxActiveCases` cases. */
async function organizationWithOneAttorney(maxActiveCases: number) {
  const { attorneys: [attorney], ...rest } = await organizationWithAttorneys({ maxActiveCases });
  return { ...rest, attorney };
}

/**
 * Runs `hold` in a transaction (taking a row lock), starts `request` and waits until it waits for that lock; then runs
 * `beforeCommit` in the holding transaction, commits, and returns the request's answer.
 */
async function whileHeldThenCommitted<T>(
  t: TestApp,
  hold: (runner: QueryRunner) => Promise<unknown>,
  request: () => PromiseLike<T>,
  beforeCommit: (runner: QueryRunner) => Promise<unknown> = async () => undefined,
): Promise<T> {
  const runner = t.db.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  let pending: Promise<T> | undefined;
  try {
    await hold(runner);
    const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
    pending = Promise.resolve(request());
    await untilBlockedBy(t.db, pid, 'the request');
    await beforeCommit(runner);
    await runner.commitTransaction();
  } finally {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    await runner.release();
  }
  return pending;
}

/**
 * Takes a row lock (`hold`), starts `request` and waits until it waits for that lock; then runs `probe` (a NOWAIT lock)
 * in the holding transaction: 'free', or 'held by the request' when the request already holds what the probe asks for.
 * Rolls back and waits for the request at the end.
 */
async function whileHeld(
  t: TestApp,
  hold: string,
  params: unknown[],
  request: () => PromiseLike<unknown>,
  probe: (runner: QueryRunner) => Promise<unknown>,
): Promise<'free' | 'held by the request'> {
  const runner = t.db.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  let pending: Promise<unknown> | undefined;
  try {
    await runner.query(hold, params);
    const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
    pending = Promise.resolve(request());
    await untilBlockedBy(t.db, pid, 'the request');
    return await probe(runner).then(
      () => 'free' as const,
      (error: { driverError?: { code?: string } }) => (error.driverError?.code === '55P03' ? ('held by the request' as const) : Promise.reject(error)),
    );
  } finally {
    await runner.rollbackTransaction().catch(() => undefined);
    await runner.release();
    await pending;
  }
}

describe('lock order: the case row before its referral or deadline (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;

  beforeAll(async () => {
    ({ t, coordinator, intake, attorney } = await organizationWithOneAttorney(50));
  });
  afterAll(() => t.close());

  async function offeredCase(): Promise<{ caseId: string; referralId: string }> {
    const c = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    return { caseId: c.body.id, referralId: offer.body.id };
  }

  /** Holds the case row while `request` runs into it; then `probe` (a NOWAIT lock) runs in the holding transaction. */
  const whileCaseHeld = (caseId: string, request: () => PromiseLike<unknown>, probe: (runner: QueryRunner) => Promise<unknown>) =>
    whileHeld(t, `SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [caseId], request, probe);

  it.each([
    ['accept', () => attorney, {}],
    ['decline', () => attorney, { reason: 'capacity' }],
    ['withdraw', () => coordinator, {}],
  ] as const)('%s takes the case row before the referral, and then goes through', async (action, who, body) => {
    const { caseId, referralId } = await offeredCase();
    let answer: { status: number } | undefined;
    const referralLock = await whileCaseHeld(
      caseId,
      () => t.http.post(`/api/referrals/${referralId}/${action}`).set(who().auth).send(body).then((res) => (answer = res)),
      (runner) => runner.query(`SELECT 1 FROM referrals WHERE id = $1 FOR UPDATE NOWAIT`, [referralId]),
    );
    expect(referralLock).toBe('free');
    expect(answer?.status).toBe(200);
  });

  it('an accept does not wait for the attorney\'s profile row (a routing holds it, then waits for the user row a deactivation holds)', async () => {
    const { referralId } = await offeredCase();
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let pending: Promise<{ status: number }> | undefined;
    try {
      await runner.query(`SELECT 1 FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`, [attorney.userId]);
      pending = Promise.resolve(t.http.post(`/api/referrals/${referralId}/accept`).set(attorney.auth).send({}));
      let timer: NodeJS.Timeout | undefined;
      const answer = await Promise.race([pending, new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), 5000)))])
        .finally(() => clearTimeout(timer));
      expect(answer === 'waited' ? 'waited for the profile' : answer.status).toBe(200);
    } finally {
      await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
      await pending;
    }
  });

  it('a deadline status change takes the case row before the deadline, and then goes through', async () => {
    const { caseId, referralId } = await offeredCase();
    await t.http.post(`/api/referrals/${referralId}/accept`).set(attorney.auth).expect(200);
    const [{ id: deadlineId }] = await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [caseId]);
    let answer: { status: number } | undefined;
    const deadlineLock = await whileCaseHeld(
      caseId,
      () => t.http.patch(`/api/deadlines/${deadlineId}`).set(attorney.auth).send({ status: 'met' }).then((res) => (answer = res)),
      (runner) => runner.query(`SELECT 1 FROM deadlines WHERE id = $1 FOR UPDATE NOWAIT`, [deadlineId]),
    );
    expect(deadlineLock).toBe('free');
    expect(answer?.status).toBe(200);
  });

  it('offer expiry passes over a case someone holds, instead of waiting for it while holding the referral', async () => {
    const { caseId, referralId } = await offeredCase();
    await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [referralId]);
    const referrals = t.app.get(ReferralsService);
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [caseId]);
      await referrals.expireDue(); // returns: it does not wait for the case
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [referralId]))[0].status).toBe('offered');
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await referrals.expireDue()).toBeGreaterThanOrEqual(1);
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [referralId]))[0].status).toBe('expired');
  });

  describe('an audit chain head is the last lock: decline and expiry offer the case on before appending their events', () => {
    let next: Session;
    beforeAll(async () => {
      const admin = await loginAdmin(t.http);
      next = await createUser(t.http, admin, 'attorney');
      await t.http.put('/api/attorneys/me/profile').set(next.auth).send(attorneyProfile({ maxActiveCases: 50 })).expect(200);
    });

    // The next attorney's profile is held (another routing offering them a case); the decline or expiry waits there.
    // Holding an audit head while it waits would be the opposite order to that routing, which appends after the profile.
    const headsOf = (runner: QueryRunner, caseId: string) =>
      runner.query(`SELECT 1 FROM audit_heads WHERE organization_id = (SELECT organization_id FROM cases WHERE id = $1) FOR UPDATE NOWAIT`, [caseId]);
    const holdProfile = `SELECT 1 FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`;

    it('decline', async () => {
      const { caseId, referralId } = await offeredCase();
      let answer: { status: number; body: { caseStatus?: string } } | undefined;
      const heads = await whileHeld(t, holdProfile, [next.userId],
        () => t.http.post(`/api/referrals/${referralId}/decline`).set(attorney.auth).send({ reason: 'capacity' }).then((res) => (answer = res)),
        (runner) => headsOf(runner, caseId));
      expect(heads).toBe('free');
      expect(answer?.status).toBe(200);
      expect(answer?.body.caseStatus).toBe('offered');
      expect(await t.db.query(`SELECT attorney_id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [caseId])).toEqual([{ attorney_id: next.userId }]);
      const actions = await t.db.query(`SELECT action FROM audit_events WHERE case_id = $1 ORDER BY id`, [caseId]);
      expect(actions.map((a: { action: string }) => a.action).slice(-2)).toEqual(['referral.decline', 'referral.offer']);
    });

    it('expiry', async () => {
      const { caseId, referralId } = await offeredCase();
      await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [referralId]);
      const referrals = t.app.get(ReferralsService);
      const heads = await whileHeld(t, holdProfile, [next.userId], () => referrals.expireDue(), (runner) => headsOf(runner, caseId));
      expect(heads).toBe('free');
      const [offer] = await t.db.query(`SELECT attorney_id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [caseId]);
      expect(offer.attorney_id).toBe(next.userId);
      const actions = await t.db.query(`SELECT action FROM audit_events WHERE case_id = $1 ORDER BY id`, [caseId]);
      expect(actions.map((a: { action: string }) => a.action).slice(-2)).toEqual(['referral.expire', 'referral.offer']);
    });
  });
});

describe('attorney capacity under concurrent routing (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;

  beforeAll(async () => {
    // The organization's only attorney, with room for one case.
    ({ t, coordinator, intake, attorney } = await organizationWithOneAttorney(1));
  });
  afterAll(() => t.close());

  it('a routing that counted a free slot re-counts under the profile lock: filled meanwhile, the case is unplaced, not offered', async () => {
    const first = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    const second = await t.http.post('/api/cases').set(intake.auth).send(intakeBody({ client: { lastName: 'Second', preferredLanguage: 'spa' } })).expect(201);
    // Another routing's transaction, holding the attorney's profile while it offers them the second case.
    const res = await whileHeldThenCommitted(
      t,
      (runner) => runner.query(`SELECT 1 FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`, [attorney.userId]),
      () => t.http.post(`/api/cases/${first.body.id}/referrals`).set(coordinator.auth).send({}),
      async (runner) => {
        await runner.query(
          `INSERT INTO referrals (case_id, organization_id, attorney_id, status, offered_at, respond_by, score, reasons)
           SELECT id, organization_id, $2, 'offered', now(), now() + interval '1 day', 50, '[]'::jsonb FROM cases WHERE id = $1`,
          [second.body.id, attorney.userId],
        );
        await runner.query(`UPDATE cases SET status = 'offered' WHERE id = $1`, [second.body.id]);
      },
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('NO_ELIGIBLE_ATTORNEY');
    const [{ open }] = await t.db.query(`SELECT count(*)::int AS open FROM referrals WHERE attorney_id = $1 AND status = 'offered'`, [attorney.userId]);
    expect(open).toBe(1);
  });
});

describe('a profile changed while a routing waits for it (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  let visits: Session;
  let statewide: Session;

  beforeAll(async () => {
    ({ t, coordinator, intake, attorneys: [visits, statewide] } = await organizationWithAttorneys({ facilityCodes: ['HOUICDF'] }, {}));
  });
  afterAll(() => t.close());

  /** Routes a new case at HOUICDF while `change` (an UPDATE of the profile of `visits`) holds their profile, then commits it. */
  async function routeDuring(change: string) {
    // Both as at the start: nobody offered anything, the first attorney visits the facility (and so ranks first).
    await t.db.query(`UPDATE attorney_profiles SET last_offered_at = NULL, facility_codes = CASE WHEN user_id = $1 THEN '{HOUICDF}'::text[] ELSE '{}' END
                       WHERE user_id IN ($1, $2)`, [visits.userId, statewide.userId]);
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Rango', lastName: 'Ejemplo' }, { custody: { status: 'ice_detention', facilityCode: 'HOUICDF' } })).expect(201);
    const res = await whileHeldThenCommitted(
      t,
      (runner) => runner.query(change, [visits.userId]),
      () => t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}),
    );
    // The attorney's slot back, for the next test.
    await t.http.post(`/api/cases/${c.body.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    return res;
  }

  it('is scored again as it now is, and the ranking read again: the offer goes to who is best now, with true reasons', async () => {
    // No longer visiting the facility (the state still covered), and just offered another case (the rotation then
    // favours the other attorney).
    const res = await routeDuring(`UPDATE attorney_profiles SET facility_codes = '{}', last_offered_at = now() WHERE user_id = $1`);
    expect(res.status).toBe(201);
    expect(res.body.attorneyId).toBe(statewide.userId);
    expect(res.body.match.reasons.join('; ')).not.toMatch(/visits the facility/);
    expect(res.body.match.reasons).toContain('never offered a case yet');
  });

  it('the usual change while a routing waits, another routing\'s offer to the same attorney, is seen too (the rotation holds)', async () => {
    const res = await routeDuring(`UPDATE attorney_profiles SET last_offered_at = now() WHERE user_id = $1`);
    expect(res.status).toBe(201);
    expect(res.body.attorneyId).toBe(statewide.userId);
  });
});

describe('routings at once, each passing over the others\' first choice (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  const facilities = ['HOUICDF', 'PIC'];

  beforeAll(async () => {
    // One attorney per facility, both covering the state: a case ranks its facility's attorney first, until that
    // attorney is offered another case (the rotation then ranks the other one first).
    ({ t, coordinator, intake } = await organizationWithAttorneys(...facilities.map((code) => ({ facilityCodes: [code], maxActiveCases: 100 }))));
  });
  afterAll(() => t.close());

  it('hold only the profile of the attorney they offer to: no deadlock (a passed-over profile\'s lock is let go)', async () => {
    const deadlocks = async () => Number((await t.db.query(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`))[0].deadlocks);
    const before = await deadlocks();
    for (let round = 0; round < 3; round++) {
      await t.db.query(`UPDATE attorney_profiles SET last_offered_at = NULL`);
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) {
        const body = routableBody({ firstName: 'Ronda', lastName: `Ejemplo${round}x${i}` }, { custody: { status: 'ice_detention', facilityCode: facilities[i % 2] } });
        ids.push((await t.http.post('/api/cases').set(intake.auth).send(body).expect(201)).body.id);
      }
      const routed = await Promise.all(ids.map((id) => t.http.post(`/api/cases/${id}/referrals`).set(coordinator.auth).send({})));
      expect(routed.map((r) => r.status)).toEqual(ids.map(() => 201));
      for (const id of ids) await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    }
    // A deadlock does not show in the answers (the API runs an aborted routing again), only in the server's count.
    expect(await deadlocks()).toBe(before);
  });
});

describe('the purge on two instances at once', () => {
  it('purges a case once: a second pass passes over the case the first holds, instead of purging it again after', async () => {
    const { t, coordinator, intake } = await organizationWithAttorneys();
    try {
      const { id } = (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body as { id: string };
      await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
      await t.db.query(`UPDATE cases SET closed_at = now() - interval '4000 days' WHERE id = $1`, [id]);
      const purge = t.app.get(PurgeService);
      let second: Promise<number> | undefined;
      // The first pass claims the case and waits on its key (held here); the second runs meanwhile: it passes over the
      // held case and ends (or, unguarded, reads the same case and waits on the key too). Then both go on.
      const first = await whileHeldThenCommitted(
        t,
        (runner) => runner.query(`SELECT 1 FROM case_keys WHERE case_id = $1 FOR UPDATE`, [id]),
        () => purge.purgeDue(),
        async () => {
          // Sessions waiting for a lock (on the key held here, or on the first pass's claim).
          const waiting = async () => (await t.db.query(`SELECT count(DISTINCT pid)::int AS n FROM pg_locks WHERE NOT granted`))[0].n as number;
          second = purge.purgeDue();
          let done = false;
          void second.finally(() => (done = true));
          while (!done && (await waiting()) < 2) await new Promise((r) => setTimeout(r, 20));
        },
      );
      expect([first, await second]).toEqual([1, 0]);
      const audited = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.purge' AND case_id = $1`, [id]);
      expect(audited).toEqual([{ n: 1 }]);
    } finally {
      await t.close();
    }
  });
});
