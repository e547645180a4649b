import { createHmac, randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { AuditSealService, chainHash } from '@amparo/audit';
import { PasswordService, listRouteAccess } from '@amparo/auth';
import { CaseCipher, KeyRotationService, PurgeService } from '@amparo/cases';
import { FixedClock } from '@amparo/common';
import { CryptoIntegrityError } from '@amparo/crypto';
import { DeadlineJobsService } from '@amparo/deadlines';
import { MailDeliveryService } from '@amparo/notifications';
import { CANARY, intakeBody, minimalBody } from './support/cases';
import { STACK_TRACE } from './support/fuzz';
import { DataSource } from 'typeorm';
import { TEST_KEYS, TestApp, createTestApp, createTestDatabase, testAppRole } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { Session, createUser, login, loginAdmin } from './support/users';

/**
 * One test per case of SECURITY.md "Test cases a system like this should pass", each against this file's own app.
 * Some overlap other spec files on purpose: this file is the regression suite for that list.
 */

// Booting apps and argon2 logins on a loaded 2-core machine can exceed jest's default 5 s per hook.
jest.setTimeout(60_000);

type Body = Record<string, any>;
type Http = TestApp['http'];

const b64url = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
function signJwt(header: object, payload: object, secret: Buffer): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

/** A full intake whose every sensitive value is unique to `tag`, so a leak names the case it came from. */
function canaryCase(tag: string, aNumber: string, overrides: Body = {}): { body: Body; needles: string[] } {
  const base = intakeBody() as Body;
  const digits = aNumber.replace(/\D/g, '');
  const phone = `+1 512 555 ${digits.slice(-4)}`;
  const body: Body = {
    ...base,
    client: {
      ...base.client,
      firstName: `Zorb${tag}`,
      lastName: `Quixen${tag}`,
      dateOfBirth: `1971-0${(digits.charCodeAt(8) % 9) + 1}-1${digits[8]}`,
      aNumber,
      phone,
      email: `canary.${tag.toLowerCase()}@example.org`,
      address: `${tag} Canary Lane, Houston TX`,
      countryOfBirth: `Canaryland${tag}`,
      immigrationStatus: `status canary ${tag}`,
      criminalHistory: `history canary ${tag}`,
      safeToContact: { voicemail: false, sms: true, note: `codeword ${tag}` },
    },
    caller: { relationship: 'family', name: `Caller ${tag}`, phone: `+1 713 555 ${digits.slice(-4)}` },
    custody: { ...base.custody, bookingNumber: `BK-${tag}` },
    narrative: `Narrative canary ${tag}`,
    adverseParties: [{ name: `Adversa ${tag}`, relationship: 'spouse' }],
    ...overrides,
  };
  const needles = [
    body.client.firstName, body.client.lastName, body.client.dateOfBirth, aNumber, digits, phone, phone.replace(/\D/g, '').slice(1),
    body.client.email, body.client.address, body.client.countryOfBirth, body.client.immigrationStatus, body.client.criminalHistory,
    body.client.safeToContact.note, body.caller.name, body.caller.phone, body.custody.bookingNumber, body.narrative,
    body.adverseParties[0].name,
  ];
  return { body, needles };
}

const PROFILE = attorneyProfile({ maxActiveCases: 50 });

/** The GET routes of test/route-permissions.e2e-spec.ts EXPECTED (pinned again below against the running app). */
const GET_ROUTES = [
  'GET /api/attorneys admin,coordinator',
  'GET /api/attorneys/me/profile attorney',
  'GET /api/audit admin,coordinator',
  'GET /api/audit/verify admin',
  'GET /api/auth/me authenticated',
  'GET /api/calendar/:file public',
  'GET /api/cases attorney,coordinator,intake',
  'GET /api/cases/:id attorney,coordinator,intake',
  'GET /api/cases/:id/events attorney,coordinator,intake',
  'GET /api/deadlines attorney,coordinator',
  'GET /api/facilities authenticated',
  'GET /api/organization admin,coordinator',
  'GET /api/referrals attorney,coordinator',
  'GET /api/users admin,coordinator',
  'GET /health public',
];

describe('security regression: SECURITY.md test cases (e2e)', () => {
  const clock = new FixedClock(new Date());
  let t: TestApp;
  let logs = '';
  let admin: Session;
  let coordinator: Session;
  let intake: Session;
  let otherIntake: Session;
  let attorneyA: Session;
  let attorneyB: Session;

  const createCase = async (body: Body, who: Session = intake) => {
    const res = await t.http.post('/api/cases').set(who.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; status: string };
  };
  const offer = async (caseId: string, attorney: Session) => {
    const res = await t.http.post(`/api/cases/${caseId}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ caseId, attorneyId: attorney.userId, status: 'offered' });
    return res.body as { id: string; caseId: string };
  };
  const assign = async (caseId: string, attorney: Session) => {
    const referral = await offer(caseId, attorney);
    await t.http.post(`/api/referrals/${referral.id}/accept`).set(attorney.auth).expect(200);
    return referral;
  };
  const deniedCount = async (actorId: string) =>
    (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1`, [actorId]))[0].n as number;
  const send = (http: Http, method: string, url: string, auth: Record<string, string> | null, body?: unknown) => {
    let req = (http as any)[method.toLowerCase()](url);
    if (auth) req = req.set(auth);
    return body === undefined ? req : req.send(body);
  };

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk) => (logs += chunk.toString()));
    t = await createTestApp({ clock, env: { LOG_LEVEL: 'debug' }, logStream: stream });
    admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
    otherIntake = await createUser(t.http, admin, 'intake');
    attorneyA = await createUser(t.http, admin, 'attorney');
    attorneyB = await createUser(t.http, admin, 'attorney');
    // Cases are placed by hand here, so which attorney holds which case is known.
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    for (const a of [attorneyA, attorneyB]) await t.http.put('/api/attorneys/me/profile').set(a.auth).send(PROFILE).expect(200);
  });
  afterAll(() => t.close());

  describe('1. IDOR: attorney A cannot fetch, list or act on attorney B\'s case or referral (404), and the attempt is audited', () => {
    let assigned: { id: string; reference: string };
    let pending: { id: string; caseId: string };
    let deadlineId: string;

    beforeAll(async () => {
      assigned = await createCase(canaryCase('IDORX', 'A111-222-333').body);
      await assign(assigned.id, attorneyB);
      const other = await createCase(canaryCase('IDORY', 'A111-222-334').body);
      pending = await offer(other.id, attorneyB);
      [{ id: deadlineId }] = await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [assigned.id]);
      expect((await t.http.get(`/api/cases/${assigned.id}`).set(attorneyB.auth)).body.view).toBe('full');
    });

    it.each([
      ['GET', '', undefined],
      ['PATCH', '', { narrative: 'overwritten by attorney A' }],
      ['PATCH', '', { client: { preferredLanguage: 'eng' } }],
      ['POST', '/events', { type: 'detainer_lodged', occurredAt: '2026-01-05T10:00:00Z' }],
      ['POST', '/close', { outcome: 'represented' }],
      ['GET', '/events', undefined],
      ['POST', `/events/${ZERO_UUID}/retract`, undefined],
      // Its own "already stepped down" check runs before the visibility check: it must not tell that the case exists.
      ['POST', '/release', { reason: 'capacity' }],
    ])('%s /api/cases/:id%s by attorney A is a 404 like a missing case, and is audited', async (method, suffix, body) => {
      const before = await deniedCount(attorneyA.userId);
      const res = await send(t.http, method, `/api/cases/${assigned.id}${suffix}`, attorneyA.auth, body);
      const missing = await send(t.http, method, `/api/cases/${ZERO_UUID}${suffix}`, attorneyA.auth, body);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(missing.body);
      expect(JSON.stringify(res.body)).not.toContain(assigned.reference);
      expect(await deniedCount(attorneyA.userId)).toBe(before + 1);
      const audit = await t.http.get(`/api/audit?action=case.access_denied&actorId=${attorneyA.userId}`).set(coordinator.auth);
      expect(audit.body.items[0]).toMatchObject({ action: 'case.access_denied', actorId: attorneyA.userId, caseId: assigned.id });
    });

    it('nothing changed on B\'s case', async () => {
      const res = await t.http.get(`/api/cases/${assigned.id}`).set(attorneyB.auth);
      expect(res.body).toMatchObject({ status: 'assigned', assignedAttorneyId: attorneyB.userId, narrative: 'Narrative canary IDORX' });
      expect(res.body.client.preferredLanguage).toBe('spa');
      expect(await t.db.query(`SELECT 1 FROM case_events WHERE case_id = $1`, [assigned.id])).toEqual([]);
    });

    it('attorney A\'s lists (cases, referrals, deadlines) do not contain B\'s case or referrals', async () => {
      const cases = await t.http.get('/api/cases').set(attorneyA.auth);
      expect(cases.status).toBe(200);
      expect(JSON.stringify(cases.body)).not.toContain(assigned.id);
      const referrals = await t.http.get('/api/referrals').set(attorneyA.auth);
      expect(referrals.status).toBe(200);
      expect(JSON.stringify(referrals.body)).not.toContain(pending.id);
      expect(JSON.stringify(referrals.body)).not.toContain(assigned.id);
      const deadlines = await t.http.get('/api/deadlines').set(attorneyA.auth);
      expect(deadlines.status).toBe(200);
      expect(JSON.stringify(deadlines.body)).not.toContain(assigned.id);
      expect(JSON.stringify(deadlines.body)).not.toContain(assigned.reference);
      // B does see them: the filters are not simply empty.
      expect(JSON.stringify((await t.http.get('/api/cases').set(attorneyB.auth)).body)).toContain(assigned.id);
      expect(JSON.stringify((await t.http.get('/api/referrals').set(attorneyB.auth)).body)).toContain(pending.id);
    });

    it('attorney A\'s case list asked for B\'s case by its reference: the same empty page as a reference that names nothing, and the attempt is audited', async () => {
      const before = await deniedCount(attorneyA.userId);
      const probe = await t.http.get(`/api/cases?reference=${assigned.reference}`).set(attorneyA.auth).expect(200);
      const nothing = await t.http.get('/api/cases?reference=AMP-000000').set(attorneyA.auth).expect(200);
      expect(probe.body).toEqual({ ...nothing.body });
      expect(probe.body.total).toBe(0);
      expect(await deniedCount(attorneyA.userId)).toBe(before + 1);
      const [event] = await t.db.query(`SELECT case_id, case_reference, details FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1 ORDER BY id DESC LIMIT 1`, [attorneyA.userId]);
      expect(event).toEqual({ case_id: assigned.id, case_reference: assigned.reference, details: { via: 'list' } });
      // A closed case that never had an attorney is outside A's list too (its attorney column is null).
      const unassigned = await createCase(minimalBody());
      await t.http.post(`/api/cases/${unassigned.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
      const again = await deniedCount(attorneyA.userId);
      expect((await t.http.get(`/api/cases?reference=${unassigned.reference}`).set(attorneyA.auth).expect(200)).body.total).toBe(0);
      expect(await deniedCount(attorneyA.userId)).toBe(again + 1);
      // B's own list by the reference is no attempt.
      const own = await deniedCount(attorneyB.userId);
      expect((await t.http.get(`/api/cases?reference=${assigned.reference}`).set(attorneyB.auth).expect(200)).body.total).toBe(1);
      expect(await deniedCount(attorneyB.userId)).toBe(own);
    });

    it.each([
      ['accept', {}],
      ['decline', { reason: 'other' }],
    ])('POST /api/referrals/:id/%s on B\'s offer by attorney A is a 404, audited, and the offer stays open', async (action, body) => {
      const before = await deniedCount(attorneyA.userId);
      const res = await t.http.post(`/api/referrals/${pending.id}/${action}`).set(attorneyA.auth).send(body);
      const missing = await t.http.post(`/api/referrals/${ZERO_UUID}/${action}`).set(attorneyA.auth).send(body);
      expect(res.status).toBe(404);
      expect(res.body).toEqual(missing.body);
      // The attempt on B's referral is audited with its case; an id that names nothing is not (no event to flood with).
      expect(await deniedCount(attorneyA.userId)).toBe(before + 1);
      const [event] = await t.db.query(`SELECT case_id, details FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1 ORDER BY id DESC LIMIT 1`, [attorneyA.userId]);
      expect(event).toEqual({ case_id: pending.caseId, details: { referralId: pending.id } });
      const [row] = await t.db.query(`SELECT status, attorney_id FROM referrals WHERE id = $1`, [pending.id]);
      expect(row).toEqual({ status: 'offered', attorney_id: attorneyB.userId });
    });

    it('PATCH /api/deadlines/:id of B\'s case by attorney A is a 404 like a missing deadline, and changes nothing', async () => {
      const res = await t.http.patch(`/api/deadlines/${deadlineId}`).set(attorneyA.auth).send({ status: 'waived' });
      const missing = await t.http.patch(`/api/deadlines/${ZERO_UUID}`).set(attorneyA.auth).send({ status: 'waived' });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(missing.body);
      const [row] = await t.db.query(`SELECT status FROM deadlines WHERE id = $1`, [deadlineId]);
      expect(row.status).toBe('open');
    });

    it('PATCH /api/deadlines/:id of B\'s case by attorney A is audited as case.access_denied', async () => {
      const before = await deniedCount(attorneyA.userId);
      expect((await t.http.patch(`/api/deadlines/${deadlineId}`).set(attorneyA.auth).send({ status: 'met' })).status).toBe(404);
      expect(await deniedCount(attorneyA.userId)).toBe(before + 1);
      // On the trail of the case that was probed, naming the deadline.
      const [event] = await t.db.query(`SELECT case_id, details FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1 ORDER BY id DESC LIMIT 1`, [attorneyA.userId]);
      expect(event).toEqual({ case_id: assigned.id, details: { deadlineId } });
    });

    it('another intake volunteer cannot read or correct a volunteer\'s case (404, audited)', async () => {
      const mine = await createCase(minimalBody());
      const before = await deniedCount(otherIntake.userId);
      expect((await t.http.get(`/api/cases/${mine.id}`).set(otherIntake.auth)).status).toBe(404);
      expect((await t.http.patch(`/api/cases/${mine.id}`).set(otherIntake.auth).send({ client: { lastName: 'Changed' } })).status).toBe(404);
      expect(await deniedCount(otherIntake.userId)).toBe(before + 2);
      expect(JSON.stringify((await t.http.get('/api/cases').set(otherIntake.auth)).body)).not.toContain(mine.id);
    });

    it('another organization on the same server sees and reaches nothing of this one\'s (404 or empty), whatever its role', async () => {
      // The API creates no second organization: one is written as the owner would, with its admin.
      const owner = await t.owner();
      const [{ id: org2 }] = await owner.query(`INSERT INTO organizations (name) VALUES ('Second Example Org') RETURNING id`);
      const email2 = `admin2-${randomBytes(3).toString('hex')}@test.amparo.example`;
      await owner.query(`INSERT INTO users (organization_id, email, name, role, password_hash) VALUES ($1, $2, 'Second Admin', 'admin', $3)`, [
        org2, email2, await t.app.get(PasswordService).hash('second-admin-password'),
      ]);
      const admin2 = await login(t.http, email2, 'second-admin-password');
      const [coordinator2, intake2, attorney2] = [
        await createUser(t.http, admin2, 'coordinator'), await createUser(t.http, admin2, 'intake'), await createUser(t.http, admin2, 'attorney'),
      ];
      await t.http.put('/api/attorneys/me/profile').set(attorney2.auth).send(PROFILE).expect(200);
      const theirs = await t.http.post('/api/cases').set(intake2.auth).send(minimalBody()).expect(201);
      const ours = [assigned.id, pending.caseId];
      const everyone = [admin2, coordinator2, intake2, attorney2];
      // Every attempt that reached a record of ours (a 404, not refused by role first) is one event on our trail.
      const attemptsOnOurs = async () => (await t.db.query(
        `SELECT count(*)::int AS n FROM audit_events WHERE action = 'case.access_denied' AND organization_id <> $1 AND details->>'fromOrganizationId' = $1::text`,
        [org2]))[0].n as number;
      // Our cases as stored, with their events, referrals, deadlines and users: nothing tried from there changes them.
      const ourState = async () => (await t.db.query(
        `SELECT (SELECT md5(string_agg(c::text, '' ORDER BY c.id)) FROM cases c WHERE c.id = ANY($1::uuid[])) AS cases,
                (SELECT count(*)::int FROM case_events e WHERE e.case_id = ANY($1::uuid[])) AS events,
                (SELECT md5(string_agg(r::text, '' ORDER BY r.id)) FROM referrals r WHERE r.case_id = ANY($1::uuid[])) AS referrals,
                (SELECT md5(string_agg(d::text, '' ORDER BY d.id)) FROM deadlines d WHERE d.case_id = ANY($1::uuid[])) AS deadlines,
                (SELECT md5(string_agg(u::text, '' ORDER BY u.id)) FROM users u WHERE u.organization_id <> $2) AS users`,
        [ours, org2]))[0];
      const untouched = await ourState();
      expect(untouched).toEqual({ cases: expect.any(String), events: 0, referrals: expect.any(String), deadlines: expect.any(String), users: expect.any(String) });
      for (const who of everyone) {
        for (const id of ours) {
          for (const [method, url, body] of [
            ['GET', `/api/cases/${id}`], ['GET', `/api/cases/${id}/events`], ['PATCH', `/api/cases/${id}`, { narrative: 'from elsewhere' }],
            ['POST', `/api/cases/${id}/reveal`, { reason: 'looking from another organization' }], ['POST', `/api/cases/${id}/close`, { outcome: 'other' }],
            ['POST', `/api/cases/${id}/events`, { type: 'detainer_lodged', occurredAt: '2026-01-05T10:00:00Z' }], ['POST', `/api/cases/${id}/referrals`, {}],
          ] as [string, string, object?][]) {
            const before = await attemptsOnOurs();
            const res = await send(t.http, method, url, who.auth, body);
            expect({ url, role: res.status === 403 ? 'refused by role' : res.status }).toEqual({ url, role: res.status === 403 ? 'refused by role' : 404 });
            expect({ url, audited: (await attemptsOnOurs()) - before }).toEqual({ url, audited: res.status === 404 ? 1 : 0 });
          }
        }
        for (const [method, url, body] of [
          ['POST', `/api/referrals/${pending.id}/accept`], ['POST', `/api/referrals/${pending.id}/decline`, { reason: 'capacity' }],
          ['POST', `/api/referrals/${pending.id}/withdraw`], ['PATCH', `/api/deadlines/${deadlineId}`, { status: 'met' }],
          ['PATCH', `/api/users/${attorneyB.userId}`, { active: false }],
        ] as [string, string, object?][]) {
          // Refused by role (403) or not found (404): never done, and never a 400 that would stop before the check.
          const before = await attemptsOnOurs();
          const res = await send(t.http, method, url, who.auth, body);
          expect({ url, refused: res.status === 403 || res.status === 404 }).toEqual({ url, refused: true });
          // An attempt on one of our cases' records is audited; a user is not a case's record.
          const onACase = res.status === 404 && !url.startsWith('/api/users');
          expect({ url, audited: (await attemptsOnOurs()) - before }).toEqual({ url, audited: onACase ? 1 : 0 });
        }
        // Lists hold nothing of ours.
        for (const url of ['/api/cases?limit=200', '/api/deadlines?limit=200&status=all', '/api/referrals?limit=200', '/api/audit?limit=200', '/api/attorneys', '/api/users?limit=200',
          `/api/cases?aNumber=A111-222-333`, `/api/audit?caseId=${assigned.id}`]) {
          const res = await send(t.http, 'GET', url, who.auth);
          const text = JSON.stringify(res.body);
          for (const foreign of [...ours, attorneyA.userId, attorneyB.userId, coordinator.userId, 'IDORX', assigned.reference]) {
            expect({ url, found: text.includes(foreign) }).toEqual({ url, found: false });
          }
        }
      }
      expect(await ourState()).toEqual(untouched);
      // Each attempt on one of our cases is on our trail (the organization whose client it is), naming where it came
      // from; theirs holds nothing of ours (above), and ours still verifies.
      const attempts: { actor_id: string; details: object }[] = await t.db.query(
        `SELECT DISTINCT actor_id, details FROM audit_events WHERE action = 'case.access_denied' AND case_id = $1 AND organization_id <> $2
            AND actor_id IN (SELECT id FROM users WHERE organization_id = $2)`, [assigned.id, org2]);
      expect([...new Set(attempts.map((a) => a.actor_id))].sort()).toEqual([coordinator2.userId, intake2.userId, attorney2.userId].sort());
      for (const a of attempts) expect(a.details).toEqual(expect.objectContaining({ fromOrganizationId: org2 }));
      expect((await t.http.get('/api/audit/verify').set(admin.auth).expect(200)).body.ok).toBe(true);
      // Our side cannot reach theirs either, nor offer our case to their attorney or theirs to ours.
      expect((await t.http.get(`/api/cases/${theirs.body.id}`).set(coordinator.auth)).status).toBe(404);
      // Cases that could be offered (new, with consent), so that only the organization stands in the way.
      const offerable = { ...minimalBody(), consent: { shareWithAttorney: true, obtainedFrom: 'client' } };
      const ourNew = (await t.http.post('/api/cases').set(intake.auth).send(offerable).expect(201)).body.id;
      const theirNew = (await t.http.post('/api/cases').set(intake2.auth).send(offerable).expect(201)).body.id;
      for (const [caseId, who, attorneyId] of [[ourNew, coordinator, attorney2.userId], [theirNew, coordinator2, attorneyA.userId]] as const) {
        const offer = await t.http.post(`/api/cases/${caseId}/referrals`).set(who.auth).send({ attorneyId });
        expect([offer.status, offer.body.code]).toEqual([422, 'NOT_AN_ATTORNEY']);
        expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1`, [caseId])).toEqual([]);
      }
    });
  });

  describe('2. Privilege escalation: intake or attorney calling admin or coordinator routes gets 403; role, organizationId, assignedAttorneyId or status in a body is a 400', () => {
    let caseId: string;
    let referralId: string;

    beforeAll(async () => {
      const c = await createCase(minimalBody());
      caseId = c.id;
      const routable = await createCase({ ...minimalBody(), consent: { shareWithAttorney: true, obtainedFrom: 'client' }, client: { lastName: 'Escalation', preferredLanguage: 'spa' } });
      referralId = (await offer(routable.id, attorneyA)).id;
    });

    const adminOrCoordinatorRoutes = (): [string, string, Body | undefined, string[]][] => [
      ['POST', '/api/users', { email: 'escalate@test.amparo.example', name: 'E', role: 'admin', password: 'escalation-password-1' }, ['admin']],
      ['PATCH', `/api/users/${intake.userId}`, { role: 'admin' }, ['admin']],
      ['PATCH', `/api/users/${attorneyA.userId}`, { role: 'coordinator' }, ['admin']],
      ['GET', '/api/audit/verify', undefined, ['admin']],
      ['PATCH', '/api/organization', { autoRouting: true }, ['admin']],
      ['GET', '/api/audit', undefined, ['admin', 'coordinator']],
      ['GET', '/api/users', undefined, ['admin', 'coordinator']],
      ['GET', '/api/organization', undefined, ['admin', 'coordinator']],
      ['PUT', `/api/attorneys/${attorneyA.userId}/profile`, { ...PROFILE, maxActiveCases: 0 }, ['admin', 'coordinator']],
      ['GET', '/api/attorneys', undefined, ['coordinator']],
      ['POST', `/api/cases/${caseId}/reveal`, { reason: 'I want to see everything' }, ['coordinator']],
      ['POST', `/api/cases/${caseId}/referrals`, { attorneyId: attorneyA.userId }, ['coordinator']],
      ['POST', `/api/referrals/${referralId}/withdraw`, {}, ['coordinator']],
      ['POST', `/api/cases/${caseId}/reopen`, undefined, ['coordinator']],
    ];

    it('the list above is every route neither intake nor an attorney may call', () => {
      const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector))
        .map((line) => line.split(' '))
        .filter(([, , rule]) => !['public', 'authenticated'].includes(rule) && !rule.split(',').some((role) => role === 'intake' || role === 'attorney'))
        .map(([method, path]) => `${method} ${path}`);
      const listed = adminOrCoordinatorRoutes().map(([method, url]) =>
        `${method} ${url.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id').replace('/api/attorneys/:id/', '/api/attorneys/:userId/')}`);
      expect([...new Set(listed)].sort()).toEqual(routes.sort());
    });

    it('intake and attorney get 403 on every admin and coordinator route, with real ids, and nothing changes', async () => {
      for (const who of [intake, attorneyA]) {
        for (const [method, url, body] of adminOrCoordinatorRoutes()) {
          const res = await send(t.http, method, url, who.auth, body);
          expect({ who: who.email, method, url, status: res.status }).toEqual({ who: who.email, method, url, status: 403 });
          expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
        }
      }
      expect((await t.http.get('/api/auth/me').set(intake.auth)).body.role).toBe('intake');
      expect((await t.http.get('/api/auth/me').set(attorneyA.auth)).body.role).toBe('attorney');
      expect((await t.http.get('/api/organization').set(admin.auth)).body.autoRouting).toBe(false);
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [referralId]))[0].status).toBe('offered');
      expect(await t.db.query(`SELECT 1 FROM users WHERE email = 'escalate@test.amparo.example'`)).toEqual([]);
      expect(await t.db.query(`SELECT 1 FROM audit_events WHERE action = 'case.reveal' AND case_id = $1`, [caseId])).toEqual([]);
    });

    it('a coordinator gets 403 on admin-only routes, and nothing changes', async () => {
      const state = async () => ({
        users: await t.db.query(`SELECT id, email, role, active FROM users ORDER BY id`),
        organization: (await t.http.get('/api/organization').set(admin.auth).expect(200)).body,
      });
      const before = await state();
      for (const [method, url, body, allowed] of adminOrCoordinatorRoutes()) {
        if (allowed.includes('coordinator')) continue;
        const res = await send(t.http, method, url, coordinator.auth, body);
        expect({ url, status: res.status }).toEqual({ url, status: 403 });
        expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      }
      expect(await state()).toEqual(before);
    });

    it('an admin gets 403 on every case route: admins do not read case content', async () => {
      for (const [method, url, body] of [
        ['GET', '/api/cases', undefined], ['GET', `/api/cases/${caseId}`, undefined], ['PATCH', `/api/cases/${caseId}`, { narrative: 'x' }],
        ['POST', `/api/cases/${caseId}/reveal`, { reason: 'admin wants to look' }], ['POST', '/api/cases', minimalBody()],
      ] as [string, string, Body | undefined][]) {
        expect({ url, method, status: (await send(t.http, method, url, admin.auth, body)).status }).toEqual({ url, method, status: 403 });
      }
    });

    const escalations = (): [string, string, () => Session, Body, string][] => [
      ['POST', '/api/cases', () => intake, { ...minimalBody(), status: 'assigned' }, 'status'],
      ['POST', '/api/cases', () => intake, { ...minimalBody(), assignedAttorneyId: attorneyA.userId }, 'assignedAttorneyId'],
      ['POST', '/api/cases', () => intake, { ...minimalBody(), organizationId: ZERO_UUID }, 'organizationId'],
      ['POST', '/api/cases', () => intake, { ...minimalBody(), createdBy: otherIntake.userId }, 'createdBy'],
      ['PATCH', `/api/cases/${caseId}`, () => intake, { status: 'closed' }, 'status'],
      ['PATCH', `/api/cases/${caseId}`, () => coordinator, { status: 'assigned' }, 'status'],
      ['PATCH', `/api/cases/${caseId}`, () => coordinator, { assignedAttorneyId: attorneyA.userId }, 'assignedAttorneyId'],
      ['PATCH', `/api/cases/${caseId}`, () => intake, { organizationId: ZERO_UUID }, 'organizationId'],
      ['PATCH', `/api/cases/${caseId}`, () => intake, { custody: { status: 'unknown', role: 'admin' } }, 'custody.role'],
      ['POST', `/api/cases/${caseId}/close`, () => coordinator, { outcome: 'represented', status: 'new' }, 'status'],
      ['POST', `/api/cases/${caseId}/referrals`, () => coordinator, { attorneyId: attorneyA.userId, status: 'accepted' }, 'status'],
      ['PUT', '/api/attorneys/me/profile', () => attorneyA, { ...PROFILE, userId: attorneyB.userId }, 'userId'],
      ['PUT', '/api/attorneys/me/profile', () => attorneyA, { ...PROFILE, organizationId: ZERO_UUID }, 'organizationId'],
      ['PATCH', `/api/users/${intake.userId}`, () => admin, { organizationId: ZERO_UUID }, 'organizationId'],
      ['PATCH', `/api/users/${intake.userId}`, () => admin, { email: 'taken.over@test.amparo.example' }, 'email'],
      ['PATCH', `/api/users/${intake.userId}`, () => admin, { passwordHash: 'x' }, 'passwordHash'],
      ['POST', '/api/users', () => admin, { email: 'x@test.amparo.example', name: 'X', role: 'intake', password: 'long-enough-pass', organizationId: ZERO_UUID }, 'organizationId'],
      ['POST', '/api/users', () => admin, { email: 'y@test.amparo.example', name: 'Y', role: 'superadmin', password: 'long-enough-pass' }, 'role'],
      ['PATCH', '/api/organization', () => admin, { id: ZERO_UUID }, 'id'],
      ['POST', '/api/auth/login', () => admin, { email: intake.email, password: intake.password, role: 'admin' }, 'role'],
    ];

    it('a body that sets a field it may not set is a 400 naming that field, and nothing is stored', async () => {
      const before = (await t.db.query(`SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM users) AS users`))[0];
      for (const [method, url, who, body, field] of escalations()) {
        const res = await send(t.http, method, url, who().auth, body);
        expect({ method, url, field, status: res.status }).toEqual({ method, url, field, status: 400 });
        expect(res.body.fields?.[field]).toBeDefined();
        expect(res.body.message).toContain(field);
      }
      const after = (await t.db.query(`SELECT (SELECT count(*)::int FROM cases) AS cases, (SELECT count(*)::int FROM users) AS users`))[0];
      expect(after).toEqual(before);
      const [c] = await t.db.query(`SELECT status, assigned_attorney_id, organization_id FROM cases WHERE id = $1`, [caseId]);
      expect(c).toMatchObject({ status: 'new', assigned_attorney_id: null, organization_id: (await t.http.get('/api/auth/me').set(intake.auth)).body.organizationId });
      const [p] = await t.db.query(`SELECT user_id FROM attorney_profiles WHERE user_id = $1`, [attorneyA.userId]);
      expect(p).toBeDefined();
      expect((await t.http.get('/api/auth/me').set(intake.auth)).body.email).toBe(intake.email);
    });

    it('a body on POST /api/referrals/:id/accept (a route that takes none) is refused, not silently ignored', async () => {
      const res = await t.http.post(`/api/referrals/${referralId}/accept`).set(attorneyA.auth).send({ attorneyId: attorneyB.userId, status: 'accepted' });
      expect(res.status).toBe(400);
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [referralId]))[0].status).toBe('offered');
    });
  });

  describe('3. Responses never carry a field the caller may not read (every GET route, every role, canary values)', () => {
    const canaries: Record<'N' | 'A' | 'O' | 'R', { id: string; needles: string[]; reference: string }> = {} as any;
    let calendarUrls: Record<string, string>;

    beforeAll(async () => {
      // N: new, only its creating volunteer reads it; A: accepted by attorney A; O: offered to attorney B, not accepted;
      // R: accepted by attorney A, who then stepped down (nobody reads it now: the volunteer's window ended at the
      // acceptance, the attorney's at the release).
      const specs = { N: canaryCase('CNRYN', 'A234-567-801'), A: canaryCase('CNRYA', 'A234-567-802'), O: canaryCase('CNRYO', 'A234-567-803'), R: canaryCase('CNRYR', 'A234-567-804') };
      specs.N = { body: intakeBody(), needles: [CANARY.firstName, CANARY.lastName, CANARY.aNumber, CANARY.aNumberDigits, CANARY.phone, '5125550142', 'client.canary@example.org', '100 Example Street', 'Exampleland', 'example status', 'example history', 'code word: example', 'Caller Canarian', 'BK-CANARY-77', 'Narrative canary text', '1990-04-02'] };
      for (const key of ['N', 'A', 'O', 'R'] as const) {
        const created = await t.http.post('/api/cases').set(intake.auth).send(specs[key].body);
        expect(created.status).toBe(201);
        for (const needle of specs[key].needles) expect(created.text).not.toContain(needle);
        canaries[key] = { id: created.body.id, reference: created.body.reference, needles: specs[key].needles };
      }
      await assign(canaries.A.id, attorneyA);
      await offer(canaries.O.id, attorneyB);
      await assign(canaries.R.id, attorneyA);
      await t.http.post(`/api/cases/${canaries.R.id}/release`).set(attorneyA.auth).send({ reason: 'capacity' }).expect(204);
      // Deadlines on the board and in the feeds, and a coordinator correction and reveal in the trail.
      await t.http.post(`/api/cases/${canaries.A.id}/events`).set(attorneyA.auth)
        .send({ type: 'hearing_scheduled', occurredAt: new Date().toISOString(), hearingType: 'bond', scheduledAt: '2030-02-04T09:00:00-06:00' }).expect(201);
      await t.http.post(`/api/cases/${canaries.N.id}/reveal`).set(coordinator.auth).send({ reason: 'Confirming the bond hearing date' }).expect(200);
      calendarUrls = {};
      for (const [name, who] of [['coordinator', coordinator], ['attorneyA', attorneyA], ['attorneyB', attorneyB]] as const) {
        const res = await t.http.post('/api/calendar/token').set(who.auth).send();
        expect(res.status).toBe(201);
        calendarUrls[name] = `/api/calendar/${res.body.token}.ics`;
      }
    });

    it('the list of GET routes below is every GET route the app has', () => {
      const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector));
      expect(routes.filter((r) => r.startsWith('GET '))).toEqual(GET_ROUTES);
    });

    const urlsFor = (route: string): string[] => {
      const path = route.split(' ')[1];
      const ids = Object.values(canaries);
      switch (path) {
        case '/api/cases/:id': return ids.map((c) => `/api/cases/${c.id}`);
        case '/api/cases/:id/events': return ids.map((c) => `/api/cases/${c.id}/events`);
        case '/api/calendar/:file': return [...Object.values(calendarUrls), '/api/calendar/not-a-token.ics'];
        case '/api/cases': return ['/api/cases', '/api/cases?status=assigned', '/api/cases?limit=200', ...ids.map((c) => `/api/cases?aNumber=${encodeURIComponent(c.needles[3])}`)];
        case '/api/audit': return ['/api/audit?limit=200', ...ids.map((c) => `/api/audit?caseId=${c.id}`)];
        case '/api/referrals': return ['/api/referrals', '/api/referrals?status=offered', '/api/referrals?status=accepted'];
        case '/api/deadlines': return ['/api/deadlines', '/api/deadlines?status=open&limit=200'];
        case '/api/facilities': return ['/api/facilities?state=TX'];
        default: return [path];
      }
    };

    /** The only ways to read a case's sensitive values over GET: its creating volunteer (fresh) and its accepted attorney. */
    const mayRead = (role: string, url: string): (keyof typeof canaries)[] => {
      if (role === 'intake' && url === `/api/cases/${canaries.N.id}`) return ['N'];
      if (role === 'intake' && url === `/api/cases/${canaries.O.id}`) return ['O'];
      if (role === 'attorneyA' && url === `/api/cases/${canaries.A.id}`) return ['A'];
      return [];
    };

    it('no GET answer, for any role or none, carries a canary value the caller may not read', async () => {
      const roles: [string, Record<string, string> | null][] = [
        ['anonymous', null], ['admin', admin.auth], ['coordinator', coordinator.auth], ['intake', intake.auth],
        ['otherIntake', otherIntake.auth], ['attorneyA', attorneyA.auth], ['attorneyB', attorneyB.auth],
      ];
      let checked = 0;
      let readable = 0;
      for (const route of GET_ROUTES) {
        for (const url of urlsFor(route)) {
          for (const [role, auth] of roles) {
            const res = await send(t.http, 'GET', url, auth);
            expect({ role, url, status: res.status }).toEqual({ role, url, status: res.status < 500 ? res.status : 'not a 500' });
            const allowed = mayRead(role, url);
            for (const key of ['N', 'A', 'O', 'R'] as const) {
              for (const needle of canaries[key].needles) {
                const leaked = res.text.includes(needle);
                if (allowed.includes(key) && canaries[key].needles.slice(0, 2).includes(needle)) {
                  readable += 1;
                  expect({ role, url, needle, present: leaked }).toEqual({ role, url, needle, present: true });
                } else if (leaked && !allowed.includes(key)) {
                  expect({ role, url, leaked: needle }).toEqual({ role, url, leaked: 'nothing' });
                }
              }
            }
            checked += 1;
          }
        }
      }
      expect(checked).toBeGreaterThan(150);
      expect(readable).toBe(6);
    });

    it('the feeds and the referral lists are exercised with content, not empty', async () => {
      const feed = await t.http.get(calendarUrls.attorneyA);
      expect(feed.status).toBe(200);
      expect(feed.text).toContain(canaries.A.reference);
      const mine = await t.http.get('/api/referrals?status=offered').set(attorneyB.auth);
      expect(JSON.stringify(mine.body)).toContain(canaries.O.id);
      expect(mine.body.items.find((r: Body) => r.caseId === canaries.O.id).case).toMatchObject({ language: 'spa', county: 'Harris' });
    });

    it('the creating volunteer loses the full view after 72 hours; a coordinator reads it only through an audited reveal', async () => {
      clock.advance(72 * 3600_000 + 60_000);
      try {
        const res = await t.http.get(`/api/cases/${canaries.N.id}`).set(intake.auth);
        expect(res.status).toBe(200);
        expect(res.body.view).toBe('summary');
        for (const needle of canaries.N.needles) expect(res.text).not.toContain(needle);
        // Nor may they correct what they no longer see: a 403 naming the fields refused.
        const corrected = await t.http.patch(`/api/cases/${canaries.N.id}`).set(intake.auth).send({ client: { phone: '512-555-0199' }, narrative: 'More detail' });
        expect([corrected.status, Object.keys(corrected.body.fields ?? {}).sort()]).toEqual([403, ['client.phone', 'narrative']]);
        // Nor record the manner of entry, an immigration-status fact, in an event: a 403 naming it, nothing stored.
        const entry = await t.http.post(`/api/cases/${canaries.N.id}/events`).set(intake.auth).send({ type: 'entered_us', occurredAt: '2020-02-03', manner: 'ewi' });
        expect([entry.status, Object.keys(entry.body.fields ?? {})]).toEqual([403, ['manner']]);
        expect(await t.db.query(`SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'entered_us'`, [canaries.N.id])).toHaveLength(0);
      } finally {
        clock.set(new Date());
      }
      const summary = await t.http.get(`/api/cases/${canaries.A.id}`).set(coordinator.auth);
      for (const needle of canaries.A.needles) expect(summary.text).not.toContain(needle);
      const reveal = await t.http.post(`/api/cases/${canaries.A.id}/reveal`).set(coordinator.auth).send({ reason: 'Calling the family about the hearing' });
      expect(reveal.status).toBe(200);
      expect(reveal.body.client.lastName).toBe('QuixenCNRYA');
      const audit = await t.http.get(`/api/audit?caseId=${canaries.A.id}&action=case.reveal`).set(coordinator.auth);
      expect(audit.body.items).toHaveLength(1);
      for (const needle of canaries.A.needles) expect(JSON.stringify(audit.body)).not.toContain(needle);
    });

    it('no write answer, on any route, for any role or none, carries a canary value the caller could not read with GET', async () => {
      // Each probe runs on a case of its own, made with canary values of its own, in the state the route acts on.
      let made = 0;
      const fresh = async (state: 'new' | 'offered' | 'assigned' | 'closed') => {
        made += 1;
        const digits = String(780_000_000 + made);
        const tag = `WR${String.fromCharCode(65 + Math.floor(made / 26) % 26)}${String.fromCharCode(65 + (made % 26))}`;
        const spec = canaryCase(tag, `A${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`);
        const c = await createCase(spec.body);
        const referral = state === 'offered' ? await offer(c.id, attorneyB) : state === 'assigned' || state === 'closed' ? await assign(c.id, attorneyA) : null;
        if (state === 'closed') await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
        return { id: c.id, referralId: referral?.id ?? null, needles: spec.needles };
      };
      type Target = Awaited<ReturnType<typeof fresh>>;
      const today = new Date(clock.now()).toISOString();
      const scratch = await createUser(t.http, admin, 'intake');
      // Per route, one or more probes: the state of the case it acts on (none: not a case route), and the request
      // (`own`: a signed-in user of the caller's role of its own, for what uses up or changes the session or password).
      type Probe = {
        state?: 'new' | 'offered' | 'assigned' | 'closed';
        request: (c: Target | null, own: Session | null) => Promise<[string, string, Body | undefined]>;
        ownSession?: boolean;
      };
      const probes: Record<string, Probe[]> = {
        'PATCH /api/cases/:id': [
          { state: 'assigned', request: async (c) => ['PATCH', `/api/cases/${c!.id}`, { consent: { obtainedFrom: 'client' } }] },
          { state: 'assigned', request: async (c) => ['PATCH', `/api/cases/${c!.id}`, { custody: { detainerLodged: true } }] },
          // A coordinator corrects sensitive values they cannot see (the contact answers merged over the stored ones).
          { state: 'assigned', request: async (c) => ['PATCH', `/api/cases/${c!.id}`, { client: { phone: '+1 512 555 0999', safeToContact: { sms: false } } }] },
        ],
        'PATCH /api/deadlines/:id': [{
          state: 'assigned',
          request: async (c) => {
            const [d] = await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL LIMIT 1`, [c!.id]);
            return ['PATCH', `/api/deadlines/${d.id}`, { status: 'met', note: 'Filed at the window' }];
          },
        }],
        'POST /api/cases/:id/close': [{ state: 'assigned', request: async (c) => ['POST', `/api/cases/${c!.id}/close`, { outcome: 'advice_given' }] }],
        'POST /api/cases/:id/events': [{ state: 'assigned', request: async (c) => ['POST', `/api/cases/${c!.id}/events`, { type: 'address_changed', occurredAt: today }] }],
        'POST /api/cases/:id/events/:eventId/retract': [{
          state: 'assigned',
          request: async (c) => {
            const recorded = await t.http.post(`/api/cases/${c!.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: today }).expect(201);
            return ['POST', `/api/cases/${c!.id}/events/${recorded.body.event.id}/retract`, {}];
          },
        }],
        'POST /api/cases/:id/referrals': [{ state: 'new', request: async (c) => ['POST', `/api/cases/${c!.id}/referrals`, { attorneyId: attorneyB.userId }] }],
        'POST /api/cases/:id/release': [{ state: 'assigned', request: async (c) => ['POST', `/api/cases/${c!.id}/release`, { reason: 'capacity' }] }],
        'POST /api/cases/:id/reopen': [{ state: 'closed', request: async (c) => ['POST', `/api/cases/${c!.id}/reopen`, undefined] }],
        'POST /api/cases/:id/reveal': [{ state: 'assigned', request: async (c) => ['POST', `/api/cases/${c!.id}/reveal`, { reason: 'Checking the hearing date' }] }],
        'POST /api/referrals/:id/accept': [{ state: 'offered', request: async (c) => ['POST', `/api/referrals/${c!.referralId}/accept`, {}] }],
        'POST /api/referrals/:id/decline': [{ state: 'offered', request: async (c) => ['POST', `/api/referrals/${c!.referralId}/decline`, { reason: 'capacity' }] }],
        'POST /api/referrals/:id/withdraw': [{ state: 'offered', request: async (c) => ['POST', `/api/referrals/${c!.referralId}/withdraw`, {}] }],
        'POST /api/cases': [{ request: async () => ['POST', '/api/cases', minimalBody()] }],
        'PATCH /api/organization': [{ request: async () => ['PATCH', '/api/organization', { autoRouting: false }] }],
        'PATCH /api/users/:id': [{ request: async () => ['PATCH', `/api/users/${scratch.userId}`, { name: 'Scratch Volunteer' }] }],
        'POST /api/users': [{
          request: async () => ['POST', '/api/users', { email: `sweep.${randomBytes(4).toString('hex')}@example.org`, name: 'Sweep Volunteer', role: 'intake', password: 'sweep-password-long-enough' }],
        }],
        'POST /api/auth/login': [{ request: async () => ['POST', '/api/auth/login', { email: scratch.email, password: scratch.password }] }],
        'POST /api/auth/logout': [{ ownSession: true, request: async () => ['POST', '/api/auth/logout', {}] }],
        'POST /api/auth/password': [{
          ownSession: true,
          request: async (_c, own) => ['POST', '/api/auth/password', { currentPassword: own?.password ?? 'not-signed-in', newPassword: `${own?.password ?? 'x'}-changed-now` }],
        }],
        'POST /api/auth/refresh': [{ ownSession: true, request: async (_c, own) => ['POST', '/api/auth/refresh', { refreshToken: own?.refreshToken ?? 'x'.repeat(40) }] }],
        'POST /api/calendar/token': [{ request: async () => ['POST', '/api/calendar/token', undefined] }],
        'DELETE /api/calendar/token': [{ request: async () => ['DELETE', '/api/calendar/token', undefined] }],
        'PUT /api/attorneys/:userId/profile': [{ request: async () => ['PUT', `/api/attorneys/${attorneyB.userId}/profile`, PROFILE] }],
        'PUT /api/attorneys/me/profile': [{ request: async () => ['PUT', '/api/attorneys/me/profile', PROFILE] }],
      };
      const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector))
        .filter((r) => !r.startsWith('GET ')).map((r) => r.split(' ').slice(0, 2).join(' '));
      expect(routes.sort()).toEqual(Object.keys(probes).sort());

      const roles: [string, Session | null, 'admin' | 'coordinator' | 'intake' | 'attorney' | null][] = [
        ['anonymous', null, null], ['admin', admin, 'admin'], ['coordinator', coordinator, 'coordinator'], ['intake', intake, 'intake'],
        ['otherIntake', otherIntake, 'intake'], ['attorneyA', attorneyA, 'attorney'], ['attorneyB', attorneyB, 'attorney'],
      ];
      const everyNeedle = () => [...Object.values(canaries).flatMap((c) => c.needles)];
      const targets: Target[] = [];
      let succeeded = 0;
      const wentThrough = new Set<string>();
      for (const route of routes) {
        for (const probe of probes[route]) {
          for (const [role, who, roleName] of roles) {
            const target = probe.state ? await fresh(probe.state) : null;
            if (target) targets.push(target);
            const own = probe.ownSession && roleName ? await createUser(t.http, admin, roleName) : null;
            const [method, url, body] = await probe.request(target, own);
            const res = await send(t.http, method, url, (own ?? who)?.auth ?? null, body);
            expect({ route, role, status: res.status }).toEqual({ route, role, status: res.status < 500 ? res.status : 'not a 500' });
            if (res.status < 300) {
              succeeded += 1;
              wentThrough.add(route);
            }
            // What the same caller reads of that case with GET right after (an audited reveal is the coordinator's way in).
            const readable = new Set<string>();
            if (target && who) {
              const view = await t.http.get(`/api/cases/${target.id}`).set(who.auth);
              for (const needle of target.needles) if (view.text.includes(needle)) readable.add(needle);
              if (route === 'POST /api/cases/:id/reveal' && role === 'coordinator') target.needles.forEach((n) => readable.add(n));
            }
            for (const needle of [...everyNeedle(), ...targets.flatMap((x) => x.needles)]) {
              if (res.text.includes(needle) && !readable.has(needle)) expect({ route, role, leaked: needle }).toEqual({ route, role, leaked: 'nothing' });
            }
          }
        }
      }
      // Not a sweep of refusals: every route went through for a role that may call it.
      expect(routes.filter((r) => !wentThrough.has(r))).toEqual([]);
      expect(succeeded).toBeGreaterThanOrEqual(50);
    }, 180_000);
  });

  describe('4. A ciphertext copied to another row or column fails with an integrity error, never another person\'s data; a flipped bit or a truncated tag is rejected', () => {
    const expectIntegrityFailure = async (id: string, forbidden: string[]) => {
      for (const [who, method, url, body] of [
        [intake, 'GET', `/api/cases/${id}`, undefined],
        [coordinator, 'POST', `/api/cases/${id}/reveal`, { reason: 'Checking an integrity failure' }],
      ] as [Session, string, string, Body | undefined][]) {
        const res = await send(t.http, method, url, who.auth, body);
        expect(res.status).toBe(500);
        expect(Object.keys(res.body).sort()).toEqual(['error', 'errorId', 'message', 'statusCode']);
        expect(res.body.message).toBe('Internal error');
        for (const needle of forbidden) expect(res.text).not.toContain(needle);
        expect(res.text).not.toMatch(STACK_TRACE);
        expect(logs).toContain(res.body.errorId);
      }
    };

    it('a ciphertext copied to another case\'s row', async () => {
      const victim = canaryCase('MOVEV', 'A345-678-901');
      const v = await createCase(victim.body);
      const other = await createCase({ ...minimalBody(), client: { firstName: 'Otherperson', lastName: 'Example', preferredLanguage: 'spa' } });
      await t.db.query(`UPDATE cases SET client_last_name = (SELECT client_last_name FROM cases WHERE id = $1) WHERE id = $2`, [v.id, other.id]);
      await expectIntegrityFailure(other.id, victim.needles);
    });

    it('a ciphertext moved to another column of the same row', async () => {
      const c = canaryCase('MOVEC', 'A345-678-902');
      const { id } = await createCase(c.body);
      await t.db.query(`UPDATE cases SET client_first_name = client_a_number WHERE id = $1`, [id]);
      await expectIntegrityFailure(id, c.needles);
    });

    it('a wrapped data key copied to another case', async () => {
      const a = canaryCase('MOVEK', 'A345-678-903');
      const ida = (await createCase(a.body)).id;
      const idb = (await createCase(canaryCase('MOVEL', 'A345-678-904').body)).id;
      await t.db.query(`UPDATE case_keys SET wrapped_key = (SELECT wrapped_key FROM case_keys WHERE case_id = $1) WHERE case_id = $2`, [ida, idb]);
      await expectIntegrityFailure(idb, a.needles);
    });

    it('a wrapped data key and a ciphertext copied together to another case (both bound to their case, not only the key to the data)', async () => {
      const a = canaryCase('MOVEB', 'A345-678-906');
      const ida = (await createCase(a.body)).id;
      const idb = (await createCase({ ...minimalBody(), client: { firstName: 'Otherperson', lastName: 'Example', preferredLanguage: 'spa' } })).id;
      await t.db.query(`UPDATE case_keys SET wrapped_key = (SELECT wrapped_key FROM case_keys WHERE case_id = $1) WHERE case_id = $2`, [ida, idb]);
      // Every encrypted column: one left under the other case's own key would fail whatever binds the rest.
      const encrypted: string[] = (await t.db.query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND data_type = 'bytea' AND table_schema = current_schema()`,
      )).map((r: { column_name: string }) => r.column_name);
      expect(encrypted).toEqual(expect.arrayContaining(['client_last_name', 'client_a_number', 'narrative']));
      await t.db.query(`UPDATE cases b SET ${encrypted.map((col) => `${col} = a.${col}`).join(', ')} FROM cases a WHERE a.id = $1 AND b.id = $2`, [ida, idb]);
      await expectIntegrityFailure(idb, a.needles);
    });

    it('each binding holds on its own: a data key opens only under its case, a field only under its case, even with the right key', async () => {
      // Through HTTP one binding hides the other (a copied ciphertext fails under the other case's key anyway): asked
      // directly, a key wrapped for case A does not unwrap as case B's, and A's fields under A's own key do not open as
      // B's row.
      const a = canaryCase('BINDA', 'A345-678-907'); // its last name: QuixenBINDA
      const ida = (await createCase(a.body)).id;
      const idb = (await createCase(minimalBody())).id;
      const cipher = t.app.get(CaseCipher);
      const keyA = await cipher.loadKey(t.db.manager, ida);
      const [rowA] = await t.db.query(`SELECT * FROM cases WHERE id = $1`, [ida]);
      expect(cipher.decrypt(keyA!, ida, rowA)['client.lastName']).toBe('QuixenBINDA');
      expect(() => cipher.decrypt(keyA!, idb, rowA)).toThrow(CryptoIntegrityError);
      await t.db.query(`UPDATE case_keys SET wrapped_key = (SELECT wrapped_key FROM case_keys WHERE case_id = $1) WHERE case_id = $2`, [ida, idb]);
      await expect(cipher.loadKey(t.db.manager, idb)).rejects.toBeInstanceOf(CryptoIntegrityError);
    });

    it.each([
      ['a flipped bit in the ciphertext', `set_byte(narrative, length(narrative) - 20, get_byte(narrative, length(narrative) - 20) # 1)`],
      ['a flipped bit in the tag', `set_byte(narrative, length(narrative) - 1, get_byte(narrative, length(narrative) - 1) # 128)`],
      ['a tag truncated by 4 bytes', `substring(narrative from 1 for length(narrative) - 4)`],
      ['a tag truncated by 12 bytes', `substring(narrative from 1 for length(narrative) - 12)`],
      ['a changed key id', `set_byte(narrative, 2, get_byte(narrative, 2) # 1)`],
      ['an empty value', `''::bytea`],
    ])('%s', async (_name, expression) => {
      const c = canaryCase('FLIPX', 'A345-678-905');
      const { id } = await createCase(c.body);
      await t.db.query(`UPDATE cases SET narrative = ${expression} WHERE id = $1`, [id]);
      await expectIntegrityFailure(id, [c.body.narrative]);
    });
  });

  describe('5. KEK rotation: new writes use the new key, old records stay readable during and after re-wrapping', () => {
    it('with two app instances on one database', async () => {
      const databaseUrl = await createTestDatabase();
      const oldApp = await createTestApp({ databaseUrl });
      const newKey = `k2:${randomBytes(32).toString('base64')}`;
      let newApp: TestApp | undefined;
      let onlyNew: TestApp | undefined;
      try {
        const a = await loginAdmin(oldApp.http);
        const volunteer = await createUser(oldApp.http, a, 'intake');
        const old: string[] = [];
        for (let i = 0; i < 6; i++) {
          const res = await oldApp.http.post('/api/cases').set(volunteer.auth).send(intakeBody());
          expect(res.status).toBe(201);
          old.push(res.body.id);
        }
        const kek = async (id: string) => (await oldApp.db.query(`SELECT kek_id FROM case_keys WHERE case_id = $1`, [id]))[0].kek_id;
        const fieldBytes = async () => (await oldApp.db.query(`SELECT id, client_last_name, narrative FROM cases ORDER BY id`)) as Body[];
        expect(await kek(old[0])).toBe('k1');

        newApp = await createTestApp({ databaseUrl, env: { AMPARO_KEYS: `${newKey},${TEST_KEYS.keyring}` } });
        const s = await login(newApp.http, volunteer.email, volunteer.password);
        const fresh = await newApp.http.post('/api/cases').set(s.auth).send(intakeBody());
        expect(fresh.status).toBe(201);
        expect(await kek(fresh.body.id)).toBe('k2');
        expect(await kek(old[0])).toBe('k1');
        const before = await fieldBytes();

        // Re-wrapping while reads go on: every read during the rotation answers the right record.
        const service = newApp.app.get(KeyRotationService);
        const reads = Promise.all(
          [...old, ...old].map((id) => newApp!.http.get(`/api/cases/${id}`).set(s.auth).then((r) => [r.status, r.body.client?.aNumber])),
        );
        const [result, answers] = await Promise.all([service.rotate(), reads]);
        for (const answer of answers) expect(answer).toEqual([200, CANARY.aNumber]);
        expect(result).toMatchObject({ rewrapped: 6, failed: [] });
        expect(result.status.dataKeysByKeyId).toEqual({ k1: 0, k2: 7 });
        for (const id of old) expect(await kek(id)).toBe('k2');
        // Only the data keys changed: field ciphertexts are untouched.
        expect(await fieldBytes()).toEqual(before);
        const audit = await newApp.db.query(`SELECT details FROM audit_events WHERE action = 'keys.rotate'`);
        expect(audit.map((r: Body) => r.details.rewrapped)).toEqual([6]);

        onlyNew = await createTestApp({ databaseUrl, env: { AMPARO_KEYS: newKey } });
        const s2 = await login(onlyNew.http, volunteer.email, volunteer.password);
        for (const id of [...old, fresh.body.id]) {
          const res = await onlyNew.http.get(`/api/cases/${id}`).set(s2.auth);
          expect(res.status).toBe(200);
          expect(res.body.client.lastName).toBe(CANARY.lastName);
        }
        expect((await onlyNew.app.get(KeyRotationService).status()).missingKeyIds).toEqual([]);
        // The rotation is idempotent.
        expect(await onlyNew.app.get(KeyRotationService).rotate()).toMatchObject({ rewrapped: 0, failed: [] });
      } finally {
        await onlyNew?.close();
        await newApp?.close();
        await oldApp.close();
      }
    });
  });

  describe('6. Crypto-shred: after purge, nothing of the case can be decrypted; the audit chain still verifies', () => {
    it('purges a closed case past retention (FixedClock)', async () => {
      const c = canaryCase('SHRED', 'A456-789-012');
      const created = await createCase(c.body);
      await assign(created.id, attorneyA);
      await t.http.post(`/api/cases/${created.id}/events`).set(attorneyA.auth).send({ type: 'detainer_lodged', occurredAt: new Date().toISOString() }).expect(201);
      // An event sent with an Idempotency-Key: its stored answer holds the event (its type and time) until the purge.
      await t.http.post(`/api/cases/${created.id}/events`).set(attorneyA.auth).set('Idempotency-Key', `shred-entry-${created.id.slice(0, 8)}`)
        .send({ type: 'entered_us', occurredAt: '2024-06-01', manner: 'ewi' }).expect(201);
      const verifiedBefore = (await t.http.get('/api/audit/verify').set(admin.auth)).body.checked as number;
      await t.http.post(`/api/cases/${created.id}/close`).set(attorneyA.auth).send({ outcome: 'represented' }).expect(200);
      // Free text an attorney typed on a referral of the case (a decline note), which could name the client.
      await t.db.query(`UPDATE referrals SET decline_note = 'declined: knows Señora SHRED personally' WHERE case_id = $1`, [created.id]);
      const [saved] = await t.db.query(`SELECT client_last_name, client_a_number, narrative FROM cases WHERE id = $1`, [created.id]);
      expect(saved.client_last_name).toBeInstanceOf(Buffer);
      const purge = t.app.get(PurgeService);
      const { retentionDays } = (await t.http.get('/api/organization').set(admin.auth)).body;
      clock.advance((retentionDays - 1) * 24 * 3600_000);
      try {
        expect(await t.db.query(`SELECT 1 FROM cases WHERE id = $1 AND status = 'purged'`, [created.id])).toEqual([]);
        await purge.purgeDue();
        expect((await t.db.query(`SELECT status FROM cases WHERE id = $1`, [created.id]))[0].status).toBe('closed');
        clock.advance(2 * 24 * 3600_000);
        expect(await purge.purgeDue()).toBeGreaterThanOrEqual(1);
      } finally {
        clock.set(new Date());
      }
      const [row] = await t.db.query(`SELECT * FROM cases WHERE id = $1`, [created.id]);
      expect(row.status).toBe('purged');
      for (const [column, value] of Object.entries(row)) {
        if (value instanceof Buffer) expect({ column, value: 'still encrypted data' }).toBeUndefined();
      }
      for (const table of ['case_keys', 'case_blind_indexes', 'deadlines', 'case_events']) {
        expect({ table, rows: await t.db.query(`SELECT 1 FROM ${table} WHERE case_id = $1`, [created.id]) }).toEqual({ table, rows: [] });
      }
      expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1 AND decline_note IS NOT NULL`, [created.id])).toEqual([]);
      const answers = await t.db.query(`SELECT key, response IS NOT NULL AS kept, length(request_hash) AS digest FROM idempotency_keys WHERE case_id = $1`, [created.id]);
      expect(answers).toEqual([{ key: expect.stringMatching(/^event\//), kept: false, digest: 0 }]);
      expect((await t.http.get(`/api/cases/${created.id}`).set(attorneyA.auth)).status).toBe(404);
      expect((await t.http.get(`/api/cases/${created.id}`).set(intake.auth)).status).toBe(404);
      // Nor is it listed to the volunteer who created it, or the attorney who had it.
      for (const who of [intake, attorneyA]) {
        const listed = await t.http.get('/api/cases?status=purged&limit=100').set(who.auth).expect(200);
        expect(listed.body.items.map((i: { id: string }) => i.id)).not.toContain(created.id);
      }
      const tombstone = await t.http.get(`/api/cases/${created.id}`).set(coordinator.auth);
      expect(tombstone.body).toMatchObject({ status: 'purged', view: 'summary' });
      const reveal = await t.http.post(`/api/cases/${created.id}/reveal`).set(coordinator.auth).send({ reason: 'after the purge, just checking' });
      expect(reveal.status).toBe(409);
      expect(reveal.body.code).toBe('CASE_PURGED');
      const lookup = await t.http.get(`/api/cases?aNumber=${c.needles[4]}`).set(coordinator.auth);
      expect(lookup.body.items).toEqual([]);

      // A ciphertext from a backup put back in place: without the data key it cannot be read.
      await t.db.query(`UPDATE cases SET client_last_name = $2, client_a_number = $3, narrative = $4, status = 'closed' WHERE id = $1`,
        [created.id, saved.client_last_name, saved.client_a_number, saved.narrative]);
      try {
        const restored = await t.http.post(`/api/cases/${created.id}/reveal`).set(coordinator.auth).send({ reason: 'restored from a backup' });
        for (const needle of c.needles) expect(restored.text).not.toContain(needle);
        const asAttorney = await t.http.get(`/api/cases/${created.id}`).set(attorneyA.auth);
        for (const needle of c.needles) expect(asAttorney.text).not.toContain(needle);
      } finally {
        await t.db.query(`UPDATE cases SET client_last_name = NULL, client_a_number = NULL, narrative = NULL, status = 'purged' WHERE id = $1`, [created.id]);
      }

      const purged = await t.http.get(`/api/audit?caseId=${created.id}&action=case.purge`).set(coordinator.auth);
      expect(purged.body.items).toHaveLength(1);
      const verify = await t.http.get('/api/audit/verify').set(admin.auth);
      expect(verify.body).toMatchObject({ ok: true });
      // This test's events (the creation, the events, the close, the purge, the reads) among them.
      expect(verify.body.checked).toBeGreaterThan(verifiedBefore + 2);
    });

    it('nothing derived from the names links the purged case to another: a conflict alert\'s key, another intake\'s stored possible duplicates', async () => {
      const other = canaryCase('LINKA', 'A456-789-013');
      const held = await createCase(other.body);
      await assign(held.id, attorneyA);
      const gone = canaryCase('LINKB', 'A456-789-014');
      const purged = await createCase(gone.body);
      await assign(purged.id, attorneyA);
      // The other side named: the other case's client (the coordinators and the attorney are alerted).
      const client = other.body.client as { firstName: string; lastName: string };
      await t.http.patch(`/api/cases/${purged.id}`).set(coordinator.auth).send({ adverseParties: [{ name: `${client.firstName} ${client.lastName}` }] }).expect(200);
      const alertKeys = () => t.db.query(`SELECT dedupe_key FROM notifications WHERE case_id = $1 AND kind = 'case.conflict'`, [purged.id]);
      expect((await alertKeys()).length).toBeGreaterThan(0);
      // The same person opened again, with an Idempotency-Key: its answer names the case as a possible duplicate.
      const key = `link-dup-${purged.id.slice(0, 8)}`;
      const again = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(gone.body).expect(201);
      expect(again.body.possibleDuplicates).toContain(purged.reference);
      await t.http.post(`/api/cases/${purged.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
      const { retentionDays } = (await t.http.get('/api/organization').set(admin.auth)).body;
      clock.advance((retentionDays + 1) * 24 * 3600_000);
      try {
        expect(await t.app.get(PurgeService).purgeDue()).toBeGreaterThanOrEqual(1);
      } finally {
        clock.set(new Date());
      }
      expect((await t.db.query(`SELECT status FROM cases WHERE id = $1`, [purged.id]))[0].status).toBe('purged');
      for (const { dedupe_key } of await alertKeys()) expect(dedupe_key).toMatch(/^purged:/);
      const replay = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(gone.body).expect(201);
      expect([replay.body.id, replay.body.possibleDuplicates]).toEqual([again.body.id, expect.not.arrayContaining([purged.reference])]);
      const stored = await t.db.query(`SELECT response FROM idempotency_keys WHERE case_id = $1`, [again.body.id]);
      expect(JSON.stringify(stored)).not.toContain(purged.reference);
    });
  });

  describe('7. Audit tampering: the app role cannot update or delete audit rows; an edit made by a superuser is detected', () => {
    const appRole = testAppRole();
    // In CI (embedded PostgreSQL) the app always runs as its own role; only a test server that may not create roles
    // (DATABASE_URL without CREATEROLE) runs it as the owner, and the role's own limits cannot be shown there.
    const withAppRole = appRole ? it : it.skip;

    // Rows of its own to edit (a case opened, then read, each by its actor): run alone (-t), the section has them too.
    beforeAll(async () => {
      const { id } = await createCase(minimalBody());
      await t.http.get(`/api/cases/${id}`).set(coordinator.auth).expect(200);
    });

    withAppRole('the app role holds no UPDATE, DELETE or TRUNCATE on the trail, owns nothing and cannot disable the trigger', async () => {
      const [me] = await t.db.query(`SELECT current_user AS role, rolsuper FROM pg_roles WHERE rolname = current_user`);
      expect(me).toEqual({ role: appRole!.role, rolsuper: false });
      const last = `(SELECT max(id) FROM audit_events)`;
      await expect(t.db.query(`UPDATE audit_events SET reason = 'edited' WHERE id = ${last}`)).rejects.toThrow(/permission denied for table audit_events/);
      await expect(t.db.query(`DELETE FROM audit_events WHERE id = ${last}`)).rejects.toThrow(/permission denied for table audit_events/);
      await expect(t.db.query(`TRUNCATE audit_events`)).rejects.toThrow(/permission denied for table audit_events/);
      await expect(t.db.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`)).rejects.toThrow(/must be owner/);
      await expect(t.db.query(`DROP TRIGGER audit_events_no_update_delete ON audit_events`)).rejects.toThrow(/must be owner/);
      await expect(t.db.query(`CREATE TABLE audit_copy (id int)`)).rejects.toThrow(/permission denied for schema public/);
      // The seals are append-only to it too.
      await expect(t.db.query(`UPDATE audit_seals SET mac = mac`)).rejects.toThrow(/permission denied for table audit_seals/);
      await expect(t.db.query(`DELETE FROM audit_seals`)).rejects.toThrow(/permission denied for table audit_seals/);
      await expect(t.db.query(`ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update_delete`)).rejects.toThrow(/must be owner/);
      // Nor can it rewrite the record of applied migrations.
      await expect(t.db.query(`DELETE FROM migrations`)).rejects.toThrow(/permission denied for table migrations/);
      // It appends, but not below the real ids, where the verification would not walk (a forged row there was skipped).
      const [forged] = await t.db.query(`SELECT organization_id, chain, prev_hash, hash FROM audit_events ORDER BY id DESC LIMIT 1`);
      await expect(
        t.db.query(
          `INSERT INTO audit_events (id, organization_id, chain, occurred_at, action, prev_hash, hash) VALUES (-1, $1, $2, now(), 'case.reveal', $3, $4)`,
          [forged.organization_id, forged.chain, forged.prev_hash, forged.hash],
        ),
      ).rejects.toThrow(/audit_events_id_positive/);
      // What it does need still works: appending, and reading.
      expect((await t.http.get('/api/audit/verify').set(admin.auth)).body).toMatchObject({ ok: true });
    });

    it('the trigger refuses UPDATE, DELETE and TRUNCATE even to the owner (who must disable it first)', async () => {
      const owner = await t.owner();
      await expect(owner.query(`UPDATE audit_events SET reason = 'edited' WHERE id = (SELECT max(id) FROM audit_events)`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)`)).rejects.toThrow(/append-only/);
      await expect(owner.query(`TRUNCATE audit_events`)).rejects.toThrow(/append-only/);
    });

    /** What only a superuser (or the owner) can do: the app's role cannot (above). */
    const withTriggerDisabled = async (fn: (owner: DataSource) => Promise<unknown>) => {
      const owner = await t.owner();
      await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
      try {
        await fn(owner);
      } finally {
        await owner.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
      }
    };
    const verify = async () => (await t.http.get('/api/audit/verify').set(admin.auth)).body;
    /** The verified organization's: this file has a second one, whose rows the admin's verify does not walk. */
    const adminOrg = async (): Promise<string> => (await t.db.query(`SELECT organization_id FROM users WHERE id = $1`, [admin.userId]))[0].organization_id;
    /** Seals deleted as the owner can (the table's trigger disabled for it): what a rewrite that hides itself does. */
    const removeSeals = async (where = 'true', params: unknown[] = []) => {
      const owner = await t.owner();
      await owner.query(`ALTER TABLE audit_seals DISABLE TRIGGER audit_seals_no_update_delete`);
      try {
        await owner.query(`DELETE FROM audit_seals WHERE ${where}`, params);
      } finally {
        await owner.query(`ALTER TABLE audit_seals ENABLE TRIGGER audit_seals_no_update_delete`);
      }
    };
    /** Puts back seals saved with SELECT * (after removeSeals of the same rows). */
    const restoreSeals = async (saved: Record<string, unknown>[]) => {
      const owner = await t.owner();
      for (const x of saved) {
        await owner.query(
          `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [x.organization_id, x.chain, x.seq, x.prev_mac, x.event_id, x.event_hash, x.sealed_at, x.key_id, x.mac],
        );
      }
    };

    it('an edit with the trigger disabled is found at the edited row; undoing it verifies again', async () => {
      expect(await verify()).toMatchObject({ ok: true });
      const rows = await t.db.query(`SELECT id, reason, details FROM audit_events WHERE organization_id = $1 ORDER BY id`, [await adminOrg()]);
      const target = rows[Math.floor(rows.length / 2)];
      await withTriggerDisabled((owner) => owner.query(`UPDATE audit_events SET details = details || '{"covering":"tracks"}' WHERE id = $1`, [target.id]));
      expect(await verify()).toEqual({ ok: false, checked: expect.any(Number), firstBrokenId: String(target.id) });
      await withTriggerDisabled((owner) => owner.query(`UPDATE audit_events SET details = $2 WHERE id = $1`, [target.id, target.details]));
      expect(await verify()).toMatchObject({ ok: true });
    });

    it.each([
      ['actor_id', `actor_id = gen_random_uuid()`],
      ['actor_role', `actor_role = CASE WHEN actor_role = 'admin' THEN 'coordinator' ELSE 'admin' END`],
      ['action', `action = CASE WHEN action = 'case.lookup' THEN 'case.create' ELSE 'case.lookup' END`],
      ['case_id', `case_id = gen_random_uuid()`],
      ['case_reference', `case_reference = 'AMP-ZZZZZZ'`],
      ['occurred_at', `occurred_at = occurred_at + interval '1 second'`],
      ['fields', `fields = array_append(fields, 'client.aNumber')`],
      ['reason', `reason = coalesce(reason, '') || ' (written later)'`],
    ])('an edit of %s alone (who did it, what, to which case, when, which fields, why) is found at the edited row', async (column, assignment) => {
      expect(await verify()).toMatchObject({ ok: true });
      const [target] = await t.db.query(
        `SELECT id, ${column} AS was FROM audit_events WHERE organization_id = $1 AND case_id IS NOT NULL AND actor_id IS NOT NULL ORDER BY id DESC LIMIT 1`,
        [await adminOrg()],
      );
      await withTriggerDisabled((owner) => owner.query(`UPDATE audit_events SET ${assignment} WHERE id = $1`, [target.id]));
      expect(await verify()).toEqual({ ok: false, checked: expect.any(Number), firstBrokenId: String(target.id) });
      await withTriggerDisabled((owner) => owner.query(`UPDATE audit_events SET ${column} = $2 WHERE id = $1`, [target.id, target.was]));
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('a deleted row is found at the row after it on its chain', async () => {
      // The trail is split into chains (by case): a deletion breaks the next link of the same chain.
      const rows = await t.db.query(
        `SELECT id, lead(id) OVER (PARTITION BY organization_id, chain ORDER BY id) AS next FROM audit_events WHERE organization_id = $1 ORDER BY id`,
        [await adminOrg()],
      );
      const withNext = rows.filter((r: { next: string | null }) => r.next !== null);
      const target = withNext[Math.floor(withNext.length / 3)].id;
      const next = withNext[Math.floor(withNext.length / 3)].next;
      const [saved] = await t.db.query(`SELECT row_to_json(a) AS j FROM audit_events a WHERE id = $1`, [target]);
      await withTriggerDisabled((owner) => owner.query(`DELETE FROM audit_events WHERE id = $1`, [target]));
      try {
        expect(await verify()).toEqual({ ok: false, checked: expect.any(Number), firstBrokenId: String(next) });
      } finally {
        await (await t.owner()).query(`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, $1::json)`, [JSON.stringify(saved.j)]);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });
    it('the newest events of a chain deleted (nothing after them to break): the chain is named as truncated', async () => {
      const [last] = await t.db.query(
        `SELECT DISTINCT ON (chain) chain, row_to_json(a) AS j FROM audit_events a WHERE organization_id = $1 ORDER BY chain, id DESC LIMIT 1`,
        [await adminOrg()],
      );
      await withTriggerDisabled((owner) => owner.query(`DELETE FROM audit_events WHERE id = $1`, [last.j.id]));
      try {
        expect(await verify()).toEqual({ ok: false, checked: expect.any(Number), truncatedChains: [last.chain] });
      } finally {
        await (await t.owner()).query(`INSERT INTO audit_events SELECT * FROM json_populate_record(NULL::audit_events, $1::json)`, [JSON.stringify(last.j)]);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });
    /**
     * What a superuser can do beyond an edit: rewrite one event's details and recompute every later link of its chain
     * and the chain's head, so that every link checks out again. Returns the undo.
     */
    const rewriteChainFrom = async (eventId: string, details: (old: Record<string, unknown>) => Record<string, unknown>) => {
      const owner = await t.owner();
      const [{ organization_id: org, chain }] = await owner.query(`SELECT organization_id, chain FROM audit_events WHERE id = $1`, [eventId]);
      const rows: Record<string, any>[] = await owner.query(`SELECT * FROM audit_events WHERE organization_id = $1 AND chain = $2 ORDER BY id`, [org, chain]);
      const [head] = await owner.query(`SELECT hash FROM audit_heads WHERE organization_id = $1 AND chain = $2`, [org, chain]);
      const write = async (newRows: Record<string, any>[], headHash: Buffer) => {
        await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
        try {
          for (const r of newRows) {
            await owner.query(`UPDATE audit_events SET details = $2, prev_hash = $3, hash = $4 WHERE id = $1`, [r.id, JSON.stringify(r.details), r.prev_hash, r.hash]);
          }
          await owner.query(`UPDATE audit_heads SET hash = $3 WHERE organization_id = $1 AND chain = $2`, [org, chain, headHash]);
        } finally {
          await owner.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
        }
      };
      let previous: Buffer = rows[0].prev_hash;
      const rewritten = rows.map((r) => {
        const edited: Record<string, any> = { ...r, details: String(r.id) === eventId ? details(r.details) : r.details, prev_hash: previous };
        edited.hash = chainHash(previous, {
          id: String(r.id), organizationId: r.organization_id, chain: r.chain, occurredAt: r.occurred_at.toISOString(), actorId: r.actor_id,
          actorRole: r.actor_role, action: r.action, caseId: r.case_id, caseReference: r.case_reference, fields: r.fields, reason: r.reason,
          details: edited.details,
        });
        previous = edited.hash;
        return edited;
      });
      await write(rewritten, previous);
      return () => write(rows, head.hash);
    };

    it('an edit whose later links and head are recomputed (what a superuser can do) passes every link but not the seal', async () => {
      await t.app.get(AuditSealService).sealChains();
      expect(await verify()).toMatchObject({ ok: true, sealedSince: expect.any(String) });
      const [sealed] = await t.db.query(`SELECT event_id, chain FROM audit_seals WHERE organization_id = $1 ORDER BY event_id DESC LIMIT 1`, [await adminOrg()]);
      const [target] = await t.db.query(
        `SELECT id FROM audit_events WHERE chain = $1 AND id < $2 AND organization_id = (SELECT organization_id FROM audit_events WHERE id = $2) ORDER BY id LIMIT 1`,
        [sealed.chain, sealed.event_id],
      );
      const undo = await rewriteChainFrom(String(target?.id ?? sealed.event_id), (old) => ({ ...old, covering: 'tracks' }));
      try {
        const result = await verify();
        // Every link and the head check out: without the seal, this edit would not show.
        expect(result).not.toHaveProperty('firstBrokenId');
        expect(result).not.toHaveProperty('truncatedChains');
        expect(result).toMatchObject({ ok: false, brokenSeals: expect.arrayContaining([String(sealed.event_id)]) });
      } finally {
        await undo();
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('seals removed as well: once the grace period has passed, the events no seal covers are reported', async () => {
      const seals = t.app.get(AuditSealService);
      await seals.sealChains();
      const owner = await t.owner();
      const saved = await owner.query(`SELECT * FROM audit_seals ORDER BY id`);
      await removeSeals();
      const started = clock.now();
      try {
        // Within the grace period an unsealed event is expected: the sealing job has not run yet.
        expect(await verify()).toMatchObject({ ok: true });
        clock.set(new Date(started.getTime() + seals.graceMs + 60_000));
        const result = await verify();
        expect(result).toMatchObject({ ok: false, unsealedChains: expect.arrayContaining([{ chain: expect.any(Number), since: expect.any(String) }]) });
        expect(result).not.toHaveProperty('sealedSince');
        // Sealed again now, the chains verify (a first seal may cover old events: the upgrade that added seals does),
        // but the sealing job says so in the log, which is outside the database.
        const logged = logs.length;
        await seals.sealChains();
        expect(await verify()).toMatchObject({ ok: true, sealedSince: clock.now().toISOString() });
        expect(logs.slice(logged)).toMatch(/sealed for the first time over events older than the grace period/);
        await removeSeals();
      } finally {
        clock.set(started);
        await restoreSeals(saved);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('one chain\'s seals removed (to rewrite it unseen) break the organization\'s sequence of seals, even sealed anew', async () => {
      const seals = t.app.get(AuditSealService);
      const owner = await t.owner();
      // Events on two chains at least (a case's events go to the chain its id picks; the rest to chain 0).
      const org = await adminOrg();
      while ((await owner.query(`SELECT count(DISTINCT chain)::int AS n FROM audit_events WHERE organization_id = $1`, [org]))[0].n < 2) {
        await createCase(minimalBody());
      }
      await seals.sealChains();
      expect(await verify()).toMatchObject({ ok: true });
      const saved = await owner.query(`SELECT * FROM audit_seals ORDER BY organization_id = $1 DESC, seq`, [org]);
      // The chain of the organization's first seal: its seals go, the chain is rewritten, and the next pass seals it anew.
      const victim = saved[0];
      const undo = await rewriteChainFrom(String(victim.event_id), (old) => ({ ...old, covering: 'tracks' }));
      try {
        await removeSeals('organization_id = $1 AND chain = $2', [victim.organization_id, victim.chain]);
        await seals.sealChains();
        const result = await verify();
        expect(result).not.toHaveProperty('firstBrokenId');
        // The organization's first seal left is not number 1.
        const firstLeft = saved.find((x: { organization_id: string; chain: number }) => x.organization_id === victim.organization_id && x.chain !== victim.chain);
        expect(result).toMatchObject({ ok: false, brokenSeals: expect.arrayContaining([String(firstLeft.event_id)]) });
      } finally {
        await undo();
        await removeSeals();
        await restoreSeals(saved);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('seals the app role writes with numbers past every real one are reported (exactly), and verify still answers', async () => {
      const seals = t.app.get(AuditSealService);
      const org = await adminOrg();
      await seals.sealChains();
      await createCase(minimalBody()); // events with no seal yet
      const [e] = await t.db.query(`SELECT id, chain, hash FROM audit_events WHERE organization_id = $1 ORDER BY id DESC LIMIT 1`, [org]);
      for (const seq of ['9007199254740993', '9223372036854775807']) {
        // As the application's role, which may append to the seals: beyond 2^53, a JS number would round it down.
        const [junk] = await t.db.query(
          `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac)
           VALUES ($1, $2, $3::bigint, $4, $5, $6, now(), $7, $8) RETURNING id`,
          [org, e.chain, seq, randomBytes(32), e.id, e.hash, seals.keys.activeId, randomBytes(32)],
        );
        try {
          const res = await t.http.get('/api/audit/verify').set(admin.auth);
          expect(res.status).toBe(200);
          expect(res.body).toMatchObject({ ok: false, brokenSeals: expect.arrayContaining([String(e.id)]) });
          // Nothing is chained onto it.
          expect(await seals.sealChains()).toBe(0);
        } finally {
          await removeSeals('id = $1', [junk.id]);
        }
      }
      await seals.sealChains();
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('a row forged where the walk did not look (a chain past 15, the smallest bigint id) is found', async () => {
      const owner = await t.owner();
      const org = await adminOrg();
      const [model] = await owner.query(`SELECT * FROM audit_events WHERE organization_id = $1 ORDER BY id LIMIT 1`, [org]);
      const insert = (id: string, chain: number) =>
        owner.query(
          `INSERT INTO audit_events (id, organization_id, chain, occurred_at, action, prev_hash, hash) VALUES ($1::bigint, $2, $3, $4, 'case.reveal', $5, $6)`,
          [id, org, chain, model.occurred_at, model.prev_hash, model.hash],
        );
      const remove = async (id: string) => {
        await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
        await owner.query(`DELETE FROM audit_events WHERE id = $1::bigint`, [id]);
        await owner.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
      };
      // What only the owner or a superuser can do: drop the checks first.
      await owner.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_id_positive`);
      await owner.query(`ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_chain_check`);
      try {
        for (const [id, chain] of [['-9223372036854775808', 3], ['900000000', 16]] as const) {
          await insert(id, chain);
          try {
            expect(await verify()).toMatchObject({ ok: false, firstBrokenId: id });
          } finally {
            await remove(id);
          }
        }
      } finally {
        await owner.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_id_positive CHECK (id > 0)`);
        await owner.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_chain_check CHECK (chain BETWEEN 0 AND 15)`);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('rows with times no application writes, or nested past the stack, or in no chain: refused, or reported, never a 500', async () => {
      const owner = await t.owner();
      const org = await adminOrg();
      const [model] = await owner.query(`SELECT * FROM audit_events WHERE organization_id = $1 ORDER BY id LIMIT 1`, [org]);
      // The application's role cannot append them.
      await expect(t.db.query(
        `INSERT INTO audit_events (id, organization_id, chain, occurred_at, action, prev_hash, hash) VALUES (nextval('audit_events_id_seq'), $1, 0, 'infinity', 'case.reveal', $2, $2)`,
        [org, model.hash],
      )).rejects.toThrow(/audit_events_occurred_at_real/);
      await expect(t.db.query(
        `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac) VALUES ($1, 0, 999, $2, $3, $2, 'infinity', 'a1', $2)`,
        [org, model.hash, model.id],
      )).rejects.toThrow(/audit_seals_sealed_at_check/);
      // The owner, dropping the checks, can: verify answers and names them.
      await owner.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_occurred_at_real`);
      await owner.query(`ALTER TABLE audit_events ALTER COLUMN chain DROP NOT NULL`);
      const deep = '{"a":'.repeat(6000) + '1' + '}'.repeat(6000);
      const rows: [string, number | null, string, string][] = [
        ['900000001', 5, 'infinity', '{}'],
        ['900000002', 5, '275760-01-01', '{}'],
        ['900000003', 6, new Date().toISOString(), deep],
        ['900000004', null, new Date().toISOString(), '{}'],
      ];
      try {
        for (const [id, chain, at, details] of rows) {
          await owner.query(
            `INSERT INTO audit_events (id, organization_id, chain, occurred_at, action, details, prev_hash, hash) VALUES ($1::bigint, $2, $3, $4, 'case.reveal', $5, $6, $6)`,
            [id, org, chain, at, details, model.hash],
          );
          try {
            const res = await t.http.get('/api/audit/verify').set(admin.auth);
            expect({ id, status: res.status, ok: res.body.ok }).toEqual({ id, status: 200, ok: false });
            expect((await t.http.get('/api/audit').set(admin.auth)).status).toBe(200);
          } finally {
            await owner.query(`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete`);
            await owner.query(`DELETE FROM audit_events WHERE id = $1::bigint`, [id]);
            await owner.query(`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete`);
          }
        }
      } finally {
        await owner.query(`ALTER TABLE audit_events ALTER COLUMN chain SET NOT NULL`);
        await owner.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_occurred_at_real CHECK (isfinite(occurred_at) AND occurred_at < '10000-01-01')`);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });

    it('a seal forged without the key, or made under a key no longer configured, is reported', async () => {
      const seals = t.app.get(AuditSealService);
      await seals.sealChains();
      const owner = await t.owner();
      // An event inside a sealed stretch of its chain that has no seal of its own.
      const [event] = await owner.query(
        `SELECT e.id FROM audit_events e
          WHERE e.organization_id = $1 AND NOT EXISTS (SELECT 1 FROM audit_seals s WHERE s.event_id = e.id)
            AND EXISTS (SELECT 1 FROM audit_seals s WHERE s.organization_id = e.organization_id AND s.chain = e.chain AND s.event_id > e.id)
          ORDER BY e.id DESC LIMIT 1`,
        [await adminOrg()],
      );
      const forge = (keyId: string) =>
        owner.query(
          `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac)
           SELECT organization_id, chain, 100000, $3, id, hash, now(), $2, $3 FROM audit_events WHERE id = $1 RETURNING id`,
          [event.id, keyId, randomBytes(32)],
        );
      const [forged] = await forge(seals.keys.activeId);
      try {
        expect(await verify()).toMatchObject({ ok: false, brokenSeals: [String(event.id)] });
        // Nothing is chained onto it: the organization's sealing stops, and says why.
        await createCase(minimalBody());
        const logged = logs.length;
        expect(await seals.sealChains()).toBe(0);
        expect(logs.slice(logged)).toMatch(/Audit sealing stopped for an organization: its newest seal does not check out/);
      } finally {
        await removeSeals('id = $1', [forged.id]);
      }
      const [unknown] = await forge('retired');
      try {
        expect(await verify()).toMatchObject({ ok: false, unknownSealKeys: ['retired'] });
      } finally {
        await removeSeals('id = $1', [unknown.id]);
      }
      expect(await verify()).toMatchObject({ ok: true });
    });
  });

  describe('8. No plaintext of a seeded canary A-number or name appears in logs, error bodies or the database\'s plain columns', () => {
    it('after intake, corrections, lookups, reveals, failures and errors', async () => {
      const linesBefore = logs.split('\n').length;
      const c = canaryCase('LOGCN', 'A567-890-123');
      const created = await createCase(c.body);
      await t.http.patch(`/api/cases/${created.id}`).set(intake.auth).send({ client: { phone: c.body.client.phone, address: c.body.client.address }, narrative: c.body.narrative }).expect(200);
      await t.http.get(`/api/cases?aNumber=${encodeURIComponent(c.body.client.aNumber)}`).set(coordinator.auth).expect(200);
      await t.http.post(`/api/cases/${created.id}/reveal`).set(coordinator.auth).send({ reason: 'Confirming the intake details' }).expect(200);
      await t.http.get(`/api/cases/${created.id}`).set(intake.auth).expect(200);
      // Error bodies do not echo the values that were sent.
      const bad = [
        { ...c.body, client: { ...c.body.client, preferredLanguage: 'Spanish' } },
        { ...c.body, client: { ...c.body.client, aNumber: `${c.body.client.aNumber}-${c.body.client.lastName}` } },
        { ...c.body, client: { ...c.body.client, firstName: `${c.body.client.firstName}${'x'.repeat(120)}` } },
        { ...c.body, client: { ...c.body.client, email: c.body.client.lastName } },
        { ...c.body, unexpected: c.body.client.lastName },
      ];
      for (const body of bad) {
        const res = await t.http.post('/api/cases').set(intake.auth).send(body);
        expect(res.status).toBe(400);
        for (const needle of [...c.needles, 'x'.repeat(120)]) expect(res.text).not.toContain(needle);
      }
      // Bodies refused before routing (not JSON, too large) are in the request log, with their status and path only.
      const malformed = await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'application/json')
        .send(`{"client": {"aNumber": "${c.body.client.aNumber}", "lastName": "${c.body.client.lastName}"`);
      expect(malformed.status).toBe(400);
      const oversized = await t.http.post('/api/cases').set(intake.auth).send({ ...c.body, narrative: `${c.body.narrative} ${'y'.repeat(2_000_000)}` });
      expect(oversized.status).toBe(413);
      const plain = await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'text/plain').send(`${c.body.client.aNumber} ${c.body.client.lastName}`);
      expect(plain.status).toBe(415);
      for (const res of [malformed, oversized, plain]) {
        for (const needle of c.needles) expect(res.text).not.toContain(needle);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
      // An A-number typed where a case id goes, or into a path that names nothing: the path is logged without it.
      for (const path of [`/api/cases/${c.body.client.aNumber}`, `/api/cases/${c.body.client.aNumber.replace(/\D/g, '')}/events`, `/api/nope/${c.body.client.aNumber}`]) {
        const res = await t.http.get(path).set(intake.auth);
        expect([400, 404]).toContain(res.status);
        for (const needle of c.needles) expect(res.text).not.toContain(needle);
      }
      const corrupted = await createCase(c.body);
      await t.db.query(`UPDATE cases SET client_last_name = client_first_name WHERE id = $1`, [corrupted.id]);
      const failed = await t.http.get(`/api/cases/${corrupted.id}`).set(intake.auth);
      expect(failed.status).toBe(500);
      for (const needle of c.needles) expect(failed.text).not.toContain(needle);
      // The background jobs write to the same log: the detainer hold swept missed three days on, urgency reviewed,
      // reminders planned, and the coordinators' alerts delivered (logged, with no SMTP server).
      clock.advance(3 * 24 * 3600_000);
      try {
        const jobs = await t.app.get(DeadlineJobsService).tick();
        expect(jobs.missed).toBeGreaterThanOrEqual(1);
        await t.app.get(MailDeliveryService).deliverDue();
        expect(await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND sent_at IS NOT NULL`, [created.id])).not.toEqual([]);
      } finally {
        clock.set(new Date());
      }
      await new Promise((resolve) => setTimeout(resolve, 100));

      // The logs are real (requests at debug level, the 500 with its id) and hold none of the values.
      expect(logs).toContain(failed.body.errorId);
      expect(logs).toContain(created.id);
      // Each of this test's 15 requests wrote its line (at debug level).
      expect(logs.split('\n').length - linesBefore).toBeGreaterThanOrEqual(15);
      const refused = logs.split('\n').filter((line) => line.includes('request refused before routing')).map((line) => JSON.parse(line));
      expect(refused).toEqual(expect.arrayContaining([
        expect.objectContaining({ requestId: malformed.headers['x-request-id'], method: 'POST', path: '/api/cases', statusCode: 400 }),
        expect.objectContaining({ requestId: oversized.headers['x-request-id'], method: 'POST', path: '/api/cases', statusCode: 413 }),
        expect.objectContaining({ requestId: plain.headers['x-request-id'], method: 'POST', path: '/api/cases', statusCode: 415 }),
      ]));
      const allNeedles = [...c.needles, CANARY.firstName, CANARY.lastName, CANARY.aNumber, CANARY.aNumberDigits, 'Narrative canary text', 'Caller Canarian', 'BK-CANARY-77'];
      for (const needle of allNeedles) expect({ needle, inLogs: logs.includes(needle) }).toEqual({ needle, inLogs: false });

      // Every table, every column, as text: encrypted columns show as bytea hex, so a plaintext match is a plain column;
      // each value is looked for in hex too, as a bytea column written without encryption would show it.
      const tables: { table_name: string }[] = await t.db.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
      );
      expect(tables.map((r) => r.table_name)).toEqual(expect.arrayContaining(['cases', 'audit_events', 'case_events', 'referrals', 'idempotency_keys', 'notifications']));
      for (const { table_name: table } of tables) {
        const rows: { j: string }[] = await t.db.query(`SELECT row_to_json(x)::text AS j FROM "${table}" x`);
        const dump = rows.map((r) => r.j).join('\n');
        for (const needle of allNeedles) {
          const hex = Buffer.from(needle, 'utf8').toString('hex');
          expect({ table, needle, found: dump.includes(needle), foundInHex: dump.includes(hex) }).toEqual({ table, needle, found: false, foundInHex: false });
        }
      }
    });
  });

  describe('9. Tokens: alg none, wrong signature, expired, wrong audience → 401; logout and deactivation end sessions; a reused refresh token revokes its family', () => {
    const claims = (session: Session) => JSON.parse(Buffer.from(session.token.split('.')[1], 'base64url').toString());
    const secret = () => Buffer.from(t.config.secrets.jwtSecret, 'base64');

    it.each([
      ['alg none', (c: Body) => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(c)}.`],
      ['alg none with a signature', (c: Body) => signJwt({ alg: 'none', typ: 'JWT' }, c, secret())],
      ['HS512 under the right secret', (c: Body) => {
        const body = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url(c)}`;
        return `${body}.${createHmac('sha512', secret()).update(body).digest('base64url')}`;
      }],
      ['wrong signature', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, c, Buffer.alloc(32, 7))],
      ['expired', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...c, exp: Math.floor(Date.now() / 1000) - 60 }, secret())],
      ['wrong audience', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...c, aud: 'someone-else' }, secret())],
      ['wrong issuer', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...c, iss: 'someone-else' }, secret())],
      ['an unknown session id', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...c, sid: ZERO_UUID }, secret())],
      ['a tampered payload', (c: Body) => {
        const [h, , s] = signJwt({ alg: 'HS256', typ: 'JWT' }, c, secret()).split('.');
        return `${h}.${b64url({ ...c, role: 'admin' })}.${s}`;
      }],
      ['no signature part', (c: Body) => signJwt({ alg: 'HS256', typ: 'JWT' }, c, secret()).split('.').slice(0, 2).join('.')],
    ])('a token with %s is a 401', async (_name, make) => {
      const token = make(claims(intake));
      for (const url of ['/api/auth/me', '/api/cases']) {
        const res = await t.http.get(url).set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      }
    });

    it('the role comes from the database, not from a (validly signed) token claim', async () => {
      const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(intake), role: 'admin' }, secret());
      const res = await t.http.get('/api/audit/verify').set('Authorization', `Bearer ${forged}`);
      expect([401, 403]).toContain(res.status);
    });

    it('logout ends the session at once; other sessions stay', async () => {
      const session = await login(t.http, intake.email, intake.password);
      expect((await t.http.post('/api/auth/logout').set(session.auth)).status).toBe(204);
      expect((await t.http.get('/api/auth/me').set(session.auth)).status).toBe(401);
      expect((await t.http.get('/api/cases').set(session.auth)).status).toBe(401);
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
      expect((await t.http.get('/api/auth/me').set(intake.auth)).status).toBe(200);
    });

    it('deactivating a user ends every session, refresh tokens and calendar feed included', async () => {
      const victim = await createUser(t.http, admin, 'attorney');
      const second = await login(t.http, victim.email, victim.password);
      const token = (await t.http.post('/api/calendar/token').set(victim.auth).send()).body.token;
      expect((await t.http.get(`/api/calendar/${token}.ics`)).status).toBe(200);
      await t.http.patch(`/api/users/${victim.userId}`).set(admin.auth).send({ active: false }).expect(200);
      for (const s of [victim, second]) {
        expect((await t.http.get('/api/auth/me').set(s.auth)).status).toBe(401);
        expect((await t.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken })).status).toBe(401);
      }
      expect((await t.http.get(`/api/calendar/${token}.ics`)).status).toBe(404);
      const relogin = await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '192.0.2.90' }).send({ email: victim.email, password: victim.password });
      expect(relogin.status).toBe(401);
      // Ended, not only refused while inactive: reactivated, the account's old tokens and feed stay dead.
      await t.http.patch(`/api/users/${victim.userId}`).set(admin.auth).send({ active: true }).expect(200);
      for (const s of [victim, second]) {
        expect((await t.http.get('/api/auth/me').set(s.auth)).status).toBe(401);
        expect((await t.http.post('/api/auth/refresh').send({ refreshToken: s.refreshToken })).status).toBe(401);
      }
      expect((await t.http.get(`/api/calendar/${token}.ics`)).status).toBe(404);
    });

    it('an access token lives as long as configured (minutes), not forever: its exp is set', async () => {
      const { iat, exp } = claims(await login(t.http, intake.email, intake.password));
      expect(exp - iat).toBe(t.config.auth.accessTtlSeconds);
      expect(t.config.auth.accessTtlSeconds).toBeLessThanOrEqual(15 * 60);
    });

    it('a reused refresh token revokes the whole family, the thief\'s and the owner\'s tokens alike', async () => {
      const session = await login(t.http, intake.email, intake.password);
      const first = await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken });
      expect(first.status).toBe(200);
      const second = await t.http.post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken });
      expect(second.status).toBe(200);
      const latest = { Authorization: `Bearer ${second.body.accessToken}` };
      expect((await t.http.get('/api/auth/me').set(latest)).status).toBe(200);
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
      expect((await t.http.post('/api/auth/refresh').send({ refreshToken: second.body.refreshToken })).status).toBe(401);
      expect((await t.http.get('/api/auth/me').set(latest)).status).toBe(401);
      expect((await t.http.get('/api/auth/me').set(session.auth)).status).toBe(401);
      expect((await t.http.get('/api/auth/me').set(intake.auth)).status).toBe(200);
    });
  });

  describe('10. Brute force: repeated failed logins per account and per IP → 429, the same answer for unknown users', () => {
    const attempt = (email: string, password: string, ip: string) =>
      t.http.post('/api/auth/login').set({ 'X-Forwarded-For': ip }).send({ email, password });

    it('per account: 5 failures from 5 different IPs lock it, even for the right password; unknown accounts answer alike', async () => {
      const victim = await createUser(t.http, admin, 'intake');
      const ghost = 'ghost.brute@test.amparo.example';
      const known: { status: number; body: Body }[] = [];
      const unknown: { status: number; body: Body }[] = [];
      for (let i = 0; i < 6; i++) {
        const k = await attempt(victim.email, `guess-${i}`, `203.0.113.${100 + i}`);
        known.push({ status: k.status, body: k.body });
        const u = await attempt(ghost, `guess-${i}`, `203.0.113.${150 + i}`);
        unknown.push({ status: u.status, body: u.body });
      }
      expect(known.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 429]);
      expect(unknown).toEqual(known);
      const right = await attempt(victim.email, victim.password, '203.0.113.200');
      expect(right.status).toBe(429);
      expect(right.headers['retry-after']).toBe('900');
      expect(right.body).toEqual(known[5].body);
      expect(JSON.stringify(right.body)).not.toContain('accessToken');
    });

    it('an unknown account costs the same password hashing as a wrong password: no timing oracle on who has an account', async () => {
      // Both go through the password check once; that the check hashes against a decoy of the same cost when there is
      // no account is password.service.spec.ts's.
      const verify = jest.spyOn(t.app.get(PasswordService), 'verify');
      try {
        await attempt('nobody.here@test.amparo.example', 'whatever-guess', '192.0.2.31').expect(401);
        expect(verify).toHaveBeenCalledTimes(1);
        const someone = await createUser(t.http, admin, 'intake');
        verify.mockClear();
        await attempt(someone.email, 'a wrong guess', '192.0.2.32').expect(401);
        expect(verify).toHaveBeenCalledTimes(1);
      } finally {
        verify.mockRestore();
      }
    });

    it('per IP: 30 failures over many accounts lock the IP, even for a real account; other IPs are unaffected', async () => {
      const ip = '198.51.100.77';
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await attempt(`spray${i}@test.amparo.example`, 'x', ip)).status);
      expect(statuses.every((s) => s === 401)).toBe(true);
      const locked = await attempt(coordinator.email, coordinator.password, ip);
      expect(locked.status).toBe(429);
      expect(locked.headers['retry-after']).toBeDefined();
      expect((await attempt(coordinator.email, coordinator.password, '198.51.100.78')).status).toBe(200);
    });

    it('per IP: a good sign-in gives the address back one attempt, not all 30 (an attacker with an account cannot reset the count)', async () => {
      const ip = '198.51.100.79';
      const own = await createUser(t.http, admin, 'intake');
      const statuses: number[] = [];
      for (let i = 0; i < 29; i++) statuses.push((await attempt(`respray${i}@test.amparo.example`, 'x', ip)).status);
      expect(statuses.every((s) => s === 401)).toBe(true);
      expect((await attempt(own.email, own.password, ip)).status).toBe(200);
      expect((await attempt('respray-last@test.amparo.example', 'x', ip)).status).toBe(401);
      expect((await attempt(own.email, own.password, ip)).status).toBe(429);
    });
  });

  describe('11. Bad input: oversized bodies (413), wrong types, unknown fields, __proto__ keys, invalid dates, impossible time zones → a clear 4xx naming the field; never a 500, never a stack trace', () => {
    let caseId: string;

    beforeAll(async () => {
      caseId = (await createCase(minimalBody())).id;
    });

    /** A 4xx in the error shape, no stack trace; with `field`, that field (or a path under it) is named. */
    const expectClear4xx = (res: { status: number; body: Body; text: string }, field?: string, where = '') => {
      const named = Object.keys(res.body?.fields ?? {}).some((k) => k === field || k.startsWith(`${field}.`));
      expect({ where, status: res.status < 500 && res.status >= 400 ? '4xx' : res.status, named: field ? named : true, body: res.body }).toEqual({
        where,
        status: '4xx',
        named: true,
        body: expect.objectContaining({
          statusCode: res.status,
          error: expect.any(String),
          message: field ? expect.stringContaining(field) : expect.any(String),
        }),
      });
      expect(res.text).not.toMatch(STACK_TRACE);
    };

    it('a list of thousands of elements, or an object of thousands of fields, is one 400 naming it, before the validator reads them', async () => {
      const many = Array.from({ length: 80_000 }, () => ({}));
      const started = Date.now();
      const list = await t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), adverseParties: many });
      expect([list.status, list.body.fields]).toEqual([400, { adverseParties: ['has more than 500 elements'] }]);
      const fields = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`f${i}`, 1]));
      const wide = await t.http.patch(`/api/cases/${caseId}`).set(intake.auth).send({ client: fields });
      expect([wide.status, wide.body.fields]).toEqual([400, { client: ['has more than 100 fields'] }]);
      const query = Array.from({ length: 101 }, (_, i) => `p${i}=1`).join('&');
      const asked = await t.http.get(`/api/cases?${query}`).set(intake.auth);
      expect([asked.status, asked.body.fields]).toEqual([400, { query: ['has more than 100 fields'] }]);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(list.text.length + wide.text.length).toBeLessThan(2_000);
    });

    it('an oversized body is a 413 on every kind of route', async () => {
      const big = 'x'.repeat(600 * 1024);
      for (const [method, url, who] of [
        ['POST', '/api/auth/login', null], ['POST', '/api/cases', intake], ['PATCH', `/api/cases/${caseId}`, intake],
        ['POST', `/api/cases/${caseId}/events`, intake], ['PUT', '/api/attorneys/me/profile', attorneyA],
      ] as [string, string, Session | null][]) {
        const res = await send(t.http, method, url, who?.auth ?? null, { ...minimalBody(), narrative: big });
        expect({ url, status: res.status }).toEqual({ url, status: 413 });
        expectClear4xx(res);
      }
    });

    it('an oversized body is a 413 on every route that takes one, listed from the app (before any guard runs)', async () => {
      const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector))
        .map((line) => line.split(' '))
        .filter(([method]) => method !== 'GET');
      expect(routes.length).toBeGreaterThan(15);
      const big = JSON.stringify({ note: 'x'.repeat(600 * 1024) });
      for (const [method, path] of routes) {
        const url = path.replace(/:[A-Za-z]+/g, '6f0b2a3e-0000-4000-8000-000000000000');
        const res = await send(t.http, method, url, null, big).set('content-type', 'application/json');
        expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 413 });
        expect(res.text).not.toMatch(STACK_TRACE);
      }
    });

    const intake400 = (): [string, (b: Body) => void][] => [
      ['client.firstName', (b) => { b.client.firstName = 42; }],
      ['client.needsInterpreter', (b) => { b.client.needsInterpreter = 'yes'; }],
      ['consent.shareWithAttorney', (b) => { b.consent.shareWithAttorney = 'true'; }],
      ['practiceAreas', (b) => { b.practiceAreas = { asylum: true }; }],
      ['client', (b) => { b.client = ['Zorblatt']; }],
      ['custody', (b) => { b.custody = null; }],
      // An empty array passes nested validation unless the field must be an object.
      ['consent', (b) => { b.consent = []; }],
      ['custody', (b) => { b.custody = []; }],
      ['client.safeToContact', (b) => { b.client.safeToContact = []; }],
      ['client.safeToContact', (b) => { b.client.safeToContact = 'no voicemail'; }],
      ['client.role', (b) => { b.client.role = 'admin'; }],
      ['custody.warden', (b) => { b.custody.warden = 'x'; }],
      ['client.dateOfBirth', (b) => { b.client.dateOfBirth = '1990-02-30'; }],
      ['client.dateOfBirth', (b) => { b.client.dateOfBirth = '2999-01-01'; }],
      ['client.dateOfBirth', (b) => { b.client.dateOfBirth = '0000-00-00'; }],
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = '2026-13-01T10:00:00Z'; }],
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = '2026-02-30T10:00:00-06:00'; }],
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = '2026-11-20T25:00:00Z'; }],
      // The end of the day plus less than a millisecond: PostgreSQL refuses it (it was a 500).
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = '2026-11-20T24:00:00.0001-06:00'; }],
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = '2026-11-20T16:00:00+25:00'; }],
      ['custody.releaseEligibleAt', (b) => { b.custody.releaseEligibleAt = 1763654400000; }],
      ['custody.timeZone', (b) => { b.custody.timeZone = 'Mars/Olympus_Mons'; }],
      ['custody.timeZone', (b) => { b.custody.timeZone = 'America/Nowhere'; }],
      ['custody.timeZone', (b) => { b.custody.timeZone = 'UTC+99'; }],
      ['custody.timeZone', (b) => { b.custody.timeZone = 'America/Chicago\u0000'; }],
      ['custody.timeZone', (b) => { b.custody.timeZone = { name: 'America/Chicago' }; }],
      // Lone surrogates are not well-formed Unicode: the encryption refuses them, so validation must name them first.
      ['client.criminalHistory', (b) => { b.client.criminalHistory = '\udfff\ud800'; }],
      ['narrative', (b) => { b.narrative = 'text \ud800 more'; }],
      // PostgreSQL's text cannot hold a NUL character: refused by validation, not by the database (a 500).
      ['custody.county', (b) => { b.custody.county = 'Harris\u0000'; }],
      ['narrative', (b) => { b.narrative = 'text \u0000 more'; }],
    ];

    /** What a refused write must leave as it was: the cases, their deadlines, events and ciphertexts, and the trail. */
    const stored = async () => (await t.db.query(
      `SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM deadlines)::int AS deadlines,
              (SELECT count(*) FROM case_events)::int AS events, (SELECT count(*) FROM audit_events)::int AS audit,
              (SELECT md5(string_agg(c::text, '' ORDER BY c.id)) FROM cases c) AS rows`))[0];

    it.each(intake400())('POST /api/cases with a bad %s is a 400 naming it, and nothing is stored', async (field, mutate) => {
      const body = intakeBody() as Body;
      mutate(body);
      const before = await stored();
      const res = await t.http.post('/api/cases').set(intake.auth).send(body);
      expectClear4xx(res, field, JSON.stringify(body.client).slice(0, 80) + JSON.stringify(body.custody));
      expect(res.status).toBe(400);
      expect(await stored()).toEqual(before);
    });

    it.each(intake400())('PATCH /api/cases/:id with a bad %s is a 400 naming it, and the case is as it was', async (field, mutate) => {
      const body = { client: {}, consent: {}, custody: {} } as Body;
      mutate(body);
      for (const key of ['client', 'consent', 'custody']) if (body[key] && typeof body[key] === 'object' && !Array.isArray(body[key]) && Object.keys(body[key]).length === 0) delete body[key];
      const before = await stored();
      const res = await t.http.patch(`/api/cases/${caseId}`).set(intake.auth).send(body);
      expectClear4xx(res, field, JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(await stored()).toEqual(before);
    });

    it('PATCH /api/organization with offerWindowsMinutes as an array (empty, so nested validation sees nothing) is a 400 naming it', async () => {
      const res = await send(t.http, 'PATCH', '/api/organization', admin.auth, { offerWindowsMinutes: [] });
      expectClear4xx(res, 'offerWindowsMinutes', 'PATCH /api/organization');
      expect(res.status).toBe(400);
    });

    it('a NUL character in any free-text field that is stored as plain text is a 400 naming it', async () => {
      const withDeadline = await createCase(intakeBody() as Body);
      const [{ id: deadlineId }] = await t.db.query(`SELECT id FROM deadlines WHERE case_id = $1 LIMIT 1`, [withDeadline.id]);
      const calls: [string, string, Session, Body, string][] = [
        ['PATCH', `/api/deadlines/${deadlineId}`, coordinator, { status: 'met', note: 'filed\u0000' }, 'note'],
        ['POST', `/api/cases/${caseId}/reveal`, coordinator, { reason: 'checking the\u0000 hearing' }, 'reason'],
        ['PATCH', '/api/organization', admin, { name: 'Legal aid\u0000' }, 'name'],
        ['POST', '/api/users', admin, { email: 'nul@test.amparo.example', name: 'N\u0000L', role: 'intake', password: 'long-enough-password' }, 'name'],
        ['GET', '/api/deadlines?dueBefore=2026-01-01T00:00:00Z%00', coordinator, {}, 'dueBefore'],
      ];
      for (const [method, url, who, body, field] of calls) {
        const res = method === 'GET' ? await send(t.http, method, url, who.auth) : await send(t.http, method, url, who.auth, body);
        expectClear4xx(res, field, `${method} ${url}`);
        expect(res.status).toBe(400);
      }
    });

    it.each([
      ['top-level __proto__', '{"__proto__":{"polluted":true},"client":{"lastName":"P","preferredLanguage":"spa"}}', '__proto__'],
      ['nested __proto__', '{"client":{"lastName":"P","preferredLanguage":"spa","__proto__":{"isAdmin":true}}}', 'client.__proto__'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}', 'constructor'],
      ['__proto__ inside an array', '{"practiceAreas":[{"__proto__":{"polluted":true}}]}', 'practiceAreas.0.__proto__'],
    ])('%s is a 400 naming it and pollutes nothing', async (_name, raw, field) => {
      for (const [method, url, who] of [['POST', '/api/cases', intake], ['PATCH', `/api/cases/${caseId}`, intake], ['POST', `/api/cases/${caseId}/events`, intake]] as [string, string, Session][]) {
        const res = await send(t.http, method, url, who.auth).set('Content-Type', 'application/json').send(raw);
        expectClear4xx(res, field, `${method} ${url}`);
        expect(res.status).toBe(400);
      }
      expect(({} as Body).polluted).toBeUndefined();
      expect(({} as Body).isAdmin).toBeUndefined();
    });

    it('a page or limit not written in decimal digits, or out of range, is a 400 with one message; a parameter given twice says so', async () => {
      for (const limit of ['0x10', '1e3', '%2B5', '%201', 'abc', '1.5', '-1', '0', '201', '99999999999999999999']) {
        const res = await send(t.http, 'GET', `/api/cases?limit=${limit}`, coordinator.auth);
        expectClear4xx(res, 'limit', limit);
        expect([limit, res.status, res.body.fields]).toEqual([limit, 400, { limit: ['limit must be a whole number from 1 to 200'] }]);
      }
      const page = await send(t.http, 'GET', '/api/deadlines?page=abc', coordinator.auth);
      expect([page.status, page.body.fields]).toEqual([400, { page: ['page must be a whole number from 1 to 100000'] }]);
      const fine = await send(t.http, 'GET', '/api/cases?limit=7&page=2', coordinator.auth);
      expect([fine.status, fine.body.limit, fine.body.page]).toEqual([200, 7, 2]);
      // Left blank (a form's empty box): not given, the default.
      const blank = await send(t.http, 'GET', '/api/cases?limit=&page=', coordinator.auth);
      expect([blank.status, blank.body.limit, blank.body.page]).toEqual([200, 50, 1]);
      for (const [url, who, field] of [
        ['/api/facilities?q=a&q=b', intake, 'q'], ['/api/cases?status=new&status=closed', coordinator, 'status'], ['/api/cases?aNumber=1&aNumber=2', intake, 'aNumber'],
      ] as [string, Session, string][]) {
        const res = await send(t.http, 'GET', url, who.auth);
        expect([url, res.status, res.body.fields]).toEqual([url, 400, { [field]: [`${field} must be given once`] }]);
      }
    });

    it('a field named after an inherited method (toString, valueOf, hasOwnProperty) is a 400 naming it, not dropped with a 200', async () => {
      const narrative = async () => (await t.http.get(`/api/cases/${caseId}`).set(intake.auth).expect(200)).body.narrative;
      const before = await narrative();
      const calls: [string, string, Session, Body, string][] = [
        ['PATCH', `/api/cases/${caseId}`, intake, { narrative: 'changed by a refused request', toString: 'x' }, 'toString'],
        ['PATCH', `/api/cases/${caseId}`, intake, { narrative: 'changed by a refused request', custody: { bookingNumber: 'B-1', valueOf: 'x' } }, 'custody.valueOf'],
        ['PATCH', '/api/organization', admin, { offerWindowsMinutes: { hasOwnProperty: 1 } }, 'offerWindowsMinutes.hasOwnProperty'],
        ['POST', '/api/cases', intake, { client: { lastName: 'P', preferredLanguage: 'spa', __lookupGetter__: 'x' } }, 'client.__lookupGetter__'],
        ['GET', '/api/cases?toString=1', intake, {}, 'toString'],
        ['GET', '/api/deadlines?isPrototypeOf=1', coordinator, {}, 'isPrototypeOf'],
      ];
      for (const [method, url, who, body, field] of calls) {
        const res = method === 'GET' ? await send(t.http, method, url, who.auth) : await send(t.http, method, url, who.auth, body);
        expectClear4xx(res, field, `${method} ${url}`);
        expect(res.status).toBe(400);
        expect(res.body.fields[field]).toEqual(['is not a known field']);
      }
      expect(await narrative()).toBe(before);
    });

    it.each([
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '2026-02-30' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '2026-13-01' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '2026-11-20T25:61:00Z' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '2026-11-20T10:00:00+99:00' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '0000-01-01' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: '99999-01-01' }],
      ['occurredAt', { type: 'detainer_lodged', occurredAt: 20261120 }],
      ['occurredAt', { type: 'detainer_lodged' }],
      ['type', { type: 'abducted_by_aliens', occurredAt: '2026-01-05' }],
      ['scheduledAt', { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'bond', scheduledAt: '2026-02-30T09:00:00-06:00' }],
      ['scheduledAt', { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'bond' }],
      ['timeZone', { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'bond', scheduledAt: '2026-02-03T09:00:00-06:00', timeZone: 'Mars/Olympus_Mons' }],
      ['timeZone', { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'bond', scheduledAt: '2026-02-03T09:00:00-06:00', timeZone: 'Europe/Atlantis' }],
      ['timeZone', { type: 'hearing_scheduled', occurredAt: '2026-01-05', hearingType: 'bond', scheduledAt: '2026-02-03T09:00:00-06:00', timeZone: 'America/Guatemala' }],
      ['facilityCode', { type: 'transferred', occurredAt: '2026-01-05', facilityCode: 'NOSUCH9' }],
      ['days', { type: 'voluntary_departure_granted', occurredAt: '2026-01-05', days: 1e9 }],
      ['days', { type: 'voluntary_departure_granted', occurredAt: '2026-01-05', days: '30' }],
      ['amount', { type: 'bond_decision', occurredAt: '2026-01-05', outcome: 'granted', amount: -5 }],
      ['from', { type: 'detainer_lodged', occurredAt: '2026-01-05', from: 'ice' }],
      ['role', { type: 'detainer_lodged', occurredAt: '2026-01-05', role: 'admin' }],
    ])('POST /api/cases/:id/events with a bad %s is a 400 naming it, and records nothing', async (field, body) => {
      const events = async () => (await t.db.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1`, [caseId]))[0].n;
      const before = await events();
      const res = await t.http.post(`/api/cases/${caseId}/events`).set(intake.auth).send(body);
      expectClear4xx(res, field, JSON.stringify(body));
      expect(res.status).toBe(400);
      expect(await events()).toBe(before);
    });

    it.each([
      ['PATCH /api/users/:id', 'name'],
      ['PATCH /api/organization', 'name'],
      ['PUT /api/attorneys/me/profile', 'languages'],
      ['PATCH /api/cases/:id', 'client.preferredLanguage'],
    ])('null where a value is required: %s with %s null is a 400 naming it, not a TypeError', async (route, field) => {
      const [method, path] = route.split(' ');
      const [url, who, body]: [string, Session, Body] =
        path === '/api/users/:id' ? [`/api/users/${otherIntake.userId}`, admin, { name: null }]
          : path === '/api/organization' ? [path, admin, { name: null }]
            : path === '/api/cases/:id' ? [`/api/cases/${caseId}`, intake, { client: { preferredLanguage: null } }]
              : [path, attorneyA, { ...PROFILE, languages: null }];
      const res = await send(t.http, method, url, who.auth, body);
      expectClear4xx(res, field, `${route} ${JSON.stringify(body)}`);
      expect(res.status).toBe(400);
    });

    it('other malformed requests: non-object JSON, malformed ids and queries, bad headers', async () => {
      const cases: [string, string, Session | null, unknown, string | undefined][] = [
        ['POST', '/api/cases', intake, [], undefined],
        ['POST', '/api/cases', intake, [minimalBody()], undefined],
        ['PATCH', `/api/cases/${caseId}`, intake, [], undefined],
        ['POST', `/api/cases/${caseId}/events`, intake, [{ type: 'detainer_lodged', occurredAt: '2026-01-05' }], undefined],
        ['PUT', '/api/attorneys/me/profile', attorneyA, [], undefined],
        ['GET', '/api/cases/not-a-uuid', intake, undefined, undefined],
        ['GET', '/api/cases?limit=100000', coordinator, undefined, 'limit'],
        ['GET', '/api/cases?page=-1', coordinator, undefined, 'page'],
        ['GET', '/api/cases?status[$ne]=closed', coordinator, undefined, 'status[$ne]'],
        ['GET', '/api/cases?status=new&status=closed', coordinator, undefined, 'status'],
        ['GET', '/api/deadlines?dueBefore=2026-02-30T00:00:00Z', coordinator, undefined, 'dueBefore'],
        ['GET', '/api/deadlines?dueBefore=2026-11-30T24:00:00.000999Z', coordinator, undefined, 'dueBefore'],
        ['PUT', '/api/attorneys/me/profile', attorneyA, { ...attorneyProfile(), unavailableUntil: '2026-11-30T24:00:00.0001Z' }, 'unavailableUntil'],
        ['GET', '/api/audit?caseId=1%27%20OR%201=1', coordinator, undefined, 'caseId'],
        ['GET', '/api/cases?aNumber=A12', coordinator, undefined, 'aNumber'],
      ];
      for (const [method, url, who, body, field] of cases) {
        const res = await send(t.http, method, url, who?.auth ?? null, body);
        expectClear4xx(res, field, `${method} ${url} ${JSON.stringify(body)}`);
        expect({ method, url, status: res.status }).toEqual({ method, url, status: 400 });
      }
      const key = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'short').send(minimalBody());
      expectClear4xx(key, 'Idempotency-Key');
      // Named before the body is read: with a body that is wrong too, the key is what the answer names.
      const both = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'short').send({ client: 'x' });
      expect([both.status, Object.keys(both.body.fields ?? {})]).toEqual([400, ['Idempotency-Key']]);
      const text = await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'text/plain').send('client=x');
      expect([text.status, text.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      // curl -d without a Content-Type sends a form: refused, and the body (client data) is not sent back as a field name.
      const form = await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'application/x-www-form-urlencoded')
        .send(JSON.stringify(intakeBody()));
      expect([form.status, form.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(form.text).not.toContain(CANARY.lastName);
      // A body that does not decode by its Content-Encoding says so (it was a bare "Bad Request").
      for (const [encoding, raw] of [['br', '{}'], ['gzip', 'not gzip'], ['deflate', 'not deflate'], ['gzip', gzipSync('{"email":"x').subarray(0, 12)]] as const) {
        // Raw bytes: supertest would send a Buffer given as JSON as its JSON form.
        const undecodable = await t.http.post('/api/auth/login').set('Content-Type', 'application/json').set('Content-Encoding', encoding)
          .serialize((body: unknown) => body as string).send(raw as string);
        expectClear4xx(undecodable);
        expect([encoding, undecodable.status, undecodable.body.code, undecodable.body.message])
          .toEqual([encoding, 400, 'MALFORMED_BODY', 'Request body could not be decoded by its Content-Encoding']);
      }
    });
  });
});
