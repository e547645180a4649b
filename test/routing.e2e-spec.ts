import { FixedClock } from '@amparo/common';
import { AuditSealService } from '@amparo/audit';
import { ReferralsService } from '@amparo/routing';
import { DeadlineJobsService } from '@amparo/deadlines';
import { MailDeliveryService, URGENT_KINDS } from '@amparo/notifications';
import { SMTPServer } from 'smtp-server';
import { CANARY, intakeBody, minimalBody } from './support/cases';
import { TestApp, createTestApp } from './support/test-app';
import { attorneyProfile } from './support/attorneys';
import { Session, createUser, login, loginAdmin } from './support/users';

const profile = attorneyProfile;

/** A normal-urgency case (no detainer), so auto-routing leaves it to the coordinator. */
const routableCase = (overrides: Record<string, unknown> = {}) => ({
  ...minimalBody(),
  client: { firstName: 'Routable', lastName: `Client${Math.random().toString(36).slice(2, 7)}`, preferredLanguage: 'spa' },
  consent: { shareWithAttorney: true, obtainedFrom: 'client' },
  custody: { status: 'ice_detention', state: 'TX', county: 'Harris' },
  practiceAreas: ['detention_bond'],
  ...overrides,
});

describe('routing and referrals (e2e)', () => {
  const clock = new FixedClock(new Date());
  let t: TestApp;
  let admin: Session;
  let intake: Session;
  let coordinator: Session;
  let otherCoordinator: Session;
  const attorneys: Session[] = [];

  const createCase = async (body: object = routableCase()) => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; status: string; possibleDuplicates?: string[]; urgency: { level: string }; flags: { code: string }[] };
  };
  const route = (caseId: string, body: object = {}, who: Session = coordinator) =>
    t.http.post(`/api/cases/${caseId}/referrals`).set(who.auth).send(body);
  const setProfile = (who: Session, overrides: Record<string, unknown> = {}) =>
    t.http.put('/api/attorneys/me/profile').set(who.auth).send(profile(overrides));
  const offerFor = (attorneyId: string) => attorneys.find((a) => a.userId === attorneyId)!;

  beforeAll(async () => {
    t = await createTestApp({ clock });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
    coordinator = await createUser(t.http, admin, 'coordinator');
    otherCoordinator = await createUser(t.http, admin, 'coordinator');
    // Detained clients without counsel are urgent: the coordinator routes by hand here (auto-routing has its own test).
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    for (let i = 0; i < 3; i++) {
      const a = await createUser(t.http, admin, 'attorney');
      expect((await setProfile(a)).status).toBe(200);
      attorneys.push(a);
    }
  });
  afterAll(() => t.close());

  it('validates a profile and names the field', async () => {
    const res = await setProfile(attorneys[0], { languages: ['Spanish'], maxActiveCases: -1 });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields).sort()).toEqual(['languages', 'maxActiveCases']);
    expect((await t.http.get('/api/attorneys').set(coordinator.auth)).body).toHaveLength(3);
  });

  it('profile codes are read as intake reads them (" tx" is TX) and must name a real state and facility', async () => {
    for (const [overrides, field] of [
      [{ states: ['ZZ'] }, 'states'],
      [{ barStates: ['QQ'] }, 'barStates'],
      [{ facilityCodes: ['NOPE1'] }, 'facilityCodes'],
    ] as const) {
      const res = await setProfile(attorneys[0], overrides);
      expect([res.status, Object.keys(res.body.fields ?? {})]).toEqual([400, [field]]);
    }
    const saved = await setProfile(attorneys[0], { states: [' tx', 'TX'], barStates: ['tx', 'Ca'], facilityCodes: ['houicdf '], languages: ['spa', 'SPA', 'fre', 'fra'] });
    expect(saved.status).toBe(200);
    // The same language typed twice (or its older code) is one, as a state is.
    expect(saved.body).toMatchObject({ states: ['TX'], barStates: ['TX', 'CA'], facilityCodes: ['HOUICDF'], languages: ['spa', 'fra'] });
    await setProfile(attorneys[0], {}).expect(200);
  });

  it('offers the best match with readable reasons, and the attorney sees a de-identified summary only', async () => {
    const c = await createCase(routableCase({ narrative: 'Narrative canary text', client: { firstName: CANARY.firstName, lastName: CANARY.lastName, aNumber: CANARY.aNumber, preferredLanguage: 'spa' } }));
    expect(c.status).toBe('new');
    const res = await route(c.id);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ caseId: c.id, status: 'offered', attorneyId: expect.any(String), respondBy: expect.any(String) });
    expect(res.body.match.reasons.join(' ')).toMatch(/Spanish/);
    // Detained without counsel makes the case high: 24 hours to answer by default.
    expect(Date.parse(res.body.respondBy) - clock.now().getTime()).toBe(24 * 3600_000);
    const attorney = offerFor(res.body.attorneyId);
    const mine = await t.http.get('/api/referrals?status=Offered%20').set(attorney.auth);
    const offer = mine.body.items.find((r: { id: string }) => r.id === res.body.id);
    expect(offer.case).toMatchObject({ urgency: expect.any(String), language: 'spa', practiceAreas: ['detention_bond'], county: 'Harris' });
    // Why it is urgent, and its flags: the attorney decides on these, and cannot read the case before accepting.
    const asCoordinator = (await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth).expect(200)).body;
    expect(offer.case.urgencyReasons).toEqual(asCoordinator.urgency.reasons);
    expect(offer.case.urgencyReasons.join(' ')).toMatch(/without counsel|detained/i);
    expect(offer.case.flags).toEqual(asCoordinator.flags);
    expect(offer.case.flags.map((f: { code: string }) => f.code)).toContain('detained_without_counsel');
    // The OpenAPI document describes every field of it.
    const schemas = (await t.http.get('/docs-json').expect(200)).body.components.schemas;
    expect(Object.keys(schemas.ReferralCaseSummaryResponse.properties).sort()).toEqual(Object.keys(offer.case).sort());
    for (const needle of [CANARY.firstName, CANARY.lastName, CANARY.aNumberDigits, 'canary text']) expect(JSON.stringify(mine.body)).not.toContain(needle);
    expect((await t.http.get(`/api/cases/${c.id}`).set(attorney.auth)).status).toBe(404);

    const accepted = await t.http.post(`/api/referrals/${res.body.id}/accept`).set(attorney.auth);
    expect(accepted.status).toBe(200);
    const full = await t.http.get(`/api/cases/${c.id}`).set(attorney.auth);
    expect(full.body).toMatchObject({ view: 'full', status: 'assigned', assignedAttorneyId: attorney.userId });
    expect(full.body.client.lastName).toBe(CANARY.lastName);
    const audit = await t.http.get(`/api/audit?caseId=${c.id}&action=referral.accept`).set(coordinator.auth);
    expect(audit.body.items).toHaveLength(1);
    expect((await route(c.id)).status).toBe(409);
  });

  it('someone held past the 48-hour hold: the offered attorney\'s summary shows the missed hold while its outer limit is ahead', async () => {
    const started = clock.now();
    // Monday 10:00 in Houston; eligible for release on Saturday at 9:00: the 48 hours ended at 9:00 this morning, the
    // outer limit (Saturday and Sunday not counted) is Wednesday at midnight.
    clock.set(new Date('2026-11-30T16:00:00Z'));
    try {
      const c = await createCase(routableCase({ custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: '2026-11-28T15:00:00Z' } }));
      const res = await route(c.id);
      expect(res.status).toBe(201);
      const summary = async (who = offerFor(res.body.attorneyId)) => (await t.http.get('/api/referrals?status=offered&limit=200').set(who.auth)).body.items
        .find((r: { id: string }) => r.id === res.body.id).case;
      const offered = await summary();
      expect(offered.urgency).toBe('critical');
      expect(offered.deadlines).toEqual([
        expect.objectContaining({ rule: 'detainer_hold', status: 'missed', dueAt: '2026-11-30T09:00:00-06:00', outerLimitAt: '2026-12-02T00:00:00-06:00', timeZone: 'America/Chicago' }),
      ]);
      const schemas = (await t.http.get('/docs-json').expect(200)).body.components.schemas;
      expect(Object.keys(schemas.ReferralCaseDeadlineResponse.properties)).toEqual(expect.arrayContaining(Object.keys(offered.deadlines[0])));
      // Out of the jail (transferred to ICE's custody, in Houston): the jail's hold binds no one, and is not listed.
      await t.http.post(`/api/cases/${c.id}/events`).set(coordinator.auth)
        .send({ type: 'transferred', occurredAt: '2026-11-30T15:30:00Z', facilityCode: 'HOUICDF' }).expect(201);
      const moved = (await t.http.get('/api/referrals?limit=200').set(coordinator.auth)).body.items.find((r: { id: string }) => r.id === res.body.id);
      expect(moved.status).toBe('offered');
      expect(moved.case.deadlines.filter((d: { rule: string }) => d.rule === 'detainer_hold')).toEqual([]);
      // Past the outer limit too, it is history: not listed (read by a coordinator: the offer's time has passed too).
      clock.set(new Date('2026-12-02T07:00:00Z'));
      expect((await summary(coordinator)).deadlines).toEqual([]);
      // The attorney's slot back, for the tests after.
      await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    } finally {
      clock.set(started);
    }
  });

  it("a closed case's deadlines are not listed as open in the referral's summary: they are no longer followed", async () => {
    const c = await createCase();
    const offer = (await route(c.id).expect(201)).body;
    const attorney = offerFor(offer.attorneyId);
    await t.http.post(`/api/referrals/${offer.id}/accept`).set(attorney.auth).expect(200);
    const now = clock.now().getTime();
    await t.http.post(`/api/cases/${c.id}/events`).set(attorney.auth)
      .send({ type: 'hearing_scheduled', occurredAt: new Date(now - 60_000).toISOString(), hearingType: 'bond', scheduledAt: new Date(now + 5 * 86_400_000).toISOString() })
      .expect(201);
    const summary = async () => (await t.http.get('/api/referrals?status=accepted&limit=200').set(attorney.auth)).body.items
      .find((r: { id: string }) => r.id === offer.id).case;
    expect((await summary()).deadlines).toEqual([expect.objectContaining({ rule: 'bond_hearing', status: 'open' })]);
    await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'represented' }).expect(200);
    expect((await summary()).deadlines).toEqual([]);
    // Open again, the case's deadlines are followed again.
    await t.http.post(`/api/cases/${c.id}/reopen`).set(coordinator.auth).expect(200);
    expect((await summary()).deadlines).toEqual([expect.objectContaining({ rule: 'bond_hearing', status: 'open' })]);
    await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
  });

  it('a coordinator whose routing finds nobody is answered so (422); the other coordinators are emailed', async () => {
    const c = await createCase(routableCase({ client: { firstName: 'Nadie', lastName: 'Disponible', preferredLanguage: 'ixl' } }));
    const res = await route(c.id);
    expect([res.status, res.body.code]).toEqual([422, 'NO_ELIGIBLE_ATTORNEY']);
    const told: { recipient_id: string }[] = await t.db.query(`SELECT recipient_id FROM notifications WHERE case_id = $1 AND kind = 'case.unplaced'`, [c.id]);
    expect(told.map((m) => m.recipient_id)).toContain(otherCoordinator.userId);
    expect(told.map((m) => m.recipient_id)).not.toContain(coordinator.userId);
  });

  it('decline moves the offer to the next attorney; nobody left makes the case unplaced', async () => {
    const c = await createCase();
    const seen = new Set<string>();
    let current: { id: string; attorneyId: string } = (await route(c.id)).body;
    for (;;) {
      expect(seen.has(current.attorneyId)).toBe(false);
      seen.add(current.attorneyId);
      // A reason as a phone keyboard sends it: capitalized, a space after.
      const res = await t.http.post(`/api/referrals/${current.id}/decline`).set(offerFor(current.attorneyId).auth).send({ reason: seen.size === 1 ? 'Capacity ' : 'capacity' });
      expect(res.status).toBe(200);
      // The decliner learns whether the case moved on, not to whom: the next offer is another attorney's referral.
      expect(Object.keys(res.body).sort()).toEqual(['caseStatus', 'referral']);
      if (res.body.caseStatus === 'unplaced') break;
      expect(res.body.caseStatus).toBe('offered');
      const [open] = await t.db.query(`SELECT id, attorney_id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [c.id]);
      current = { id: open.id, attorneyId: open.attorney_id };
    }
    expect(seen.size).toBe(3);
    const view = await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth);
    expect(view.body.status).toBe('unplaced');
    // Everyone declined: routing again finds nobody (422) and the case stays unplaced.
    const again = await route(c.id);
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('NO_ELIGIBLE_ATTORNEY');
    // The coordinator learns why, in counts (never who).
    expect(again.body.message).toMatch(/3 attorneys matched the profile filters; excluded: 3 for an earlier offer of this case/);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM notifications WHERE case_id = $1 AND kind = 'case.unplaced'`, [c.id]);
    expect(n).toBeGreaterThan(0);
    // Each time the case became unplaced is on the record: by the system after the last decline, by the coordinator
    // whose routing found nobody; why, in counts.
    const unplaced = await t.db.query(
      `SELECT actor_role, actor_id, details FROM audit_events WHERE case_id = $1 AND action = 'referral.unplaced' ORDER BY id`, [c.id]);
    expect(unplaced).toEqual([
      { actor_role: 'system', actor_id: null, details: { why: expect.stringMatching(/for an earlier offer of this case/) } },
      { actor_role: 'coordinator', actor_id: coordinator.userId, details: { why: expect.stringMatching(/^3 attorneys matched/) } },
    ]);
  });

  it('a decline note reaches the coordinators in the referral list', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    await t.http.post(`/api/referrals/${offer.id}/decline`).set(offerFor(offer.attorneyId).auth)
      .send({ reason: 'other', note: 'Traveling until the 10th' }).expect(200);
    const list = await t.http.get('/api/referrals?status=declined&limit=100').set(coordinator.auth).expect(200);
    expect(list.body.items.find((r: { id: string }) => r.id === offer.id)).toMatchObject({ declineReason: 'other', declineNote: 'Traveling until the 10th' });
    // Withdraw what moved on, so that the attorneys' capacity stays as the other tests expect.
    const next = await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [c.id]);
    for (const r of next) await t.http.post(`/api/referrals/${r.id}/withdraw`).set(coordinator.auth).expect(200);
  });

  it('an attorney reads their own profile back; admins and coordinators list the attorneys (not former ones)', async () => {
    const mine = await t.http.get('/api/attorneys/me/profile').set(attorneys[0].auth).expect(200);
    expect(mine.body).toMatchObject({ userId: attorneys[0].userId, languages: expect.any(Array), maxActiveCases: expect.any(Number) });
    expect((await t.http.get('/api/attorneys').set(admin.auth).expect(200)).body).toHaveLength(3);
    const former = await createUser(t.http, admin, 'attorney');
    await setProfile(former).expect(200);
    expect((await t.http.get('/api/attorneys').set(coordinator.auth).expect(200)).body).toHaveLength(4);
    await t.http.patch(`/api/users/${former.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
    expect((await t.http.get('/api/attorneys').set(coordinator.auth).expect(200)).body).toHaveLength(3);
    const noProfile = await createUser(t.http, admin, 'attorney');
    expect((await t.http.get('/api/attorneys/me/profile').set(noProfile.auth)).status).toBe(404);
  });

  it('a profile PUT with If-Match (the version read) is refused when the profile was saved since: a coordinator\'s stale form does not undo the attorney\'s leave', async () => {
    const lawyer = await createUser(t.http, admin, 'attorney');
    const missing = await t.http.put(`/api/attorneys/${lawyer.userId}/profile`).set(coordinator.auth).set('If-Match', '*').send(profile());
    expect([missing.status, missing.body.code]).toEqual([412, 'STALE_RECORD']);
    const first = await setProfile(lawyer).expect(200);
    expect(first.headers.etag).toBe(`"${first.body.updatedAt}"`);
    const read = (await t.http.get('/api/attorneys').set(coordinator.auth).expect(200)).body.find((a: { userId: string }) => a.userId === lawyer.userId);
    // The attorney marks themself away, a moment later.
    clock.set(new Date(clock.now().getTime() + 1000));
    const away = new Date(clock.now().getTime() + 14 * 86_400_000).toISOString();
    const mine = await setProfile(lawyer, { unavailableUntil: away }).expect(200);
    const stale = await t.http.put(`/api/attorneys/${lawyer.userId}/profile`).set(coordinator.auth).set('If-Match', `"${read.updatedAt}"`).send(profile({ maxActiveCases: 3 }));
    expect([stale.status, stale.body.code]).toEqual([412, 'STALE_RECORD']);
    const kept = await t.http.get('/api/attorneys/me/profile').set(lawyer.auth).expect(200);
    expect([kept.body.unavailableUntil, kept.headers.etag]).toEqual([away, mine.headers.etag]);
    await t.http.put(`/api/attorneys/${lawyer.userId}/profile`).set(coordinator.auth).set('If-Match', kept.headers.etag)
      .send(profile({ maxActiveCases: 3, unavailableUntil: away })).expect(200);
    await t.http.patch(`/api/users/${lawyer.userId}`).set(admin.auth).send({ active: false }).expect(200);
  });

  it('an unanswered offer expires and moves on (controllable clock)', async () => {
    const c = await createCase();
    const first = (await route(c.id)).body;
    const service = t.app.get(ReferralsService);
    expect(await service.expireDue()).toBe(0);
    clock.advance(24 * 3600_000 + 1000);
    try {
      expect(await service.expireDue()).toBeGreaterThanOrEqual(1);
    } finally {
      clock.set(new Date());
    }
    const [old] = await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [first.id]);
    expect(old.status).toBe('expired');
    const [next] = await t.db.query(`SELECT attorney_id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [c.id]);
    expect(next.attorney_id).not.toBe(first.attorneyId);
    // The expired attorney can no longer accept.
    expect((await t.http.post(`/api/referrals/${first.id}/accept`).set(offerFor(first.attorneyId).auth)).status).toBe(409);
  });

  it('an offer made before the case turned critical is shortened to the critical window from then, and its attorney told', async () => {
    const c = await createCase();
    const offered = (await route(c.id)).body;
    expect(Date.parse(offered.respondBy) - clock.now().getTime()).toBe(24 * 3600_000); // high: detained, no counsel
    const attorney = offerFor(offered.attorneyId);
    const started = clock.now();
    clock.advance(3600_000);
    try {
      // An hour later the intake learns the client is in a county jail with an ICE detainer, eligible for release now.
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth)
        .send({ custody: { status: 'local_jail', timeZone: 'America/Chicago', detainerLodged: true, releaseEligibleAt: clock.now().toISOString() } }).expect(200);
      expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth)).body.urgency.level).toBe('critical');
      const due = clock.now().getTime() + 2 * 3600_000;
      const mine = await t.http.get('/api/referrals?status=offered').set(attorney.auth).expect(200);
      expect(Date.parse(mine.body.items.find((r: { id: string }) => r.id === offered.id).respondBy)).toBe(due);
      const told = await t.db.query(`SELECT recipient_id, subject FROM notifications WHERE dedupe_key LIKE $1`, [`offer:${offered.id}:sooner:%`]);
      expect(told).toEqual([{ recipient_id: attorney.userId, subject: expect.stringContaining(`${c.reference} is now critical`) }]);
      // The answer time in the organization's zone (New York unless set), as the attorney reads a clock, not UTC.
      const [{ time_zone: zone }] = await t.db.query(`SELECT time_zone FROM organizations LIMIT 1`);
      const emails = await t.db.query(`SELECT subject, body FROM notifications WHERE dedupe_key LIKE $1 ORDER BY id`, [`offer:${offered.id}%`]);
      for (const email of emails) {
        expect(email.subject).toMatch(/please answer by \w{3} \d{1,2} \w{3}( \d{4})?, \d{1,2}:\d{2} [AP]M (EST|EDT|CST|CDT|MST|MDT|PST|PDT)$/);
        expect(email.body).toContain(`(${zone})`);
        expect(email.subject).not.toContain('UTC');
      }
      const shortenings = async () =>
        t.db.query(`SELECT details FROM audit_events WHERE action = 'referral.shorten' AND case_id = $1`, [c.id]);
      expect(await shortenings()).toEqual([{ details: { referralId: offered.id, attorneyId: attorney.userId, level: 'critical', from: offered.respondBy, to: new Date(due).toISOString() } }]);
      // Recomputed again at the same level a minute later (a custody correction): nothing moves, nobody is told again.
      clock.advance(60_000);
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ custody: { timeZone: 'America/Chicago', detainerLodged: true } }).expect(200);
      expect((await t.db.query(`SELECT respond_by FROM referrals WHERE id = $1`, [offered.id]))[0].respond_by.getTime()).toBe(due);
      expect(await shortenings()).toHaveLength(1);
      expect(await t.db.query(`SELECT 1 FROM notifications WHERE dedupe_key LIKE $1`, [`offer:${offered.id}:sooner:%`])).toHaveLength(1);
      clock.advance(2 * 3600_000 + 1000);
      expect(await t.app.get(ReferralsService).expireDue()).toBeGreaterThanOrEqual(1);
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [offered.id]))[0].status).toBe('expired');
    } finally {
      clock.set(started);
    }
  });

  it('shortened twice (high, then critical), only the newest answer time is emailed, not the first offer\'s either', async () => {
    const c = await createCase(routableCase({ custody: { status: 'released', state: 'TX', county: 'Harris' } }));
    const offered = (await route(c.id)).body;
    const started = clock.now();
    try {
      clock.advance(60_000);
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ custody: { status: 'ice_detention', state: 'TX', county: 'Harris' } }).expect(200);
      clock.advance(60_000);
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth)
        .send({ custody: { status: 'local_jail', timeZone: 'America/Chicago', detainerLodged: true, releaseEligibleAt: clock.now().toISOString() } }).expect(200);
      const emails = () => t.db.query(`SELECT dedupe_key, sent_at, cancelled_at FROM notifications WHERE dedupe_key LIKE $1 ORDER BY dedupe_key`, [`offer:${offered.id}%`]);
      expect((await emails()).map((e: { dedupe_key: string }) => e.dedupe_key))
        .toEqual([`offer:${offered.id}`, `offer:${offered.id}:sooner:critical`, `offer:${offered.id}:sooner:high`]);
      await t.app.get(MailDeliveryService).deliverDue();
      const [first, critical, high] = await emails();
      // The first email's answer time is no longer true: trusting it, the attorney would let the offer expire.
      expect(first).toMatchObject({ sent_at: null, cancelled_at: expect.any(Date) });
      expect(critical).toMatchObject({ sent_at: expect.any(Date), cancelled_at: null });
      expect(high).toMatchObject({ sent_at: null, cancelled_at: expect.any(Date) });
    } finally {
      clock.set(started);
    }
  });

  it('a change of the organization\'s answer windows does not shorten an offer already made', async () => {
    const c = await createCase();
    const offered = (await route(c.id)).body;
    const settings = (await t.http.get('/api/organization').set(admin.auth).expect(200)).body.offerWindowsMinutes;
    await t.http.patch('/api/organization').set(admin.auth).send({ offerWindowsMinutes: { ...settings, high: 240 } }).expect(200);
    try {
      // Recomputed at the same level (a custody correction): the offer keeps the 24 hours it was given.
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ custody: { state: 'TX', county: 'Harris' } }).expect(200);
      expect((await t.db.query(`SELECT respond_by FROM referrals WHERE id = $1`, [offered.id]))[0].respond_by.toISOString()).toBe(offered.respondBy);
    } finally {
      await t.http.patch('/api/organization').set(admin.auth).send({ offerWindowsMinutes: settings }).expect(200);
    }
  });

  it('time passing makes the case critical: the urgency review shortens its open offer', async () => {
    const c = await createCase();
    const started = clock.now();
    try {
      // A bond denial whose 30-day appeal falls a little over three days from now: high, not yet critical.
      await t.http.post(`/api/cases/${c.id}/events`).set(coordinator.auth)
        .send({ type: 'bond_decision', occurredAt: new Date(started.getTime() - 26 * 24 * 3600_000).toISOString(), outcome: 'denied' }).expect(201);
      const [appeal] = await t.db.query(`SELECT due_at FROM deadlines WHERE case_id = $1 AND rule = 'bond_appeal' AND superseded_at IS NULL`, [c.id]);
      clock.set(new Date(appeal.due_at.getTime() - 73 * 3600_000));
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ custody: { state: 'TX', county: 'Harris' } }).expect(200);
      expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth)).body.urgency.level).toBe('high');
      const offered = (await route(c.id)).body;
      // Two hours later the appeal is due within 72 hours: the review job finds the case due and re-assesses it.
      clock.set(new Date(appeal.due_at.getTime() - 71 * 3600_000));
      expect(await t.app.get(DeadlineJobsService).reviewUrgency()).toBeGreaterThanOrEqual(1);
      expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth)).body.urgency.level).toBe('critical');
      const [after] = await t.db.query(`SELECT respond_by FROM referrals WHERE id = $1`, [offered.id]);
      expect(after.respond_by.getTime()).toBe(clock.now().getTime() + 2 * 3600_000);
    } finally {
      clock.set(started);
    }
  });

  it('an offer is never lengthened when the case becomes less urgent', async () => {
    const c = await createCase();
    const offered = (await route(c.id)).body;
    // Released from detention: no longer detained without counsel, so less urgent; the offer keeps its 24 hours.
    await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ custody: { status: 'released' } }).expect(200);
    expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth)).body.urgency.level).not.toBe('high');
    expect((await t.db.query(`SELECT respond_by FROM referrals WHERE id = $1`, [offered.id]))[0].respond_by.toISOString()).toBe(offered.respondBy);
  });

  it('an offer past its answer time holds no slot, though the expiry job has not run yet', async () => {
    // An attorney of their own: the only one speaking Haitian Creole, with room for one case.
    const only = await createUser(t.http, admin, 'attorney');
    expect((await setProfile(only, { languages: ['hat'], maxActiveCases: 1 })).status).toBe(200);
    const inCreole = () => routableCase({ client: { firstName: 'Kreyol', lastName: `Client${Math.random().toString(36).slice(2, 7)}`, preferredLanguage: 'hat' } });
    const first = await createCase(inCreole());
    const offered = (await route(first.id)).body;
    expect(offered.attorneyId).toBe(only.userId);
    const second = await createCase(inCreole());
    // While the first offer can be answered, the attorney is full.
    expect((await route(second.id)).body).not.toMatchObject({ attorneyId: only.userId });
    const third = await createCase(inCreole());
    const listed = async () => ((await t.http.get('/api/attorneys').set(coordinator.auth).expect(200)).body as { userId: string; openOffers: number }[])
      .find((a) => a.userId === only.userId)!.openOffers;
    expect(await listed()).toBe(1);
    const started = clock.now();
    clock.set(new Date(Date.parse(offered.respondBy) + 1000));
    try {
      // Past its time (not yet marked expired), it can no longer be accepted: the slot is free, and not listed as open.
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [offered.id]))[0].status).toBe('offered');
      expect(await listed()).toBe(0);
      expect((await t.http.get('/api/attorneys/me/profile').set(only.auth).expect(200)).body.openOffers).toBe(0);
      expect((await route(third.id)).body).toMatchObject({ attorneyId: only.userId, status: 'offered' });
    } finally {
      clock.set(started);
    }
  });

  it('an offer past its answer time is not open to the coordinator either: withdrawing it is 409, routing ends it and offers anew', async () => {
    const c = await createCase();
    const first = (await route(c.id)).body;
    const started = clock.now();
    clock.set(new Date(Date.parse(first.respondBy) + 1000));
    try {
      // The expiry job has not come to it: it would move it on; a withdrawal would have said the coordinator ended it.
      const withdrawn = await t.http.post(`/api/referrals/${first.id}/withdraw`).set(coordinator.auth);
      expect([withdrawn.status, withdrawn.body.code]).toEqual([409, 'OFFER_EXPIRED']);
      const next = await route(c.id);
      expect(next.status).toBe(201);
      expect(next.body.attorneyId).not.toBe(first.attorneyId);
      const rows: { id: string; status: string; withdrawn_why: string | null }[] =
        await t.db.query(`SELECT id, status, withdrawn_why FROM referrals WHERE case_id = $1 ORDER BY offered_at`, [c.id]);
      expect(rows.map((r) => [r.id, r.status, r.withdrawn_why])).toEqual([[first.id, 'expired', null], [next.body.id, 'offered', null]]);
      const [expired] = await t.db.query(
        `SELECT actor_role FROM audit_events WHERE action = 'referral.expire' AND details->>'referralId' = $1`, [first.id]);
      expect(expired.actor_role).toBe('system');
      // The job finds nothing left to expire on this case.
      await t.app.get(ReferralsService).expireDue();
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [next.body.id]))[0].status).toBe('offered');
    } finally {
      clock.set(started);
    }
    // Within its time the offer is open: routing again is still 409.
    expect((await route(c.id)).body.code).toBe('OFFER_OPEN');
  });

  it('a correction that unfits an offer past its answer time leaves it to expire and move on to an attorney who fits', async () => {
    const [first, speaker] = attorneys;
    await setProfile(speaker, { languages: ['spa', 'por'] }).expect(200);
    const started = clock.now();
    try {
      const c = await createCase();
      const offer = (await route(c.id, { attorneyId: first.userId })).body;
      clock.set(new Date(Date.parse(offer.respondBy) + 60_000));
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ client: { preferredLanguage: 'por' } }).expect(200);
      // Not withdrawn by the correction (the case would wait, new, for a coordinator): the attorney let it lapse.
      expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [offer.id]))[0].status).toBe('offered');
      expect(await t.app.get(ReferralsService).expireDue()).toBeGreaterThanOrEqual(1);
      const rows = await t.db.query(`SELECT attorney_id, status FROM referrals WHERE case_id = $1 ORDER BY offered_at`, [c.id]);
      expect(rows).toEqual([{ attorney_id: first.userId, status: 'expired' }, { attorney_id: speaker.userId, status: 'offered' }]);
      expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth).expect(200)).body.status).toBe('offered');
    } finally {
      clock.set(started);
      await setProfile(speaker).expect(200);
    }
  });

  it('consent withdrawn while an offer is past its answer time: the expiry leaves the case unplaced, and says consent is missing', async () => {
    const started = clock.now();
    try {
      const c = await createCase();
      const offer = (await route(c.id)).body;
      clock.set(new Date(Date.parse(offer.respondBy) + 60_000));
      await t.http.patch(`/api/cases/${c.id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false, obtainedFrom: 'client' } }).expect(200);
      await t.app.get(ReferralsService).expireDue();
      expect((await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth).expect(200)).body.status).toBe('unplaced');
      const emails: { subject: string; body: string }[] = await t.db.query(`SELECT subject, body FROM notifications WHERE case_id = $1 AND kind = 'case.unplaced'`, [c.id]);
      expect(emails.length).toBeGreaterThan(0);
      // Not "place it by hand": routing it would be refused until consent is recorded.
      for (const { subject, body } of emails) {
        expect(subject).toMatch(/cannot be offered: consent to share is not recorded$/);
        expect(body).toMatch(/consent to share it is not recorded/);
      }
    } finally {
      clock.set(started);
    }
  });

  it('an override offer to an attorney who is away says until when in the case\'s zone, as every other time', async () => {
    // On a fixed day: on the wall clock, the attorney is back once 4 Jan 2027 has come.
    const started = clock.now();
    try {
      clock.set(new Date('2026-12-01T16:00:00Z'));
      await setProfile(attorneys[1], { unavailableUntil: '2027-01-04T00:00:00-06:00' }).expect(200);
      const c = await createCase();
      const res = await route(c.id, { attorneyId: attorneys[1].userId });
      expect(res.status).toBe(201);
      expect(res.body.match.reasons).toContain('override: unavailable until Mon 4 Jan 2027, 12:00 AM CST');
      await t.http.post(`/api/referrals/${res.body.id}/withdraw`).set(coordinator.auth).expect(200);
    } finally {
      await setProfile(attorneys[1], {}).expect(200);
      clock.set(started);
    }
  });

  it('a case without consent to share is never offered', async () => {
    const c = await createCase(routableCase({ consent: { shareWithAttorney: false, obtainedFrom: 'caller' } }));
    const res = await route(c.id);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CONSENT_MISSING');
    const urgent = await createCase({ ...intakeBody(), consent: { shareWithAttorney: false, obtainedFrom: 'caller' } });
    expect(urgent.status).toBe('new');
    expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = ANY($1)`, [[c.id, urgent.id]])).toEqual([]);
  });

  it('a conflict of interest excludes the attorney, even on a coordinator override', async () => {
    // attorneys[2] represents "Dolores Example"; the new client's adverse party has that name.
    const client = await createCase(routableCase({ client: { firstName: 'Dolores', lastName: 'Example', preferredLanguage: 'spa' } }));
    const offer = (await route(client.id, { attorneyId: attorneys[2].userId })).body;
    await t.http.post(`/api/referrals/${offer.id}/accept`).set(attorneys[2].auth).expect(200);
    const adverse = await createCase(routableCase({ adverseParties: [{ name: 'dolores  EXAMPLE', relationship: 'spouse' }] }));
    const override = await route(adverse.id, { attorneyId: attorneys[2].userId });
    expect(override.status).toBe(422);
    expect(override.body.message).toMatch(/conflict of interest/);
    expect(override.body.message).not.toMatch(/Dolores/i);
    // Naming the same person as an adverse party does not make two cases "possible duplicates".
    const other = await createCase(routableCase({ adverseParties: [{ name: 'Dolores Example' }] }));
    expect((await t.http.post('/api/cases').set(intake.auth).send(routableCase({ adverseParties: [{ name: 'Dolores Example' }] }))).body.possibleDuplicates).toEqual([]);
    expect(other.id).toBeDefined();
    const auto = await route(adverse.id);
    expect(auto.status).toBe(201);
    expect(auto.body.attorneyId).not.toBe(attorneys[2].userId);
    await t.http.post(`/api/referrals/${auto.body.id}/withdraw`).set(coordinator.auth).expect(200);
  });

  it('a case declined for a conflict bars that attorney from the same client\'s next intake (by name and birth date, not by name alone)', async () => {
    const attorney = attorneys[0];
    const eulalia = { firstName: 'Eulalia', lastName: `Prueba${Math.random().toString(36).slice(2, 6)}`, preferredLanguage: 'spa' };
    const first = await createCase(routableCase({ client: { ...eulalia, dateOfBirth: '1988-05-01' } }));
    const offer = (await route(first.id, { attorneyId: attorney.userId }).expect(201)).body;
    // Her sister called the hotline too: a second intake of the same person, offered to the same attorney meanwhile.
    const again = await createCase(routableCase({ client: { ...eulalia, dateOfBirth: '1988-05-01' } }));
    const twin = (await route(again.id, { attorneyId: attorney.userId }).expect(201)).body;
    await t.http.post(`/api/referrals/${offer.id}/decline`).set(attorney.auth).send({ reason: 'conflict' }).expect(200);
    // The conflict holds for her other case: its open offer is withdrawn, and it is not offered to them again.
    expect((await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE id = $1`, [twin.id]))[0]).toEqual({ status: 'withdrawn', withdrawn_why: 'CONFLICT_OF_INTEREST' });
    const barred = await route(again.id, { attorneyId: attorney.userId });
    expect([barred.status, barred.body.message]).toEqual([422, expect.stringMatching(/conflict of interest/)]);
    const best = await route(again.id).expect(201);
    expect(best.body.attorneyId).not.toBe(attorney.userId);
    await t.http.post(`/api/referrals/${best.body.id}/withdraw`).set(coordinator.auth).expect(200);
    // Another woman of the same name: not barred.
    const namesake = await createCase(routableCase({ client: { ...eulalia, dateOfBirth: '1991-11-20' } }));
    const offered = await route(namesake.id, { attorneyId: attorney.userId }).expect(201);
    expect(offered.body.match.reasons.join(' ')).not.toMatch(/conflict/);
    await t.http.post(`/api/referrals/${offered.body.id}/withdraw`).set(coordinator.auth).expect(200);
    // The declined case moved on to the next attorney: withdrawn, so that the later tests find everyone free.
    for (const { id } of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [first.id])) {
      await t.http.post(`/api/referrals/${id}/withdraw`).set(coordinator.auth).expect(200);
    }
    // Nor is the declined case itself offered to them again by name: a conflict is not a prior offer to set aside.
    const itself = await route(first.id, { attorneyId: attorney.userId });
    expect([itself.status, itself.body.message]).toEqual([422, expect.stringMatching(/conflict of interest/)]);
    // Also a case with no date of birth nor A-number (no identity index to find the case itself by).
    const nameOnly = await createCase(routableCase());
    const toDecline = (await route(nameOnly.id, { attorneyId: attorney.userId }).expect(201)).body;
    await t.http.post(`/api/referrals/${toDecline.id}/decline`).set(attorney.auth).send({ reason: 'conflict' }).expect(200);
    for (const { id } of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [nameOnly.id])) {
      await t.http.post(`/api/referrals/${id}/withdraw`).set(coordinator.auth).expect(200);
    }
    const named = await route(nameOnly.id, { attorneyId: attorney.userId });
    expect([named.status, named.body.message]).toEqual([422, expect.stringMatching(/conflict of interest/)]);
  });

  it('a conflict told on a client\'s case holds for her intake typed with a shorter name (the duplicate check\'s short-name key)', async () => {
    const attorney = attorneys[0];
    const family = `Prueba${Math.random().toString(36).slice(2, 6)}`;
    const full = await createCase(routableCase({ client: { firstName: 'Maria Elena', lastName: `${family} Garcia`, preferredLanguage: 'spa', dateOfBirth: '1990-04-02' } }));
    const offer = (await route(full.id, { attorneyId: attorney.userId }).expect(201)).body;
    // The same woman, taken down at a walk-in clinic with her first given and family names only.
    const short = await createCase(routableCase({ client: { firstName: 'María', lastName: family, preferredLanguage: 'spa', dateOfBirth: '1990-04-02' } }));
    expect(short.possibleDuplicates).toContain(full.reference);
    const twin = (await route(short.id, { attorneyId: attorney.userId }).expect(201)).body;
    await t.http.post(`/api/referrals/${offer.id}/decline`).set(attorney.auth).send({ reason: 'conflict' }).expect(200);
    expect((await t.db.query(`SELECT status, withdrawn_why FROM referrals WHERE id = $1`, [twin.id]))[0]).toEqual({ status: 'withdrawn', withdrawn_why: 'CONFLICT_OF_INTEREST' });
    const barred = await route(short.id, { attorneyId: attorney.userId });
    expect([barred.status, barred.body.message]).toEqual([422, expect.stringMatching(/conflict of interest/)]);
    for (const caseId of [full.id, short.id]) {
      for (const { id } of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [caseId])) {
        await t.http.post(`/api/referrals/${id}/withdraw`).set(coordinator.auth).expect(200);
      }
    }
  });

  it('an English-speaking client is offered to an attorney who lists only the languages they speak besides English', async () => {
    const attorney = attorneys[2];
    await setProfile(attorney, { languages: ['spa'], states: ['NM'] }).expect(200);
    try {
      const c = await createCase(routableCase({
        client: { firstName: 'Kwame', lastName: `Ejemplo${Math.random().toString(36).slice(2, 6)}`, preferredLanguage: 'eng', needsInterpreter: false },
        custody: { status: 'ice_detention', state: 'NM', county: 'Otero' },
      }));
      const offered = await route(c.id).expect(201);
      expect(offered.body.attorneyId).toBe(attorney.userId);
      expect(offered.body.match.reasons).toContain('speaks English (eng)');
      await t.http.post(`/api/referrals/${offered.body.id}/withdraw`).set(coordinator.auth).expect(200);
    } finally {
      await setProfile(attorney).expect(200);
    }
  });

  it('a correction naming one of the assigned attorney\'s clients as adverse emails the coordinators and the attorney, once', async () => {
    const attorney = attorneys[1];
    const existing = await createCase(routableCase({ client: { firstName: 'Rosalba', lastName: 'Muestra', preferredLanguage: 'spa' } }));
    const first = (await route(existing.id, { attorneyId: attorney.userId })).body;
    await t.http.post(`/api/referrals/${first.id}/accept`).set(attorney.auth).expect(200);
    const later = await createCase(routableCase());
    const second = (await route(later.id, { attorneyId: attorney.userId })).body;
    await t.http.post(`/api/referrals/${second.id}/accept`).set(attorney.auth).expect(200);
    const told = () => t.db.query(`SELECT recipient_id, subject, body FROM notifications WHERE kind = 'case.conflict' AND case_id = $1`, [later.id]);
    expect(await told()).toEqual([]);
    // The intake learns that the later client's adverse party is the attorney's other client.
    const correction = { adverseParties: [{ name: 'Rosalba Muestra', relationship: 'employer' }] };
    await t.http.patch(`/api/cases/${later.id}`).set(coordinator.auth).send(correction).expect(200);
    const rows = await told();
    const [{ coordinators }] = await t.db.query(`SELECT count(*)::int AS coordinators FROM users WHERE role = 'coordinator' AND active`);
    expect(rows).toHaveLength(coordinators + 1);
    expect(rows.map((r: { recipient_id: string }) => r.recipient_id)).toContain(attorney.userId);
    for (const r of rows) {
      expect(r.subject).toContain(later.reference);
      expect(`${r.subject} ${r.body}`).not.toMatch(/Rosalba|Muestra/i);
    }
    // On the record, by the system, naming the attorney and never the names.
    const alerts = () => t.db.query(`SELECT actor_id, actor_role, details FROM audit_events WHERE action = 'case.conflict_alert' AND case_id = $1`, [later.id]);
    expect(await alerts()).toEqual([{ actor_id: null, actor_role: 'system', details: { attorneyId: attorney.userId, holder: 'assigned' } }]);
    // The attorney keeps the case; the same correction again tells nobody twice.
    expect((await t.http.get(`/api/cases/${later.id}`).set(attorney.auth)).body).toMatchObject({ status: 'assigned', assignedAttorneyId: attorney.userId });
    await t.http.patch(`/api/cases/${later.id}`).set(coordinator.auth).send(correction).expect(200);
    expect(await told()).toHaveLength(rows.length);
    expect(await alerts()).toHaveLength(1);
  });

  /**
   * An attorney of their own, speaking only French (the other tests' cases, in Spanish, never go to them by routing),
   * who held case F and was released from it (their role changed and changed back), and now holds case C, whose
   * client is `client`.
   */
  const formerHolder = async (client: { firstName: string; lastName: string }) => {
    let attorney = await createUser(t.http, admin, 'attorney');
    const frenchOnly = { languages: ['fra'], maxActiveCases: 20 };
    expect((await setProfile(attorney, frenchOnly)).status).toBe(200);
    const f = await createCase(routableCase());
    const first = (await route(f.id, { attorneyId: attorney.userId })).body;
    await t.http.post(`/api/referrals/${first.id}/accept`).set(attorney.auth).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ role: 'attorney' }).expect(200);
    attorney = await login(t.http, attorney.email, attorney.password); // the role change ended their sessions
    expect((await setProfile(attorney, frenchOnly)).status).toBe(200);
    expect((await t.db.query(`SELECT status FROM cases WHERE id = $1`, [f.id]))[0].status).toBe('new');
    const c = await createCase(routableCase({ client: { ...client, preferredLanguage: 'spa' } }));
    const second = (await route(c.id, { attorneyId: attorney.userId })).body;
    await t.http.post(`/api/referrals/${second.id}/accept`).set(attorney.auth).expect(200);
    return { attorney, f, c };
  };

  it('a correction naming a client of an attorney who formerly held the case as adverse alerts the coordinators', async () => {
    const { attorney, f } = await formerHolder({ firstName: 'Clementina', lastName: 'Ejemplar' });
    // F's correction names C's client as the other side.
    await t.http.patch(`/api/cases/${f.id}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Clementina Ejemplar' }] }).expect(200);
    const told = await t.db.query(`SELECT recipient_id, subject FROM notifications WHERE kind = 'case.conflict' AND case_id = $1`, [f.id]);
    // The coordinators, not the former holder: they no longer have the case, and what became of it is not theirs to read.
    const org = (await t.db.query(`SELECT organization_id FROM users WHERE id = $1`, [coordinator.userId]))[0].organization_id;
    const coordinators = await t.db.query(`SELECT id FROM users WHERE role = 'coordinator' AND active AND organization_id = $1`, [org]);
    expect(told.map((r: { recipient_id: string }) => r.recipient_id).sort()).toEqual(coordinators.map((u: { id: string }) => u.id).sort());
    expect(told[0].subject).toContain('an attorney who formerly held it');
    expect(await t.db.query(`SELECT details FROM audit_events WHERE action = 'case.conflict_alert' AND case_id = $1`, [f.id]))
      .toEqual([{ details: { attorneyId: attorney.userId, holder: 'former' } }]);
    expect(JSON.stringify(told)).not.toMatch(/Clementina|Ejemplar/i);
  });

  it('a former holder offered the case again, the offer past its answer time: a correction naming their client alerts too', async () => {
    const { attorney, f } = await formerHolder({ firstName: 'Clemente', lastName: 'Muestra' });
    const again = await route(f.id, { attorneyId: attorney.userId });
    expect(again.status).toBe(201);
    const started = clock.now();
    try {
      // The expiry job has not come to the offer; the offer review leaves it to that job: the alert speaks for them.
      clock.set(new Date(Date.parse(again.body.respondBy) + 60_000));
      await t.http.patch(`/api/cases/${f.id}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Clemente Muestra' }] }).expect(200);
      expect(await t.db.query(`SELECT details FROM audit_events WHERE action = 'case.conflict_alert' AND case_id = $1`, [f.id]))
        .toEqual([{ details: { attorneyId: attorney.userId, holder: 'former' } }]);
    } finally {
      clock.set(started);
    }
  });

  it('two coordinators routing the same case at once make one offer; the other gets 409', async () => {
    const c = await createCase();
    const [a, b] = await Promise.all([route(c.id, {}, coordinator), route(c.id, {}, otherCoordinator)]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [c.id]);
    expect(n).toBe(1);
  });

  it('an offer accepted twice at once stays one assignment', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    const who = offerFor(offer.attorneyId);
    const [a, b] = await Promise.all([
      t.http.post(`/api/referrals/${offer.id}/accept`).set(who.auth),
      t.http.post(`/api/referrals/${offer.id}/accept`).set(who.auth),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1 AND status = 'accepted'`, [c.id]);
    expect(n).toBe(1);
  });

  it('an attorney never sees or acts on another attorney\'s referral (404, audited)', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    const other = attorneys.find((a) => a.userId !== offer.attorneyId)!;
    for (const action of ['accept', 'decline']) {
      const res = await t.http.post(`/api/referrals/${offer.id}/${action}`).set(other.auth).send(action === 'decline' ? { reason: 'other' } : {});
      expect(res.status).toBe(404);
    }
    const list = await t.http.get('/api/referrals').set(other.auth);
    expect(list.body.items.map((r: { id: string }) => r.id)).not.toContain(offer.id);
    expect((await t.http.get(`/api/cases/${c.id}`).set(other.auth)).status).toBe(404);
    const denied = await t.db.query(`SELECT 1 FROM audit_events WHERE action = 'case.access_denied' AND actor_id = $1`, [other.userId]);
    expect(denied.length).toBeGreaterThan(0);
    await t.http.post(`/api/referrals/${offer.id}/withdraw`).set(coordinator.auth).expect(200);
    // The coordinator's withdrawal names whose offer it was, as every other withdrawal does.
    const [withdrawal] = await t.db.query(`SELECT details FROM audit_events WHERE action = 'referral.withdraw' AND details->>'referralId' = $1`, [offer.id]);
    expect(withdrawal.details).toEqual({ referralId: offer.id, attorneyId: offer.attorneyId });
  });

  it('closing a case withdraws its open offer: the attorney can no longer accept it', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'referred_elsewhere' }).expect(200);
    const res = await t.http.post(`/api/referrals/${offer.id}/accept`).set(offerFor(offer.attorneyId).auth);
    expect(res.status).toBe(409);
    const [row] = await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [offer.id]);
    expect(row.status).toBe('withdrawn');
    const view = await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth);
    expect(view.body).toMatchObject({ status: 'closed', assignedAttorneyId: null });
    // The withdrawal is in the audit trail, as the coordinator's, with why.
    const audit = await t.db.query(`SELECT actor_id, details FROM audit_events WHERE action = 'referral.withdraw' AND case_id = $1`, [c.id]);
    expect(audit).toEqual([{ actor_id: coordinator.userId, details: { referralId: offer.id, attorneyId: offer.attorneyId, why: 'CASE_CLOSED' } }]);
  });

  it('an attorney emailed an offer is told when it is withdrawn (closed case included); one not emailed yet is not', async () => {
    const mail = (referralId: string) => t.db.query(
      `SELECT kind, recipient_id, subject, body, sent_at IS NOT NULL AS sent, cancelled_at IS NOT NULL AS cancelled FROM notifications
        WHERE dedupe_key = 'offer:' || $1 OR dedupe_key = 'withdrawn:' || $1 ORDER BY kind`, [referralId]);
    const emailed = await createCase();
    const first = (await route(emailed.id)).body;
    clock.set(new Date());
    await t.app.get(MailDeliveryService).deliverDue();
    await t.http.post(`/api/cases/${emailed.id}/close`).set(coordinator.auth).send({ outcome: 'referred_elsewhere' }).expect(200);
    clock.set(new Date());
    await t.app.get(MailDeliveryService).deliverDue();
    const told = await mail(first.id);
    expect(told.map((m: { kind: string; sent: boolean }) => [m.kind, m.sent])).toEqual([['referral.offer', true], ['referral.withdrawn', true]]);
    expect(told[1]).toMatchObject({ recipient_id: first.attorneyId, subject: expect.stringContaining(emailed.reference) });
    expect(told[1].body).not.toMatch(/Ejemplo|Harris|spa\b/);
    // Withdrawn by a coordinator before its email went: the offer's email is cancelled, and nothing else is written.
    const quiet = await createCase();
    const second = (await route(quiet.id)).body;
    clock.set(new Date());
    await t.http.post(`/api/referrals/${second.id}/withdraw`).set(coordinator.auth).expect(200);
    clock.set(new Date());
    await t.app.get(MailDeliveryService).deliverDue();
    expect((await mail(second.id)).map((m: { kind: string; sent: boolean; cancelled: boolean }) => [m.kind, m.sent, m.cancelled])).toEqual([['referral.offer', false, true]]);
    // The same with the app's clock ahead of the database's (another host's, a few minutes fast): an email nobody
    // claimed is not taken for one being sent.
    const ahead = await createCase();
    clock.set(new Date(Date.now() + 5 * 60_000));
    try {
      const third = (await route(ahead.id)).body;
      await t.http.post(`/api/referrals/${third.id}/withdraw`).set(coordinator.auth).expect(200);
      await t.app.get(MailDeliveryService).deliverDue();
      expect((await mail(third.id)).map((m: { kind: string; sent: boolean; cancelled: boolean }) => [m.kind, m.sent, m.cancelled])).toEqual([['referral.offer', false, true]]);
    } finally {
      clock.set(new Date());
    }
  });

  it('an offer withdrawn while its email was claimed, which the delivery then drops: the withdrawal is not told either', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    const rows = () => t.db.query(
      `SELECT kind, sent_at IS NOT NULL AS sent, cancelled_at IS NOT NULL AS cancelled FROM notifications
        WHERE dedupe_key IN ('offer:' || $1, 'withdrawn:' || $1) ORDER BY kind`, [offer.id]);
    // Claimed by a delivery (leased, its error cleared) when the coordinator withdraws it: that email may be going.
    await t.db.query(`UPDATE notifications SET last_error = NULL, next_attempt_at = now() + interval '2 minutes' WHERE dedupe_key = 'offer:' || $1`, [offer.id]);
    await t.http.post(`/api/referrals/${offer.id}/withdraw`).set(coordinator.auth).expect(200);
    expect((await rows()).map((r: { kind: string }) => r.kind)).toEqual(['referral.offer', 'referral.withdrawn']);
    // The delivery's last check before sending drops it (the offer is no longer open), as a pass does once due.
    await t.db.query(`UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE dedupe_key = 'offer:' || $1`, [offer.id]);
    clock.set(new Date());
    await t.app.get(MailDeliveryService).deliverDue();
    // Before, the attorney was told "withdrawn: nothing to answer" of an offer they never heard of.
    expect(await rows()).toEqual([{ kind: 'referral.offer', sent: false, cancelled: true }, { kind: 'referral.withdrawn', sent: false, cancelled: true }]);
  });

  it('an offer email still unsent at the offer\'s answer time (it waited out a mail outage) is dropped, not sent: accept would refuse', async () => {
    const late = await createCase();
    const offer = (await route(late.id)).body;
    // The email waited (a mail server down); the answer time passes before the expiry job has marked the offer.
    await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [offer.id]);
    clock.set(new Date());
    await t.app.get(MailDeliveryService).deliverDue();
    const [email] = await t.db.query(`SELECT sent_at, cancelled_at FROM notifications WHERE dedupe_key = 'offer:' || $1`, [offer.id]);
    expect(email).toMatchObject({ sent_at: null, cancelled_at: expect.any(Date) });
  });

  it('an offer withdrawn while its email is at the mail server (a retry after an outage) is told as withdrawn too', async () => {
    let during: (() => Promise<void>) | undefined;
    const slow = await new Promise<{ server: SMTPServer; port: number }>((resolve) => {
      const server = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
        onData: (stream, _session, callback) => {
          stream.resume();
          stream.on('end', () => {
            const hook = during;
            during = undefined;
            void (hook ? hook() : Promise.resolve()).then(() => callback());
          });
        },
      });
      server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.server.address() as { port: number }).port }));
    });
    const mailer = await createTestApp({ clock, databaseUrl: t.databaseUrl, env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(slow.port), SMTP_FROM: 'amparo@test.amparo.example' } });
    try {
      clock.set(new Date());
      await t.db.query(`UPDATE notifications SET cancelled_at = now() WHERE sent_at IS NULL AND cancelled_at IS NULL`);
      const c = await createCase();
      const offer = (await route(c.id)).body;
      // As a pass ended by the server's fault left it: no attempt counted, the error kept, due again.
      await t.db.query(`UPDATE notifications SET last_error = 'ECONNECTION connect refused', next_attempt_at = now() - interval '1 second' WHERE dedupe_key = $1`, [`offer:${offer.id}`]);
      during = async () => {
        await t.http.post(`/api/referrals/${offer.id}/withdraw`).set(coordinator.auth).expect(200);
      };
      clock.set(new Date(Date.now() + 1000));
      expect(await mailer.app.get(MailDeliveryService).deliverDue()).toBeGreaterThanOrEqual(1);
      const rows = await t.db.query(`SELECT kind FROM notifications WHERE dedupe_key IN ($1, $2) ORDER BY kind`, [`offer:${offer.id}`, `withdrawn:${offer.id}`]);
      expect(rows.map((r: { kind: string }) => r.kind)).toEqual(['referral.offer', 'referral.withdrawn']);
      // The kinds claimed first are the ones the migration's partial index covers.
      const [index] = await t.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'notifications_urgent_idx'`);
      for (const kind of URGENT_KINDS) expect(index.indexdef).toContain(`'${kind}'`);
    } finally {
      await mailer.close();
      await new Promise<void>((resolve) => slow.server.close(() => resolve()));
    }
  });

  it('a transfer to a facility the assigned attorney does not cover flags the case, without dropping the attorney', async () => {
    const c = await createCase();
    const offer = (await route(c.id)).body;
    await t.http.post(`/api/referrals/${offer.id}/accept`).set(offerFor(offer.attorneyId).auth).expect(200);
    const [facility] = await t.db.query(`SELECT code FROM facilities WHERE state = 'AZ' ORDER BY code LIMIT 1`);
    const res = await t.http.post(`/api/cases/${c.id}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: facility.code });
    expect(res.status).toBe(201);
    expect(res.body.flags.map((f: { code: string }) => f.code)).toContain('attorney_coverage');
    const view = await t.http.get(`/api/cases/${c.id}`).set(coordinator.auth);
    expect(view.body).toMatchObject({ status: 'assigned', assignedAttorneyId: offer.attorneyId });
  });

  it('a case with an in absentia order prefers an attorney who declared that experience', async () => {
    expect((await setProfile(attorneys[0], { experience: ['in_absentia'] })).body.fields).toHaveProperty('experience');
    // A new attorney, never offered a case and with no load: at least as good as anyone on every other factor.
    const experienced = await createUser(t.http, admin, 'attorney');
    const saved = await setProfile(experienced, { experience: ['in_absentia_orders'] });
    expect(saved.status).toBe(200);
    expect(saved.body.experience).toEqual(['in_absentia_orders']);
    // A PUT that leaves experience out keeps it (older clients, a coordinator setting availability); [] clears it.
    expect((await setProfile(experienced, { maxActiveCases: 6 })).body.experience).toEqual(['in_absentia_orders']);
    const other = await createUser(t.http, admin, 'attorney');
    expect((await setProfile(other)).body.experience).toEqual([]);
    expect((await setProfile(other, { experience: ['removal_orders'] })).body.experience).toEqual(['removal_orders']);
    expect((await setProfile(other, { experience: [], acceptingReferrals: false })).body.experience).toEqual([]);
    attorneys.push(experienced);
    const c = await createCase();
    const event = await t.http.post(`/api/cases/${c.id}/events`).set(coordinator.auth).send({ type: 'in_absentia_order', occurredAt: '2026-11-02' });
    expect(event.status).toBe(201);
    const res = await route(c.id);
    expect(res.status).toBe(201);
    expect(res.body.attorneyId).toBe(experienced.userId);
    expect(res.body.match.reasons).toContain('experienced with in absentia orders');
    await t.http.post(`/api/referrals/${res.body.id}/decline`).set(experienced.auth).send({ reason: 'capacity' }).expect(200);
    // The next attorney has no such experience, and the reasons say so.
    const [next] = await t.db.query(`SELECT reasons FROM referrals WHERE case_id = $1 AND status = 'offered'`, [c.id]);
    expect(next.reasons).toContain('no declared experience with in absentia orders');
  });

  it('a reinstated removal order is flagged and asks for post-order experience (removal orders)', async () => {
    const seasoned = await createUser(t.http, admin, 'attorney');
    expect((await setProfile(seasoned, { experience: ['removal_orders'] })).status).toBe(200);
    attorneys.push(seasoned);
    const c = await createCase();
    const event = await t.http.post(`/api/cases/${c.id}/events`).set(coordinator.auth).send({ type: 'order_reinstated', occurredAt: '2026-11-20' }).expect(201);
    expect(event.body.flags.map((f: { code: string }) => f.code)).toContain('reinstated_order');
    expect(event.body.deadlines).toEqual([]);
    const res = await route(c.id).expect(201);
    expect(res.body.attorneyId).toBe(seasoned.userId);
    expect(res.body.match.reasons).toContain('experienced with removal orders and post-order relief');
    await t.http.post(`/api/referrals/${res.body.id}/withdraw`).set(coordinator.auth).expect(200);
  });

  it('auto-routing offers an urgent case with consent on intake, unless the organization turns it off', async () => {
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: true }).expect(200);
    const urgent = await createCase({ ...intakeBody(), client: { ...intakeBody().client, firstName: 'Auto', lastName: 'Routed' } });
    // Offered; the intake volunteer reads it new (how a case is placed is not theirs to read).
    const stored = async (id: string) => (await t.db.query(`SELECT status FROM cases WHERE id = $1`, [id]))[0].status;
    expect([urgent.status, await stored(urgent.id)]).toEqual(['new', 'offered']);
    // On the record in the order it happened: the case, then its offer.
    expect((await t.db.query(`SELECT action FROM audit_events WHERE case_id = $1 ORDER BY id`, [urgent.id])).map((r: { action: string }) => r.action))
      .toEqual(['case.create', 'referral.offer']);
    const offer = await t.db.query(`SELECT respond_by, offered_at FROM referrals WHERE case_id = $1`, [urgent.id]);
    expect(offer[0].respond_by.getTime() - offer[0].offered_at.getTime()).toBe(2 * 3600_000);
    for (const r of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [urgent.id])) {
      await t.http.post(`/api/referrals/${r.id}/withdraw`).set(coordinator.auth).expect(200);
    }
    // "ICE put a hold on him; we don't know which jail": held for ICE without counsel, urgent, offered (2026.11).
    const held = await createCase(routableCase({ custody: { status: 'unknown', state: 'TX', detainerLodged: true } }));
    expect([await stored(held.id), held.urgency.level, held.flags.map((f) => f.code)]).toEqual(['offered', 'high', ['detained_without_counsel']]);
    for (const r of await t.db.query(`SELECT id FROM referrals WHERE case_id = $1 AND status = 'offered'`, [held.id])) {
      await t.http.post(`/api/referrals/${r.id}/withdraw`).set(coordinator.auth).expect(200);
    }
    expect((await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false })).status).toBe(200);
    const manual = await createCase({ ...intakeBody(), client: { ...intakeBody().client, firstName: 'Manual', lastName: 'Routed' } });
    expect(manual.status).toBe('new');
    const bad = await t.http.patch('/api/organization').set(admin.auth).send({ offerWindowsMinutes: { critical: 600, high: 60, normal: 4320, low: 10080 } });
    expect(bad.status).toBe(400);
    expect(bad.body.fields['offerWindowsMinutes.critical']).toBeDefined();
  });

  it('auto-routing offers a case that becomes urgent after intake (a correction, consent given, an event) as at intake; never one offered before', async () => {
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: true }).expect(200);
    const actions = async (caseId: string): Promise<[string, string | null][]> =>
      (await t.db.query(`SELECT action, actor_id FROM audit_events WHERE case_id = $1 ORDER BY id`, [caseId])).map((r: { action: string; actor_id: string | null }) => [r.action, r.actor_id]);
    const status = async (caseId: string) => (await t.db.query(`SELECT status FROM cases WHERE id = $1`, [caseId]))[0].status;
    const released = { status: 'not_detained', state: 'TX', county: 'Harris' };
    try {
      // Not detained: normal, left new. Corrected to ICE detention (detained without counsel, high): offered by the system.
      const corrected = await createCase(routableCase({ custody: released }));
      expect(corrected.status).toBe('new');
      const patched = await t.http.patch(`/api/cases/${corrected.id}`).set(coordinator.auth).send({ custody: { status: 'ice_detention' } }).expect(200);
      expect(patched.body.status).toBe('offered');
      expect(await actions(corrected.id)).toEqual([['case.create', intake.userId], ['case.update', coordinator.userId], ['referral.offer', null]]);
      // Urgent without consent: new; consent recorded: offered.
      const unconsented = await createCase(routableCase({ consent: { shareWithAttorney: false, obtainedFrom: 'client' } }));
      expect(unconsented.status).toBe('new');
      await t.http.patch(`/api/cases/${unconsented.id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
      expect(await status(unconsented.id)).toBe('offered');
      // An event that makes it urgent: departure granted for tomorrow.
      const departing = await createCase(routableCase({ custody: released }));
      const recorded = await t.http.post(`/api/cases/${departing.id}/events`).set(coordinator.auth)
        .send({ type: 'voluntary_departure_granted', occurredAt: clock.now().toISOString().replace(/\.\d+Z$/, 'Z'), days: 1, stage: 'conclusion' }).expect(201);
      expect(['critical', 'high']).toContain(recorded.body.urgency.level);
      expect(await status(departing.id)).toBe('offered');
      expect((await actions(departing.id)).map(([action]) => action)).toEqual(['case.create', 'case.event', 'referral.offer']);
      // Offered before and taken back by a coordinator: theirs to place, not offered again by a correction.
      const placed = await createCase(routableCase({ custody: released }));
      const offer = await route(placed.id);
      expect(offer.status).toBe(201);
      await t.http.post(`/api/referrals/${offer.body.id}/withdraw`).set(coordinator.auth).send({}).expect(200);
      await t.http.patch(`/api/cases/${placed.id}`).set(coordinator.auth).send({ custody: { status: 'ice_detention' } }).expect(200);
      expect(await status(placed.id)).toBe('new');
      // The attorneys' slots back, for the tests after.
      for (const c of [corrected, unconsented, departing, placed]) await t.http.post(`/api/cases/${c.id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    } finally {
      await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    }
  });

  it('organization settings changes are audited with each changed setting, before and after; no change, no event', async () => {
    const before = (await t.http.get('/api/organization').set(admin.auth).expect(200)).body;
    const since = Number((await t.db.query(`SELECT coalesce(max(id), 0) AS id FROM audit_events`))[0].id);
    const patched = await t.http
      .patch('/api/organization')
      .set(admin.auth)
      .send({ retentionDays: before.retentionDays + 1, offerWindowsMinutes: { critical: 90, high: 1440, normal: 4320, low: 10080 } })
      .expect(200);
    expect(patched.body.retentionDays).toBe(before.retentionDays + 1);
    await t.http.patch('/api/organization').set(admin.auth).send({ retentionDays: before.retentionDays + 1 }).expect(200);
    const events = await t.db.query(`SELECT actor_id, action, fields, details FROM audit_events WHERE id > $1 AND action = 'organization.update'`, [since]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor_id: admin.userId,
      fields: ['offerWindowsMinutes', 'retentionDays'],
      details: {
        changes: {
          retentionDays: { from: before.retentionDays, to: before.retentionDays + 1 },
          offerWindowsMinutes: { from: before.offerWindowsMinutes, to: { critical: 90, high: 1440, normal: 4320, low: 10080 } },
        },
      },
    });
    // The same offer windows again (jsonb keeps its own key order): no change, no event.
    await t.http
      .patch('/api/organization')
      .set(admin.auth)
      .send({ offerWindowsMinutes: { critical: 90, high: 1440, normal: 4320, low: 10080 }, autoRouting: before.autoRouting })
      .expect(200);
    // A refused change writes nothing.
    await t.http.patch('/api/organization').set(admin.auth).send({ name: '   ' }).expect(400);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE id > $1 AND action = 'organization.update'`, [since]);
    expect(after[0].n).toBe(1);
    // The sealing job's pass first: tests before this one ran at fixed days, and once the wall clock is past those days
    // their events would be reported unsealed for too long.
    await t.app.get(AuditSealService).sealChains();
    expect((await t.http.get('/api/audit/verify').set(admin.auth)).body).toMatchObject({ ok: true });
  });

  it('a settings change sent from an old read (If-Match) does not put back what another admin changed meanwhile', async () => {
    const secondAdmin = await createUser(t.http, admin, 'admin');
    const read = await t.http.get('/api/organization').set(admin.auth).expect(200);
    expect(read.headers.etag).toBe(`"${read.body.updatedAt}"`);
    const windows = read.body.offerWindowsMinutes;
    // The second admin shortens the critical window; the first, from the form read before, lengthens the low one.
    const first = await t.http.patch('/api/organization').set(secondAdmin.auth).set('If-Match', read.headers.etag)
      .send({ offerWindowsMinutes: { ...windows, critical: windows.critical - 15 } }).expect(200);
    expect(first.headers.etag).toBe(`"${first.body.updatedAt}"`);
    expect(first.body.updatedAt).not.toBe(read.body.updatedAt);
    const stale = await t.http.patch('/api/organization').set(admin.auth).set('If-Match', read.headers.etag)
      .send({ offerWindowsMinutes: { ...windows, low: windows.low + 60 } });
    expect([stale.status, stale.body.code]).toEqual([412, 'STALE_RECORD']);
    expect((await t.http.get('/api/organization').set(admin.auth)).body.offerWindowsMinutes).toEqual({ ...windows, critical: windows.critical - 15 });
    // A retry of the change that was saved (the same values, the old ETag) is answered as it stands; a malformed
    // If-Match names the header; the ETag read now is taken, and the change back moves the version again.
    const retried = await t.http.patch('/api/organization').set(secondAdmin.auth).set('If-Match', read.headers.etag)
      .send({ offerWindowsMinutes: { ...windows, critical: windows.critical - 15 } }).expect(200);
    expect(retried.body.updatedAt).toBe(first.body.updatedAt);
    const malformed = await t.http.patch('/api/organization').set(admin.auth).set('If-Match', 'yesterday').send({ offerWindowsMinutes: windows });
    expect([malformed.status, Object.keys(malformed.body.fields ?? {})]).toEqual([400, ['If-Match']]);
    const back = await t.http.patch('/api/organization').set(admin.auth).set('If-Match', first.headers.etag).send({ offerWindowsMinutes: windows }).expect(200);
    expect(back.body.offerWindowsMinutes).toEqual(windows);
    expect(Date.parse(back.body.updatedAt)).toBeGreaterThan(Date.parse(first.body.updatedAt));
    // Without If-Match a change is taken as sent.
    await t.http.patch('/api/organization').set(admin.auth).send({ offerWindowsMinutes: windows }).expect(200);
  });

  it('two settings changes sent at once from the same read: one is saved, the other is refused, none is lost unseen', async () => {
    const secondAdmin = await createUser(t.http, admin, 'admin');
    const read = await t.http.get('/api/organization').set(admin.auth).expect(200);
    const windows = read.body.offerWindowsMinutes;
    for (let round = 0; round < 4; round += 1) {
      const current = await t.http.get('/api/organization').set(admin.auth).expect(200);
      const changes = [
        { offerWindowsMinutes: { ...windows, critical: windows.critical - 10 - round } },
        { offerWindowsMinutes: { ...windows, low: windows.low + 10 + round } },
      ];
      const answers = await Promise.all([
        t.http.patch('/api/organization').set(admin.auth).set('If-Match', current.headers.etag).send(changes[0]),
        t.http.patch('/api/organization').set(secondAdmin.auth).set('If-Match', current.headers.etag).send(changes[1]),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 412]);
      const saved = answers.findIndex((a) => a.status === 200);
      expect(answers[1 - saved].body.code).toBe('STALE_RECORD');
      expect((await t.http.get('/api/organization').set(admin.auth)).body.offerWindowsMinutes).toEqual(changes[saved].offerWindowsMinutes);
    }
    await t.http.patch('/api/organization').set(admin.auth).send({ offerWindowsMinutes: windows }).expect(200);
  });
});
