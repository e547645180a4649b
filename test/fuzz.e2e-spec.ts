import fc from 'fast-check';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { listRouteAccess } from '@amparo/auth';
import { intakeBody } from './support/cases';
import { Json, dateLike, hostileBody, mutatedBody, problemWith, timeZoneLike } from './support/fuzz';
import { EVENT_FIELDS } from '../libs/cases/src/dto/event.dto';
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
// A property cut short by the time limit fails, rather than passing on fewer runs than asked (a slow machine).
fc.configureGlobal({ seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: true });

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
  'POST /api/cases/:id/release',
  'POST /api/cases/:id/reopen',
  'POST /api/cases/:id/reveal',
  'POST /api/referrals/:id/accept',
  'POST /api/referrals/:id/decline',
  'POST /api/referrals/:id/withdraw',
  'POST /api/users',
  'PUT /api/attorneys/:userId/profile',
  'PUT /api/attorneys/me/profile',
];

/** A valid body of each event type (dated in the past, or ahead for the two that say when something will happen). */
const EVENT_BASES: Record<string, Json> = {
  detainer_lodged: { type: 'detainer_lodged', occurredAt: '2026-01-05' },
  detainer_lifted: { type: 'detainer_lifted', occurredAt: '2026-01-05' },
  release_eligible: { type: 'release_eligible', occurredAt: '2030-01-05T10:00:00-06:00' },
  released: { type: 'released', occurredAt: '2026-01-05T10:00:00-06:00', from: 'jail' },
  transferred: { type: 'transferred', occurredAt: '2026-01-05T10:00:00-06:00', facilityCode: 'HOUICDF' },
  hearing_scheduled: { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'master', scheduledAt: '2030-02-04T09:00:00-06:00', courtCode: 'HOU', timeZone: 'America/Chicago' },
  bond_decision: { type: 'bond_decision', occurredAt: '2026-01-05', outcome: 'granted', amount: 5000, timeZone: 'America/Chicago' },
  ij_decision: { type: 'ij_decision', occurredAt: '2026-01-05', outcome: 'removal_ordered', timeZone: 'America/Chicago' },
  final_order: { type: 'final_order', occurredAt: '2026-01-05', issuedBy: 'bia', venueState: 'TX', timeZone: 'America/New_York' },
  motion_decided: { type: 'motion_decided', occurredAt: '2026-01-05', issuedBy: 'ij', outcome: 'denied', motion: 'reopen', venueState: 'tx' },
  in_absentia_order: { type: 'in_absentia_order', occurredAt: '2026-01-05', timeZone: 'America/Chicago' },
  order_reinstated: { type: 'order_reinstated', occurredAt: '2026-01-05' },
  entered_us: { type: 'entered_us', occurredAt: '2024-06-01', manner: 'ewi' },
  daca_expires: { type: 'daca_expires', occurredAt: '2030-06-01' },
  voluntary_departure_granted: { type: 'voluntary_departure_granted', occurredAt: '2026-01-05', days: 60, stage: 'conclusion' },
  address_changed: { type: 'address_changed', occurredAt: '2026-01-05' },
};

/** No key, or one of the shapes the two routes that read an Idempotency-Key take (and some they refuse). */
const idempotencyKey = fc.option(
  fc.oneof(fc.constantFrom('retry-key-0001', 'retry-key-0002', 'x'.repeat(128), 'a.b:c_d-e', 'short', 'with space 123', 'é'.repeat(10)), fc.stringMatching(/^[A-Za-z0-9_.:-]{8,20}$/)),
  { nil: undefined },
);
const TAKES_KEY = new Set(['POST /api/cases', 'POST /api/cases/:id/events']);

/**
 * On a PATCH or PUT, one request in four carries an If-Match, stale or malformed, as the routes that take one read it
 * (the others go without, so that the body reaches the code past the version check).
 */
const ifMatch = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('*', '"never"', '"2026-11-27T17:09:00.000Z"', 'W/"2026-11-27T17:09:00.000Z"', '"+275760-09-13T00:00:00.000Z"',
        '"0000-00-00T00:00:00Z"', 'yesterday', '""', '"a", "b"', `"${'9'.repeat(300)}"`),
      fc.stringMatching(/^[\x20-\x7e]{0,40}$/),
    ),
  },
);

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
  let passwordChanger: Session;
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
    passwordChanger = await createUser(t.http, admin, 'intake');
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
      // The whole intake body, so that each field is broken in turn.
      protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: { ...intakeBody(), adverseParties: [{ name: 'Adversa Example', relationship: 'spouse' }] } as Json,
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
    // A session of its own (logout's ends the throwaway one), whose current password is never the fuzzed one: refused
    // (400 naming a field, then 429) every time, after the form's validation and the password check have run.
    'POST /api/auth/password': {
      protectedIds: [], scratchIds: [], base: { currentPassword: 'not the current one', newPassword: 'a new passphrase here' },
      caller: () => passwordChanger, hostileCallers: () => [passwordChanger, null],
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
    // The seeded case is assigned: hostile bodies only (never a reason) on it; the scratch case has no attorney (409).
    'POST /api/cases/:id/release': { protectedIds: [seeded.caseId], scratchIds: [scratch.caseIds[3]], base: { reason: 'other' }, caller: () => coordinator, hostileCallers: everyone },
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
  // Each request from an address of its own (the sign-in and rate limits count per address), in order: a seed replays.
  let sent = 0;
  const request = (method: string, path: string, session: Session | null, body: string, key?: string, version?: string) => {
    sent += 1;
    let req = (t.http as any)[method.toLowerCase()](path).set('Content-Type', 'application/json').set('X-Forwarded-For', `10.${(sent >> 16) & 255}.${(sent >> 8) & 255}.${sent & 255}`);
    if (session) req = req.set(session.auth);
    if (key !== undefined) req = req.set('Idempotency-Key', key);
    if (version !== undefined) req = req.set('If-Match', version);
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
      // The allowed caller's session is live (one spent by an earlier test, logout's, would only ever be answered 401,
      // and pass every check above without reaching the route). Logout ends its own at its first valid call.
      const caller = target.caller();
      if (caller && route !== 'POST /api/auth/logout') expect((await t.http.get('/api/auth/me').set(caller.auth)).status).toBe(200);
      await fc.assert(
        fc.asyncProperty(
          idArb, mutatedBody(target.base), TAKES_KEY.has(route) ? idempotencyKey : fc.constant(undefined),
          method === 'POST' ? fc.constant(undefined) : ifMatch,
          async (id, body, key, version) => {
            const path = target.path ? target.path(id) : template.replace(/:(id|userId)/, id);
            const session = target.caller();
            const res = await request(method, path, session, body, key, version);
            const headers = `${key === undefined ? '' : ` with Idempotency-Key ${key}`}${version === undefined ? '' : ` with If-Match ${version}`}`;
            check(route, path, `${who(session)}${headers}`, body, res);
          },
        ),
        // Near-valid bodies reach the deepest code: twice the runs, and a third more where one in four stops at If-Match.
        { numRuns: method === 'POST' ? RUNS * 2 : Math.ceil((RUNS * 8) / 3) },
      );
    });
  });

  describe('POST /api/cases/:id/events, every type, on cases held in every way', () => {
    const held: string[] = [];
    beforeAll(async () => {
      for (const custody of [
        { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: '2030-01-01T10:00:00Z' },
        { status: 'ice_detention', facilityCode: 'HOUICDF' },
        { status: 'released', state: 'CA', county: 'Los Angeles' },
        { status: 'unknown', timeZone: 'Pacific/Guam' },
      ]) {
        const res = await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody });
        expect(res.status).toBe(201);
        held.push(res.body.id);
      }
    });

    it.each(Object.keys(EVENT_BASES))('%s broken in one place, with or without an Idempotency-Key: < 500, error shape, no stack trace', async (type) => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...held), mutatedBody(EVENT_BASES[type]), idempotencyKey, async (id, body, key) => {
          const path = `/api/cases/${id}/events`;
          check('POST /api/cases/:id/events', path, `coordinator${key === undefined ? '' : ` with Idempotency-Key ${key}`}`, body, await request('POST', path, coordinator, body, key));
        }),
      );
    });

    it('a random valid-shaped event of any type, dates and zones included: < 500, error shape, no stack trace', async () => {
      const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
      const event = fc.record({
        type: fc.constantFrom(...Object.keys(EVENT_BASES)),
        occurredAt: fc.oneof(
          fc.date({ min: new Date('2020-01-01'), max: new Date('2031-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
          fc.date({ min: new Date('2020-01-01'), max: new Date('2026-11-20'), noInvalidDate: true }).map((d) => d.toISOString().replace(/\.\d+Z$/, '-06:00')),
          dateLike,
          fc.constantFrom('2025-12-31T23:30:00-10:00', '2026-03-08T02:30:00-06:00', '2026-11-01T01:30:00-05:00', '1900-01-01', '2026-02-29'),
        ),
        from: optional(fc.constantFrom('ice', 'jail')),
        facilityCode: optional(fc.constantFrom('HOUICDF', 'BOEHOLD', 'ZZZ999', 'abc')),
        hearingType: optional(fc.constantFrom('bond', 'master', 'individual')),
        scheduledAt: optional(fc.oneof(dateLike, fc.constantFrom('2030-02-04T09:00:00-06:00', '2026-03-08T02:30:00-06:00'))),
        courtCode: optional(fc.constantFrom('HOU', 'San Antonio', 'É')),
        timeZone: optional(timeZoneLike),
        outcome: optional(fc.constantFrom('granted', 'denied', 'no_jurisdiction', 'removal_ordered', 'relief_granted', 'terminated', 'other')),
        amount: optional(fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(0.005, 9_999_999.999))),
        days: optional(fc.integer({ min: 1, max: 120 })),
        stage: optional(fc.constantFrom('pre_conclusion', 'conclusion')),
        issuedBy: optional(fc.constantFrom('ij', 'bia')),
        motion: optional(fc.constantFrom('reopen', 'reconsider')),
        venueState: optional(fc.constantFrom('TX', 'pr', 'GU', 'VI', 'MP', 'DC', '', ' ')),
        manner: optional(fc.constantFrom('inspected', 'ewi', 'paroled', 'unknown')),
      }, { requiredKeys: ['type', 'occurredAt'] });
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...held), event, idempotencyKey, async (id, e, key) => {
          // The fields its type takes, when it has every required one.
          const spec = (EVENT_FIELDS as Record<string, { required: string[]; optional: string[] }>)[e.type];
          const fields = Object.entries(e).filter(([k, v]) => k === 'type' || k === 'occurredAt' || (v !== undefined && (spec.required.includes(k) || spec.optional.includes(k))));
          if (spec.required.some((k) => !fields.some(([f]) => f === k))) return;
          const body = JSON.stringify(Object.fromEntries(fields));
          const path = `/api/cases/${id}/events`;
          check('POST /api/cases/:id/events', path, 'coordinator', body, await request('POST', path, coordinator, body, key));
        }),
        { numRuns: RUNS * 8 },
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
