import fc from 'fast-check';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { listRouteAccess } from '@amparo/auth';
import { intakeBody } from './support/cases';
import { Json, hostileBody, mutatedBody, problemWith } from './support/fuzz';
import { TestApp, createTestApp } from './support/test-app';
import { Session, createUser, login, loginAdmin } from './support/users';

/**
 * Property-based requests with random and hostile JSON against every POST, PATCH and PUT route. Whatever arrives,
 * the answer is below 500, in the error shape, without a stack trace; and the seeded records do not change.
 * Reproduce a failure with the seed fast-check prints: FUZZ_SEED=<seed> npx jest --selectProjects e2e --testPathPatterns test/fuzz
 */
// Booting apps and argon2 logins on a loaded 2-core machine can exceed jest's default 5 s per hook.
jest.setTimeout(60_000);

const SEED = Number(process.env.FUZZ_SEED ?? 20261120);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
fc.configureGlobal({ seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 20_000 });

/** The write routes of test/route-permissions.e2e-spec.ts EXPECTED (pinned below against the running app). */
const WRITE_ROUTES = [
  'PATCH /api/cases/:id',
  'PATCH /api/deadlines/:id',
  'PATCH /api/organization',
  'PATCH /api/users/:id',
  'POST /api/auth/login',
  'POST /api/auth/logout',
  'POST /api/auth/password',
  'POST /api/auth/refresh',
  'POST /api/calendar/token',
  'POST /api/cases',
  'POST /api/cases/:id/close',
  'POST /api/cases/:id/events',
  'POST /api/cases/:id/events/:eventId/retract',
  'POST /api/cases/:id/referrals',
  'POST /api/cases/:id/reopen',
  'POST /api/cases/:id/reveal',
  'POST /api/referrals/:id/accept',
  'POST /api/referrals/:id/decline',
  'POST /api/referrals/:id/withdraw',
  'POST /api/users',
  'PUT /api/attorneys/:userId/profile',
  'PUT /api/attorneys/me/profile',
];

const PROFILE = {
  barStates: ['TX'], eoirRegistered: true, languages: ['spa', 'eng'], practiceAreas: ['detention_bond', 'removal_defense', 'asylum'],
  facilityCodes: [], states: ['TX'], maxActiveCases: 50, acceptingReferrals: true,
};

interface Target {
  /** Ids of seeded records that must not change; hostile bodies only, from any caller. */
  protectedIds: string[];
  /** Ids of records made for this run, which valid-looking bodies may change. */
  scratchIds: string[];
  /** A valid body for the route, which the structured property breaks in one place. */
  base: Json;
  /** Who may call it with a structured body (an allowed role, on scratch records). */
  caller: () => Session | null;
  /** Who calls it with hostile bodies (on protected records too): roles that cannot act on them with any body. */
  hostileCallers: () => (Session | null)[];
  /** The path for an id, when the route has more than one (default: the id in place of `:id` or `:userId`). */
  path?: (id: string) => string;
}

describe('fuzz: hostile JSON on every write route (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;
  let scratchAttorney: Session;
  let scratchUser: Session;
  let throwaway: Session;
  const seeded = {} as { caseId: string; deadlineId: string; referralId: string; pendingCaseId: string; eventId: string };
  const scratch = {} as { caseIds: string[]; deadlineId: string; referralIds: string[]; eventIds: string[] };
  let baseline: { reveal: unknown; attorneyView: unknown; row: unknown; deadlines: unknown; profile: unknown; users: unknown; referral: unknown; events: unknown };

  const snapshot = async () => ({
    reveal: (await t.http.post(`/api/cases/${seeded.caseId}/reveal`).set(coordinator.auth).send({ reason: 'fuzz run: checking the seeded case' })).body,
    attorneyView: (await t.http.get(`/api/cases/${seeded.caseId}`).set(attorney.auth)).body,
    row: (await t.db.query(`SELECT * FROM cases WHERE id = ANY($1) ORDER BY id`, [[seeded.caseId, seeded.pendingCaseId]])),
    deadlines: await t.db.query(`SELECT * FROM deadlines WHERE case_id = $1 ORDER BY id`, [seeded.caseId]),
    // last_offered_at moves when routing (legitimately) offers a scratch case to this attorney.
    profile: (await t.db.query(`SELECT * FROM attorney_profiles WHERE user_id = $1`, [attorney.userId])).map(({ last_offered_at: _, ...rest }: Record<string, unknown>) => rest)[0],
    users: await t.db.query(`SELECT id, email, name, role, active, organization_id FROM users WHERE id = ANY($1) ORDER BY id`, [[admin.userId, coordinator.userId, intake.userId, attorney.userId]]),
    referral: (await t.db.query(`SELECT status, attorney_id, case_id FROM referrals WHERE id = $1`, [seeded.referralId]))[0],
    events: await t.db.query(`SELECT * FROM case_events WHERE case_id = $1 ORDER BY seq`, [seeded.caseId]),
  });

  const offer = async (caseId: string, who: Session) => {
    const res = await t.http.post(`/api/cases/${caseId}/referrals`).set(coordinator.auth).send({ attorneyId: who.userId });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const newCase = async () => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(intakeBody());
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
    attorney = await createUser(t.http, admin, 'attorney');
    scratchAttorney = await createUser(t.http, admin, 'attorney');
    scratchUser = await createUser(t.http, admin, 'intake');
    throwaway = await createUser(t.http, admin, 'intake');
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    for (const a of [attorney, scratchAttorney]) await t.http.put('/api/attorneys/me/profile').set(a.auth).send(PROFILE).expect(200);

    // Seeded: a canary case assigned to `attorney`, and an open offer to `attorney` on another case.
    seeded.caseId = await newCase();
    await t.http.post(`/api/referrals/${await offer(seeded.caseId, attorney)}/accept`).set(attorney.auth).expect(200);
    seeded.deadlineId = (await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [seeded.caseId]))[0].id;
    const event = async (caseId: string) => {
      const res = await t.http.post(`/api/cases/${caseId}/events`).set(coordinator.auth)
        .send({ type: 'bond_decision', occurredAt: new Date(Date.now() - 86_400_000).toISOString(), outcome: 'denied' });
      expect(res.status).toBe(201);
      return res.body.event.id as string;
    };
    seeded.eventId = await event(seeded.caseId);
    seeded.pendingCaseId = await newCase();
    seeded.referralId = await offer(seeded.pendingCaseId, attorney);

    // Scratch: cases with open offers to the scratch attorney, and one with a deadline.
    scratch.caseIds = [await newCase(), await newCase(), await newCase(), await newCase()];
    scratch.referralIds = [];
    for (const id of scratch.caseIds.slice(0, 3)) scratch.referralIds.push(await offer(id, scratchAttorney));
    scratch.deadlineId = (await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [scratch.caseIds[3]]))[0].id;
    scratch.eventIds = [await event(scratch.caseIds[3]), await event(scratch.caseIds[3])];
    baseline = await snapshot();
    expect(JSON.stringify(baseline.reveal)).toContain('Quixenmoor');
  });
  afterAll(() => t.close());

  it('the routes below are every write route the app has', () => {
    const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector));
    expect(routes.filter((r) => /^(POST|PATCH|PUT) /.test(r)).map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(WRITE_ROUTES);
  });

  const everyone = () => [admin, coordinator, intake, attorney, null];
  const targets = (): Record<string, Target> => ({
    'PATCH /api/cases/:id': {
      protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: { narrative: 'fuzzed narrative', custody: { status: 'unknown', timeZone: 'America/Chicago' }, client: { phone: '512-555-0100' } },
      caller: () => coordinator, hostileCallers: everyone,
    },
    'PATCH /api/deadlines/:id': {
      protectedIds: [seeded.deadlineId], scratchIds: [scratch.deadlineId], base: { status: 'met', note: 'filed' }, caller: () => coordinator, hostileCallers: everyone,
    },
    'PATCH /api/organization': { protectedIds: [], scratchIds: [], base: { name: 'Fuzzed Org', retentionDays: 400 }, caller: () => admin, hostileCallers: everyone },
    'PATCH /api/users/:id': {
      protectedIds: [intake.userId, attorney.userId, coordinator.userId], scratchIds: [scratchUser.userId], base: { name: 'Fuzzed Name', role: 'intake' },
      caller: () => admin, hostileCallers: everyone,
    },
    'POST /api/auth/login': { protectedIds: [], scratchIds: [], base: { email: 'nobody@test.amparo.example', password: 'not-a-password' }, caller: () => null, hostileCallers: () => [null] },
    // Logout takes no body: only a throwaway session may call it.
    'POST /api/auth/logout': { protectedIds: [], scratchIds: [], base: {}, caller: () => throwaway, hostileCallers: () => [throwaway, null] },
    'POST /api/auth/refresh': { protectedIds: [], scratchIds: [], base: { refreshToken: 'r'.repeat(43) }, caller: () => null, hostileCallers: () => [null, intake] },
    // The current password is never the fuzzed one: a throwaway session, refused (400, then 429) every time.
    'POST /api/auth/password': {
      protectedIds: [], scratchIds: [], base: { currentPassword: 'not the current one', newPassword: 'a new passphrase here' },
      caller: () => throwaway, hostileCallers: () => [throwaway, null],
    },
    'POST /api/calendar/token': { protectedIds: [], scratchIds: [], base: {}, caller: () => scratchAttorney, hostileCallers: () => [scratchAttorney, intake, null] },
    'POST /api/cases': { protectedIds: [], scratchIds: [], base: intakeBody() as Json, caller: () => intake, hostileCallers: everyone },
    'POST /api/cases/:id/close': { protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: { outcome: 'other' }, caller: () => coordinator, hostileCallers: everyone },
    'POST /api/cases/:id/events': {
      protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]],
      base: { type: 'hearing_scheduled', occurredAt: '2026-01-05T10:00:00-06:00', hearingType: 'bond', scheduledAt: '2030-02-04T09:00:00-06:00', timeZone: 'America/Chicago' },
      caller: () => coordinator, hostileCallers: everyone,
    },
    // No body: on the seeded event (recorded by the coordinator), only callers who may not retract it.
    'POST /api/cases/:id/events/:eventId/retract': {
      protectedIds: [seeded.eventId], scratchIds: scratch.eventIds, base: {}, caller: () => coordinator,
      hostileCallers: () => [intake, admin, scratchAttorney, null],
      path: (eventId) => `/api/cases/${scratch.eventIds.includes(eventId) ? scratch.caseIds[3] : seeded.caseId}/events/${eventId}/retract`,
    },
    'POST /api/cases/:id/referrals': {
      protectedIds: [seeded.caseId, seeded.pendingCaseId], scratchIds: [scratch.caseIds[3]], base: { attorneyId: scratchAttorney.userId },
      caller: () => coordinator, hostileCallers: everyone,
    },
    // No body: on the seeded case, which is open, a reopen changes nothing (409) whoever calls it.
    'POST /api/cases/:id/reopen': { protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: {}, caller: () => coordinator, hostileCallers: everyone },
    'POST /api/cases/:id/reveal': { protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: { reason: 'fuzzing the reveal route' }, caller: () => coordinator, hostileCallers: everyone },
    // Accept and withdraw take no body: on the seeded offer, only callers who may not act on it.
    'POST /api/referrals/:id/accept': { protectedIds: [seeded.referralId], scratchIds: [scratch.referralIds[0]], base: {}, caller: () => scratchAttorney, hostileCallers: () => [scratchAttorney, intake, coordinator, null] },
    'POST /api/referrals/:id/decline': { protectedIds: [seeded.referralId], scratchIds: [scratch.referralIds[1]], base: { reason: 'other', note: 'no time' }, caller: () => scratchAttorney, hostileCallers: () => [attorney, scratchAttorney, intake, null] },
    'POST /api/referrals/:id/withdraw': { protectedIds: [seeded.referralId], scratchIds: [scratch.referralIds[2]], base: {}, caller: () => coordinator, hostileCallers: () => [attorney, intake, admin, null] },
    'POST /api/users': { protectedIds: [], scratchIds: [], base: { email: 'fuzz@test.amparo.example', name: 'Fuzz', role: 'intake', password: 'long-enough-password' }, caller: () => admin, hostileCallers: everyone },
    'PUT /api/attorneys/:userId/profile': { protectedIds: [attorney.userId], scratchIds: [scratchAttorney.userId], base: PROFILE, caller: () => coordinator, hostileCallers: everyone },
    'PUT /api/attorneys/me/profile': { protectedIds: [], scratchIds: [], base: PROFILE, caller: () => scratchAttorney, hostileCallers: () => [attorney, intake, null] },
  });

  const badIds = fc.constantFrom('not-a-uuid', '..%2F..%2Fhealth', '%00', '1', '00000000-0000-0000-0000-00000000000g', 'x'.repeat(300), "1'%20OR%20'1'='1");
  const request = (method: string, path: string, session: Session | null, body: string) => {
    let req = (t.http as any)[method.toLowerCase()](path).set('Content-Type', 'application/json').set('X-Forwarded-For', `10.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`);
    if (session) req = req.set(session.auth);
    return req.send(body);
  };
  const check = (route: string, path: string, who: string, body: string, res: Parameters<typeof problemWith>[0]) => {
    const problem = problemWith(res);
    if (problem) throw new Error(`${route} as ${who}: ${path} with body ${body.slice(0, 400)}${body.length > 400 ? `... (${body.length} chars)` : ''}\n→ ${problem}`);
  };
  const who = (s: Session | null) => (s ? s.email.split('@')[0] : 'anonymous');

  describe.each(WRITE_ROUTES)('%s', (route) => {
    const [method, template] = route.split(' ');
    const hasId = template.includes(':');

    it('hostile bodies, on seeded and scratch records and random ids, from any caller: < 500, error shape, no stack trace', async () => {
      const target = targets()[route];
      const idArb = hasId
        ? fc.oneof(
            ...(target.protectedIds.length ? [{ weight: 3, arbitrary: fc.constantFrom(...target.protectedIds) }] : []),
            ...(target.scratchIds.length ? [{ weight: 1, arbitrary: fc.constantFrom(...target.scratchIds) }] : []),
            { weight: 2, arbitrary: fc.uuid() },
            { weight: 1, arbitrary: badIds },
          )
        : fc.constant('');
      await fc.assert(
        fc.asyncProperty(idArb, fc.constantFrom(...target.hostileCallers()), hostileBody, async (id, session, body) => {
          const path = target.path ? target.path(id) : template.replace(/:(id|userId)/, id);
          const res = await request(method, path, session, body);
          check(route, path, who(session), body, res);
        }),
      );
    });

    it('a valid body broken in one place, from an allowed caller, on scratch records and random ids: < 500, error shape, no stack trace', async () => {
      const target = targets()[route];
      const idArb = hasId
        ? fc.oneof(...(target.scratchIds.length ? [{ weight: 3, arbitrary: fc.constantFrom(...target.scratchIds) }] : []), { weight: 1, arbitrary: fc.uuid() })
        : fc.constant('');
      await fc.assert(
        fc.asyncProperty(idArb, mutatedBody(target.base), async (id, body) => {
          const path = target.path ? target.path(id) : template.replace(/:(id|userId)/, id);
          const session = target.caller();
          const res = await request(method, path, session, body);
          check(route, path, who(session), body, res);
        }),
        // Near-valid bodies reach the deepest code: twice the runs.
        { numRuns: RUNS * 2 },
      );
    });
  });

  it('after the run, the seeded records are unchanged and the audit chain verifies', async () => {
    const after = await snapshot();
    expect(after.reveal).toEqual(baseline.reveal);
    expect(after.attorneyView).toEqual(baseline.attorneyView);
    expect(after.row).toEqual(baseline.row);
    expect(after.deadlines).toEqual(baseline.deadlines);
    expect(after.profile).toEqual(baseline.profile);
    expect(after.users).toEqual(baseline.users);
    expect(after.referral).toEqual(baseline.referral);
    expect(after.events).toEqual(baseline.events);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const verify = await t.http.get('/api/audit/verify').set(admin.auth);
    expect(verify.body).toMatchObject({ ok: true });
    // The seeded sessions survived the run.
    for (const s of [admin, coordinator, intake, attorney]) expect((await t.http.get('/api/auth/me').set(s.auth)).status).toBe(200);
    expect((await login(t.http, intake.email, intake.password)).userId).toBe(intake.userId);
  });
});
