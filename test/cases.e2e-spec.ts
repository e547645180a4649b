import { PassThrough } from 'node:stream';
import { TestApp, createTestApp } from './support/test-app';
import { CANARY, intakeBody, minimalBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

describe('cases (e2e)', () => {
  let t: TestApp;
  let logs = '';
  let admin: Session;
  let intake: Session;
  let otherIntake: Session;
  let coordinator: Session;
  let attorney: Session;
  let caseId: string;

  beforeAll(async () => {
    const stream = new PassThrough();
    stream.on('data', (chunk) => (logs += chunk.toString()));
    t = await createTestApp({ env: { LOG_LEVEL: 'debug' }, logStream: stream });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
    otherIntake = await createUser(t.http, admin, 'intake');
    coordinator = await createUser(t.http, admin, 'coordinator');
    attorney = await createUser(t.http, admin, 'attorney');
    const res = await t.http.post('/api/cases').set(intake.auth).send(intakeBody());
    expect(res.status).toBe(201);
    caseId = res.body.id;
  });
  afterAll(() => t.close());

  it('creates a case with reference, urgency, detainer deadlines and flags', async () => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(intakeBody());
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      reference: expect.stringMatching(/^AMP-[A-Z2-9]{6}$/),
      // Auto-routing is on and this organization has no attorney: the urgent case is unplaced at once (below), which
      // the intake volunteer reads as new: how a case is placed is not theirs to read.
      status: 'new',
      urgency: { level: 'critical', reasons: expect.any(Array), nextDeadlineAt: expect.any(String) },
      deadlines: expect.any(Array),
      flags: expect.any(Array),
      possibleDuplicates: expect.any(Array),
    });
    expect((await t.db.query(`SELECT status FROM cases WHERE id = $1`, [res.body.id]))[0].status).toBe('unplaced');
    const detainer = res.body.deadlines.find((d: { rule: string }) => d.rule.includes('detainer'));
    expect(detainer).toMatchObject({ timeZone: 'America/Chicago', status: 'open', citation: expect.stringContaining('I-247A') });
    expect(detainer.outerLimitAt).toBeDefined();
    expect(res.body.urgency.reasons.join(' ')).toMatch(/48-hour hold (would )?end.* at Harris County Jail/);
    // The first case has the same A-number, phone and name + birth date.
    expect(res.body.possibleDuplicates.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(res.body)).not.toContain(CANARY.lastName);
  });

  it.each([
    ['the A-number', 1, { aNumber: 'A200-300-401' }, true],
    ['the phone', 3, { phone: '+1 415 555 0177' }, true],
    ['the name and date of birth', 5, { firstName: 'Ondina', lastName: 'Velarquez', dateOfBirth: '1984-07-19' }, true],
    ['only the name (a different birth date)', 7, { firstName: 'Ondina', lastName: 'Velarquez', dateOfBirth: '1991-01-02' }, false],
  ])('flags an earlier case that shares %s as a possible duplicate', async (_, base, shared, expected) => {
    // Everything else about the two clients differs (valid, distinct values per row).
    const unique = (n: number) => ({
      ...intakeBody().client,
      firstName: `Unique${n}`,
      lastName: `Person${n}`,
      dateOfBirth: `1970-01-${String(10 + n).padStart(2, '0')}`,
      aNumber: `A555-000-${100 + n}`,
      phone: `+1 212 555 0${100 + n}`,
    });
    const first = await t.http.post('/api/cases').set(intake.auth).send(intakeBody({ client: { ...unique(base), ...shared } }));
    expect(first.status).toBe(201);
    const secondBody = intakeBody({ client: { ...unique(base + 1), ...shared, ...(expected ? {} : { dateOfBirth: '1999-12-31' }) } });
    const second = await t.http.post('/api/cases').set(intake.auth).send(secondBody);
    expect(second.status).toBe(201);
    expect(second.body.possibleDuplicates.includes(first.body.reference)).toBe(expected);
  });

  it('opens a case with only the required minimum', async () => {
    const res = await t.http.post('/api/cases').set(intake.auth).send(minimalBody());
    expect(res.status).toBe(201);
    expect(res.body.possibleDuplicates).toEqual([]);
  });

  it('takes a form\'s empty strings as "not given", a lower-case state, and a caller without a relationship', async () => {
    const res = await t.http.post('/api/cases').set(intake.auth).send({
      client: { firstName: 'Formulario', lastName: '', dateOfBirth: '', aNumber: '', phone: ' ', email: '', address: '', preferredLanguage: 'spa' },
      caller: { name: 'Llamante Ejemplo', phone: '' },
      consent: { shareWithAttorney: false, obtainedFrom: 'caller' },
      custody: { status: 'ice_detention', facilityCode: '', county: '', state: 'tx', timeZone: '', releaseEligibleAt: '' },
    });
    expect(res.status).toBe(201);
    const view = await t.http.get(`/api/cases/${res.body.id}`).set(intake.auth).expect(200);
    expect(view.body.custody).toMatchObject({ state: 'TX', timeZone: 'America/Chicago', facilityCode: null });
    expect(view.body.client.phone ?? null).toBeNull();
    expect(view.body.client.aNumber ?? null).toBeNull();
    expect(view.body.caller).toMatchObject({ name: 'Llamante Ejemplo' });
    expect(view.body.caller.relationship ?? null).toBeNull();
  });

  it('a known facility sets the state and county: a typed state (the family\'s, say) does not override it', async () => {
    const [facility] = await t.db.query(`SELECT code, state, county FROM facilities WHERE state = 'TX' ORDER BY code LIMIT 1`);
    const res = await t.http.post('/api/cases').set(intake.auth).send({
      client: { lastName: 'Lugar', preferredLanguage: 'spa' }, consent: { shareWithAttorney: false, obtainedFrom: 'caller' },
      custody: { status: 'ice_detention', facilityCode: facility.code, state: 'CA', county: 'Los Angeles' },
    }).expect(201);
    const view = await t.http.get(`/api/cases/${res.body.id}`).set(intake.auth).expect(200);
    expect(view.body.custody).toMatchObject({ facilityCode: facility.code, state: 'TX', county: facility.county });
  });

  it('opens a case nobody knows the place of in the organization\'s time zone, which the admin sets', async () => {
    const unknownPlace = { client: { lastName: 'Paradero', preferredLanguage: 'spa' }, consent: { shareWithAttorney: false, obtainedFrom: 'caller' }, custody: { status: 'unknown' } };
    const first = await t.http.post('/api/cases').set(intake.auth).send(unknownPlace).expect(201);
    const view = async (id: string) => (await t.http.get(`/api/cases/${id}`).set(intake.auth).expect(200)).body.custody;
    expect(await view(first.body.id)).toMatchObject({ timeZone: 'America/New_York', state: null, facilityCode: null });
    await t.http.patch('/api/organization').set(admin.auth).send({ timeZone: 'America/Denver' }).expect(200);
    try {
      const second = await t.http.post('/api/cases').set(intake.auth).send(unknownPlace).expect(201);
      expect(await view(second.body.id)).toMatchObject({ timeZone: 'America/Denver' });
      expect((await t.http.patch('/api/organization').set(admin.auth).send({ timeZone: 'Mars/Base' })).body.fields).toHaveProperty('timeZone');
      expect((await t.http.patch('/api/organization').set(admin.auth).send({ timeZone: 'CST' })).body.fields).toHaveProperty('timeZone');
      // A zone abroad: no case Amparo deals with is counted there.
      expect((await t.http.patch('/api/organization').set(admin.auth).send({ timeZone: 'America/Guatemala' })).body.fields).toHaveProperty('timeZone');
    } finally {
      await t.http.patch('/api/organization').set(admin.auth).send({ timeZone: 'America/New_York' }).expect(200);
    }
  });

  it.each([
    ['client.preferredLanguage', (b: any) => { delete b.client.preferredLanguage; }],
    ['client.aNumber', (b: any) => { b.client.aNumber = 'A12'; }],
    ['client.dateOfBirth', (b: any) => { b.client.dateOfBirth = '1990-02-30'; }],
    ['custody.timeZone', (b: any) => { b.custody.timeZone = 'Mars/Olympus_Mons'; }],
    ['custody.timeZone', (b: any) => { b.custody.timeZone = 'EST'; }], // no daylight saving: summer deadlines an hour off
    ['custody.timeZone', (b: any) => { b.custody.timeZone = 'America/Guatemala'; }], // the volunteer's phone's, not a U.S. jail's
    ['custody.releaseEligibleAt', (b: any) => { b.custody.releaseEligibleAt = '2026-11-20 16:00'; }],
    ['custody.facilityCode', (b: any) => { b.custody.facilityCode = 'NOSUCH1'; }],
    ['custody.status', (b: any) => { b.custody.status = 'in_space'; }],
    ['consent', (b: any) => { delete b.consent; }],
    ['client.firstName', (b: any) => { delete b.client.firstName; delete b.client.lastName; }],
    ['status', (b: any) => { b.status = 'assigned'; }],
    ['assignedAttorneyId', (b: any) => { b.assignedAttorneyId = '00000000-0000-4000-8000-000000000000'; }],
    ['organizationId', (b: any) => { b.organizationId = '00000000-0000-4000-8000-000000000000'; }],
    ['practiceAreas', (b: any) => { b.practiceAreas = ['tax_law']; }],
  ])('rejects a bad %s with a 400 naming it, and stores nothing', async (field, mutate) => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM cases');
    const body = intakeBody() as any;
    mutate(body);
    const res = await t.http.post('/api/cases').set(intake.auth).send(body);
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.fields ?? {}).some((k) => k === field || k.startsWith(`${field}`))).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(CANARY.lastName);
    const after = await t.db.query('SELECT count(*)::int AS n FROM cases');
    expect(after[0].n).toBe(before[0].n);
  });

  describe('every role sees exactly what it may', () => {
    it('the creating volunteer sees the full record while new', async () => {
      const res = await t.http.get(`/api/cases/${caseId}`).set(intake.auth);
      expect(res.status).toBe(200);
      expect(res.body.view).toBe('full');
      expect(res.body.client).toMatchObject({ firstName: CANARY.firstName, aNumber: CANARY.aNumber, preferredLanguage: 'spa' });
      expect(res.body.caller).toMatchObject({ name: 'Caller Canarian', relationship: 'family' });
      expect(res.body.custody.bookingNumber).toBe('BK-CANARY-77');
      expect(res.body.narrative).toBe('Narrative canary text');
    });

    it('a coordinator sees the summary: no sensitive field at all', async () => {
      const res = await t.http.get(`/api/cases/${caseId}`).set(coordinator.auth);
      expect(res.status).toBe(200);
      expect(res.body.view).toBe('summary');
      expect(Object.keys(res.body.client).sort()).toEqual(['needsInterpreter', 'preferredLanguage']);
      expect(res.body).not.toHaveProperty('caller');
      expect(res.body).not.toHaveProperty('narrative');
      expect(res.body.custody).not.toHaveProperty('bookingNumber');
      expect(JSON.stringify(res.body)).not.toMatch(/Zorblatt|Quixenmoor|987-654-321|987654321|BK-CANARY|Canarian|canary text/);
    });

    it.each(['otherIntake', 'attorney'])('%s gets a 404, and the attempt is audited', async (who) => {
      const session = who === 'otherIntake' ? otherIntake : attorney;
      const res = await t.http.get(`/api/cases/${caseId}`).set(session.auth);
      expect(res.status).toBe(404);
      const audit = await t.http.get(`/api/audit?caseId=${caseId}&action=case.access_denied`).set(coordinator.auth);
      expect(audit.body.items.some((e: { actorId: string }) => e.actorId === session.userId)).toBe(true);
    });

    it('an admin may not read cases at all', async () => {
      expect((await t.http.get(`/api/cases/${caseId}`).set(admin.auth)).status).toBe(403);
      expect((await t.http.get('/api/cases').set(admin.auth)).status).toBe(403);
    });

    it('lists are summaries, scoped by role', async () => {
      const mine = await t.http.get('/api/cases').set(intake.auth);
      expect(mine.body.items.length).toBeGreaterThanOrEqual(2);
      expect(mine.body.items.every((c: { view: string }) => c.view === 'summary')).toBe(true);
      expect(JSON.stringify(mine.body)).not.toContain(CANARY.firstName);
      expect((await t.http.get('/api/cases').set(otherIntake.auth)).body.items).toEqual([]);
      expect((await t.http.get('/api/cases').set(attorney.auth)).body.items).toEqual([]);
      const all = await t.http.get('/api/cases?level=critical').set(coordinator.auth);
      expect(all.body.items.map((c: { id: string }) => c.id)).toContain(caseId);
    });

    it('a choice filter or page left blank (a form\'s "any" choice) is not given, on every list; a lookup left blank is still refused', async () => {
      const ids = async (url: string) => {
        const res = await t.http.get(url).set(coordinator.auth).expect(200);
        return (res.body.items as { id: string }[]).map((i) => i.id);
      };
      const critical = await ids('/api/cases?level=critical');
      expect(critical).toContain(caseId);
      expect(await ids('/api/cases?status=&level=critical&page=%20')).toEqual(critical);
      expect(await ids('/api/cases?status=&level=')).toEqual(await ids('/api/cases'));
      expect(await ids('/api/deadlines?status=&level=&dueBefore=')).toEqual(await ids('/api/deadlines'));
      expect(await ids('/api/referrals?status=')).toEqual(await ids('/api/referrals'));
      expect(await ids('/api/audit?action=&limit=')).toEqual(await ids('/api/audit'));
      // A lookup is not a filter: blank, it would pass the whole list off as its matches.
      for (const [url, who, status, field] of [
        ['/api/cases?aNumber=', coordinator, 400, 'aNumber'], ['/api/cases?aNumber=%20', intake, 403, null],
        ['/api/cases?reference=', coordinator, 400, 'reference'], ['/api/audit?caseId=', coordinator, 400, 'caseId'],
        ['/api/deadlines?after=', coordinator, 400, 'after'],
      ] as [string, Session, number, string | null][]) {
        const res = await t.http.get(url).set(who.auth);
        expect([url, res.status, field && Object.keys(res.body.fields ?? {})]).toEqual([url, status, field && [field]]);
      }
    });
  });

  it('a coordinator reveals with a reason; the reveal is audited with field names, never values', async () => {
    const missing = await t.http.post(`/api/cases/${caseId}/reveal`).set(coordinator.auth).send({});
    expect(missing.status).toBe(400);
    expect(missing.body.fields.reason).toBeDefined();
    // Spaces are no reason: trimmed before the length check (they used to pass and leave an empty reason in the trail).
    const blank = await t.http.post(`/api/cases/${caseId}/reveal`).set(coordinator.auth).send({ reason: ' '.repeat(12) });
    expect(blank.status).toBe(400);
    expect(blank.body.fields.reason).toEqual(['reason must be at least 10 characters, not counting spaces at either end']);
    expect((await t.http.get(`/api/audit?caseId=${caseId}&action=case.reveal`).set(coordinator.auth)).body.items).toHaveLength(0);
    // The reason is kept in plain text in the trail, which outlives a purge: no A-number or phone in it.
    for (const reason of ['Calling about A987-654-321 tonight', 'Family called from (512) 555-0142']) {
      const refused = await t.http.post(`/api/cases/${caseId}/reveal`).set(coordinator.auth).send({ reason });
      expect(refused.status).toBe(400);
      expect(Object.keys(refused.body.fields)).toEqual(['reason']);
      expect(JSON.stringify(refused.body)).not.toMatch(/987-654-321|555-0142/);
    }
    expect((await t.http.get(`/api/audit?caseId=${caseId}&action=case.reveal`).set(coordinator.auth)).body.items).toHaveLength(0);
    const res = await t.http.post(`/api/cases/${caseId}/reveal`).set(coordinator.auth).send({ reason: 'Detainer expires tonight; calling family' });
    expect(res.status).toBe(200);
    expect(res.body.client.aNumber).toBe(CANARY.aNumber);
    const audit = await t.http.get(`/api/audit?caseId=${caseId}&action=case.reveal`).set(coordinator.auth);
    expect(audit.body.items[0]).toMatchObject({ reason: 'Detainer expires tonight; calling family', actorId: coordinator.userId });
    expect(audit.body.items[0].fields).toEqual(expect.arrayContaining(['client.aNumber', 'client.firstName', 'narrative']));
    expect(JSON.stringify(audit.body)).not.toContain(CANARY.firstName);
    expect((await t.http.post(`/api/cases/${caseId}/reveal`).set(intake.auth).send({ reason: 'I would like to see it' })).status).toBe(403);
  });

  it('the trail of a full view or a reveal names the same fields whatever the case holds (which are filled is case content)', async () => {
    const bare = (await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201)).body.id as string;
    const fieldsOf = async (id: string, action: string) => {
      const [row] = await t.db.query(`SELECT fields FROM audit_events WHERE case_id = $1 AND action = $2 ORDER BY id DESC LIMIT 1`, [id, action]);
      return row.fields as string[];
    };
    for (const id of [caseId, bare]) {
      await t.http.get(`/api/cases/${id}`).set(intake.auth).expect(200);
      await t.http.post(`/api/cases/${id}/reveal`).set(coordinator.auth).send({ reason: 'Checking the trail of a full view' }).expect(200);
    }
    expect(await fieldsOf(bare, 'case.read_sensitive')).toEqual(await fieldsOf(caseId, 'case.read_sensitive'));
    expect(await fieldsOf(bare, 'case.reveal')).toEqual(await fieldsOf(caseId, 'case.reveal'));
    expect(await fieldsOf(bare, 'case.reveal')).toContain('client.criminalHistory');
    // The manner of entry: its read is recorded for every entry event in a full view, a manner given or not.
    for (const [id, manner] of [[caseId, 'ewi'], [bare, undefined]] as const) {
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'entered_us', occurredAt: '2019-03-02', manner }).expect(201);
      await t.http.get(`/api/cases/${id}/events`).set(intake.auth).expect(200);
      expect(await fieldsOf(id, 'case.read_sensitive')).toEqual(['events.manner']);
    }
  });

  describe('A-number lookup', () => {
    it('finds the case through the blind index, in any spelling, and is audited', async () => {
      const res = await t.http.get(`/api/cases?aNumber=${CANARY.aNumberDigits}`).set(coordinator.auth);
      expect(res.status).toBe(200);
      expect(res.body.items.map((c: { id: string }) => c.id)).toContain(caseId);
      const audit = await t.http.get('/api/audit?action=case.lookup').set(coordinator.auth);
      expect(audit.body.items[0].fields).toEqual(['client.aNumber']);
      expect(JSON.stringify(audit.body)).not.toContain(CANARY.aNumberDigits);
      // In the trail of the case found: who confirmed that its client holds this number.
      const trail = await t.http.get(`/api/audit?caseId=${caseId}&action=case.lookup`).set(coordinator.auth).expect(200);
      expect(trail.body.items).toEqual([expect.objectContaining({ actorId: coordinator.userId, fields: ['client.aNumber'] })]);
      // A number that finds nothing is on the record too.
      await t.http.get('/api/cases?aNumber=A909-090-909').set(coordinator.auth).expect(200);
      const [none] = (await t.http.get('/api/audit?action=case.lookup').set(coordinator.auth)).body.items;
      expect([none.caseId ?? null, none.details.matches]).toEqual([null, 0]);
    });

    it('is for coordinators only: anyone else is refused whatever they typed; a coordinator\'s typo is a 400 on aNumber', async () => {
      expect((await t.http.get(`/api/cases?aNumber=${CANARY.aNumberDigits}`).set(intake.auth)).status).toBe(403);
      expect((await t.http.get('/api/cases?aNumber=zz').set(intake.auth)).status).toBe(403);
      expect((await t.http.get(`/api/cases?aNumber=${'9'.repeat(60)}`).set(intake.auth)).status).toBe(403);
      const typo = await t.http.get('/api/cases?aNumber=A12').set(coordinator.auth);
      expect([typo.status, Object.keys(typo.body.fields ?? {})]).toEqual([400, ['aNumber']]);
    });

    it('reveals are rate-limited too: a stolen coordinator session reads a few records, not every one', async () => {
      const other = await createUser(t.http, admin, 'coordinator');
      const statuses: number[] = [];
      for (let i = 0; i < 61; i++) {
        statuses.push((await t.http.post(`/api/cases/${caseId}/reveal`).set(other.auth).send({ reason: 'Calling the family to confirm the bond hearing' })).status);
      }
      expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
      expect(statuses[60]).toBe(429);
      // Another coordinator is not held up by it.
      await t.http.post(`/api/cases/${caseId}/reveal`).set(coordinator.auth).send({ reason: 'Calling the family to confirm the bond hearing' }).expect(200);
    });

    it('is rate-limited', async () => {
      const other = await createUser(t.http, admin, 'coordinator');
      const statuses: number[] = [];
      for (let i = 0; i < 31; i++) statuses.push((await t.http.get('/api/cases?aNumber=A111222333').set(other.auth)).status);
      expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
      expect(statuses[30]).toBe(429);
      // Retry when the hour's window ends (it said 900 s, and a client that waited was refused again).
      const refused = await t.http.get('/api/cases?aNumber=A111222333').set(other.auth);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3500);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    });

    it('pages and filters the matches like the list', async () => {
      const lookup = await createUser(t.http, admin, 'coordinator');
      const aNumber = 'A204-555-918';
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const body = minimalBody();
        ids.push((await t.http.post('/api/cases').set(intake.auth).send({ ...body, client: { ...body.client, aNumber } }).expect(201)).body.id);
      }
      await t.http.post(`/api/cases/${ids[0]}/close`).set(lookup.auth).send({ outcome: 'duplicate' }).expect(200);
      const page = await t.http.get(`/api/cases?aNumber=${aNumber}&limit=2&page=1`).set(lookup.auth).expect(200);
      expect(page.body).toMatchObject({ page: 1, limit: 2, total: 3 });
      expect(page.body.items).toHaveLength(2);
      const second = await t.http.get(`/api/cases?aNumber=${aNumber}&limit=2&page=2`).set(lookup.auth).expect(200);
      expect([...page.body.items, ...second.body.items].map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());
      const closed = await t.http.get(`/api/cases?aNumber=${aNumber}&status=closed`).set(lookup.auth).expect(200);
      expect(closed.body.items.map((c: { id: string }) => c.id)).toEqual([ids[0]]);
      expect(closed.body.total).toBe(1);
    });

    it('is on the trail of every case it counted, on the page shown or not (a page past the end still confirms a number)', async () => {
      const lookup = await createUser(t.http, admin, 'coordinator');
      const aNumber = 'A318-402-775';
      const cases: { id: string; reference: string }[] = [];
      for (let i = 0; i < 2; i++) {
        const body = minimalBody();
        cases.push((await t.http.post('/api/cases').set(intake.auth).send({ ...body, client: { ...body.client, aNumber } }).expect(201)).body);
      }
      const lookupsOf = async (id: string) =>
        (await t.http.get(`/api/audit?caseId=${id}&action=case.lookup`).set(coordinator.auth).expect(200)).body.items.filter(
          (e: { actorId: string }) => e.actorId === lookup.userId,
        );
      // One case named, a page past the end: nothing listed, and the total says the case holds the number.
      const probe = await t.http.get(`/api/cases?aNumber=${aNumber}&reference=${cases[1].reference}&page=2&limit=1`).set(lookup.auth).expect(200);
      expect([probe.body.total, probe.body.items]).toEqual([1, []]);
      expect(await lookupsOf(cases[1].id)).toEqual([expect.objectContaining({ fields: ['client.aNumber'], details: { matches: 1 } })]);
      expect(await lookupsOf(cases[0].id)).toEqual([]);
      // One of two on the page: both are told.
      await t.http.get(`/api/cases?aNumber=${aNumber}&limit=1`).set(lookup.auth).expect(200);
      for (const c of cases) expect((await lookupsOf(c.id))[0].details.matches).toBe(2);
    });
  });

  describe('corrections', () => {
    it('null clears exactly the fields the OpenAPI document calls nullable; the others are a 400 naming them', async () => {
      const doc = (await t.http.get('/docs-json').expect(200)).body;
      const results: string[] = [];
      const models: [string, string | null][] = [['UpdateCaseDto', null], ['UpdateClientDto', 'client'], ['UpdateCallerDto', 'caller'], ['UpdateConsentDto', 'consent'], ['UpdateCustodyDto', 'custody']];
      for (const [model, parent] of models) {
        for (const [field, schema] of Object.entries(doc.components.schemas[model].properties as Record<string, { nullable?: boolean; $ref?: string; allOf?: unknown }>)) {
          if (schema.$ref || schema.allOf) continue; // a nested object: its own model's fields are tried
          const created = (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
          const body = parent ? { [parent]: { [field]: null } } : { [field]: null };
          const res = await t.http.patch(`/api/cases/${created}`).set(intake.auth).send(body);
          const path = parent ? `${parent}.${field}` : field;
          results.push(`${path}: ${schema.nullable ? 'nullable' : 'not nullable'} -> ${res.status}${res.status === 400 ? ` ${Object.keys(res.body.fields ?? {}).join(',')}` : ''}`);
        }
      }
      const expected = results.map((line) => {
        const [path, rest] = line.split(': ');
        return `${path}: ${rest.split(' -> ')[0]} -> ${rest.startsWith('nullable') ? '200' : `400 ${path}`}`;
      });
      expect(results).toEqual(expected);
      expect(results.filter((line) => line.includes(': nullable')).length).toBeGreaterThan(10);
    });

    it('a correction that changes nothing is a 400: an empty part is named, not the body said to hold nothing', async () => {
      const created = (await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201)).body.id as string;
      const none = await t.http.patch(`/api/cases/${created}`).set(intake.auth).send({});
      expect([none.status, none.body.fields]).toEqual([400, { body: ['send at least one field to correct'] }]);
      const empty = await t.http.patch(`/api/cases/${created}`).set(intake.auth).send({ caller: {}, custody: {} });
      expect([empty.status, empty.body.fields]).toEqual([400, {
        caller: ['has no field: send at least one of its fields to correct'], custody: ['has no field: send at least one of its fields to correct'],
      }]);
    });

    it('a recorded criminal history is one of the bond flag\'s facts, at intake and as corrected; the summary does not say which fact', async () => {
      const codes = (c: { flags: { code: string }[] }) => c.flags.map((f) => f.code);
      const detained = { status: 'ice_detention', state: 'TX', county: 'Harris' };
      const body = minimalBody();
      const declared = await t.http.post('/api/cases').set(intake.auth)
        .send({ ...body, custody: detained, client: { ...body.client, criminalHistory: 'a 2019 conviction, per the caller' } }).expect(201);
      expect(codes(declared.body)).toContain('bond_eligibility_contested');
      const none = await t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), custody: detained }).expect(201);
      expect(codes(none.body)).not.toContain('bond_eligibility_contested');
      // Spaces from a form field left empty are nothing recorded (stored as NULL).
      const blank = minimalBody();
      const spaces = await t.http.post('/api/cases').set(intake.auth).send({ ...blank, custody: detained, client: { ...blank.client, criminalHistory: '   ' } }).expect(201);
      expect(codes(spaces.body)).not.toContain('bond_eligibility_contested');
      expect((await t.db.query(`SELECT client_criminal_history FROM cases WHERE id = $1`, [spaces.body.id]))[0].client_criminal_history).toBeNull();
      // A word for nothing would flag a case that has none: refused, saying to leave the field out, at intake and in a correction.
      for (const nothing of ['none', 'N/A', 'Ninguno.', 'none known', 'nada', '-', '?', 'No criminal record', 'None reported']) {
        const refused = await t.http.post('/api/cases').set(intake.auth).send({ ...blank, custody: detained, client: { ...blank.client, criminalHistory: nothing } }).expect(400);
        expect(refused.body.fields['client.criminalHistory'][0]).toMatch(/leave it out when there is none/);
      }
      const word = await t.http.patch(`/api/cases/${none.body.id}`).set(coordinator.auth).send({ client: { criminalHistory: 'No' } }).expect(400);
      // Leaving it out of a correction keeps what is stored: the message says how to clear it.
      expect(word.body.fields['client.criminalHistory'][0]).toMatch(/in a correction, send null to clear/);
      // Recorded afterwards, then cleared: the flag follows (a coordinator may correct fields they cannot read).
      const added = await t.http.patch(`/api/cases/${none.body.id}`).set(coordinator.auth).send({ client: { criminalHistory: 'arrest in 2021, no charge known' } }).expect(200);
      expect(codes(added.body)).toContain('bond_eligibility_contested');
      const cleared = await t.http.patch(`/api/cases/${none.body.id}`).set(coordinator.auth).send({ client: { criminalHistory: null } }).expect(200);
      expect(codes(cleared.body)).not.toContain('bond_eligibility_contested');
      // The coordinator's summary shows the flag, with the same label whatever raised it.
      const summary = (await t.http.get(`/api/cases/${declared.body.id}`).set(coordinator.auth).expect(200)).body;
      expect(summary.view).toBe('summary');
      const flag = summary.flags.find((f: { code: string }) => f.code === 'bond_eligibility_contested');
      expect(flag.label).not.toMatch(/criminal|without inspection|parole|entry/i);
    });

    it('the creator corrects a sensitive field; indexes follow; the audit names the field', async () => {
      const created = await t.http.post('/api/cases').set(intake.auth).send(minimalBody());
      const res = await t.http.patch(`/api/cases/${created.body.id}`).set(intake.auth).send({ client: { aNumber: 'A 55566677' } });
      expect(res.status).toBe(200);
      expect(res.body.client.aNumber).toBe('A 55566677');
      const found = await t.http.get('/api/cases?aNumber=055566677').set(coordinator.auth);
      expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
      const audit = await t.http.get(`/api/audit?caseId=${created.body.id}&action=case.update`).set(coordinator.auth);
      expect(audit.body.items[0].fields).toEqual(['client.aNumber']);
    });

    it('a custody change recomputes urgency', async () => {
      const created = await t.http.post('/api/cases').set(intake.auth).send(minimalBody());
      expect(created.body.urgency.level).not.toBe('critical');
      const soon = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const res = await t.http
        .patch(`/api/cases/${created.body.id}`)
        .set(coordinator.auth)
        .send({ custody: { status: 'local_jail', state: 'AZ', county: 'Maricopa', detainerLodged: true, releaseEligibleAt: soon } });
      expect(res.status).toBe(200);
      expect(res.body.urgency.level).toBe('critical');
      expect(res.body.custody.timeZone).toBe('America/Phoenix');
    });

    it('a county corrected alone keeps the zone given at intake (it cannot place the case by itself)', async () => {
      const created = await t.http.post('/api/cases').set(intake.auth)
        .send({ ...minimalBody(), custody: { status: 'local_jail', timeZone: 'America/Denver' } }).expect(201);
      const res = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).send({ custody: { county: 'El Paso' } }).expect(200);
      expect(res.body.custody).toMatchObject({ county: 'El Paso', timeZone: 'America/Denver' });
      // With the state, the county places it: El Paso, Texas keeps Mountain time.
      const placed = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).send({ custody: { state: 'TX' } }).expect(200);
      expect(placed.body.custody).toMatchObject({ state: 'TX', timeZone: 'America/Denver' });
      const moved = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).send({ custody: { county: 'Harris' } }).expect(200);
      expect(moved.body.custody.timeZone).toBe('America/Chicago');
    });

    it('a bad correction is a 400 and changes nothing', async () => {
      const res = await t.http.patch(`/api/cases/${caseId}`).set(intake.auth).send({ client: { preferredLanguage: null, lastName: 'Changed' } });
      expect(res.status).toBe(400);
      const after = await t.http.get(`/api/cases/${caseId}`).set(intake.auth);
      expect(after.body.client.lastName).toBe(CANARY.lastName);
    });

    it('a correction of safeToContact changes only the fields sent: the code word and the voicemail answer stay', async () => {
      const created = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
      const res = await t.http.patch(`/api/cases/${created.body.id}`).set(intake.auth).send({ client: { safeToContact: { sms: false } } }).expect(200);
      expect(res.body.client.safeToContact).toEqual({ voicemail: false, sms: false, note: 'code word: example' });
      const cleared = await t.http.patch(`/api/cases/${created.body.id}`).set(intake.auth).send({ client: { safeToContact: { note: null } } }).expect(200);
      expect(cleared.body.client.safeToContact).toEqual({ voicemail: false, sms: false });
      // With nothing stored, a field sent as null is cleared too, not kept as a null answer; at intake as well.
      await t.http.patch(`/api/cases/${created.body.id}`).set(intake.auth).send({ client: { safeToContact: null } }).expect(200);
      const fresh = await t.http.patch(`/api/cases/${created.body.id}`).set(intake.auth).send({ client: { safeToContact: { sms: null, voicemail: true } } }).expect(200);
      expect(fresh.body.client.safeToContact).toEqual({ voicemail: true });
      const body = intakeBody();
      const opened = await t.http.post('/api/cases').set(intake.auth)
        .send({ ...body, client: { ...body.client, safeToContact: { voicemail: null, sms: true, note: null } } }).expect(201);
      expect((await t.http.get(`/api/cases/${opened.body.id}`).set(intake.auth).expect(200)).body.client.safeToContact).toEqual({ sms: true });
    });

    it('another volunteer cannot correct the case (404)', async () => {
      expect((await t.http.patch(`/api/cases/${caseId}`).set(otherIntake.auth).send({ narrative: 'x' })).status).toBe(404);
    });
  });

  it('a county jail given by state and county is flagged when its county has a 287(g) jail agreement (no facility code)', async () => {
    const open = (county: string) => t.http.post('/api/cases').set(intake.auth).send({
      ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county },
    }).expect(201);
    const flagged = await open('Galveston'); // a participating Jail Enforcement Model agreement, and no ICE facility row
    expect(flagged.body.flags.map((f: { code: string }) => f.code)).toContain('jail_287g');
    expect(flagged.body.urgency.level).toBe('high');
    const other = await open('Travis');
    expect(other.body.flags.map((f: { code: string }) => f.code)).not.toContain('jail_287g');
    // Recomputed (an event), the flag stays; corrected to another county, it goes.
    const moved = await t.http.post(`/api/cases/${flagged.body.id}/events`).set(coordinator.auth)
      .send({ type: 'address_changed', occurredAt: new Date().toISOString() }).expect(201);
    expect(moved.body.flags.map((f: { code: string }) => f.code)).toContain('jail_287g');
    const corrected = await t.http.patch(`/api/cases/${flagged.body.id}`).set(coordinator.auth).send({ custody: { county: 'Travis' } }).expect(200);
    expect(corrected.body.flags.map((f: { code: string }) => f.code)).not.toContain('jail_287g');
  });

  describe('what volunteers type on a phone', () => {
    const open = (client: Record<string, unknown>, custody: Record<string, unknown> = { status: 'unknown', timeZone: 'America/Chicago' }) =>
      t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), client: { ...minimalBody().client, ...client }, custody });

    it('a language code with a capital or a space, or in its ISO 639-2 form, is the ISO 639-3 code', async () => {
      for (const [typed, stored] of [['Spa ', 'spa'], ['fre', 'fra'], ['GER', 'deu']]) {
        const res = await open({ preferredLanguage: typed }).expect(201);
        const view = await t.http.get(`/api/cases/${res.body.id}`).set(intake.auth).expect(200);
        expect(view.body.client.preferredLanguage).toBe(stored);
      }
      const esp = await open({ preferredLanguage: 'esp' }).expect(400);
      expect(esp.body.fields['client.preferredLanguage']).toEqual(['client.preferredLanguage: esp is not an ISO 639-3 code; did you mean spa (Spanish)?']);
    });

    it('a language code must be one of ISO 639-3: a family (myn), a two-letter code or three letters that name nothing are refused, saying what to type', async () => {
      for (const code of ['mam', 'quc', 'kjb', 'ixl', 'acr', 'cak', 'tzh', 'tzo', 'jac', 'kek', 'poh', 'mop', 'usp', 'yua', 'und']) await open({ preferredLanguage: code }).expect(201);
      const refused = async (code: string) => (await open({ preferredLanguage: code }).expect(400)).body.fields['client.preferredLanguage'][0] as string;
      expect(await refused('myn')).toMatch(/^client\.preferredLanguage: myn is not an ISO 639-3 code; did you mean the language itself: Mayan languages .* mam \(Mam\), quc \(K'iche'\)/);
      expect(await refused('es')).toBe('client.preferredLanguage: es is a two-letter code; the ISO 639-3 code is spa (Spanish)');
      expect(await refused('xyz')).toMatch(/^client\.preferredLanguage: xyz is not an ISO 639-3 code; find the language's code at https:\/\/iso639-3\.sil\.org/);
      // A language's name, in English or Spanish, as a phone types it, is answered with its code (what was typed is not
      // said back: it may be someone's name typed in the wrong field).
      const byName = 'client.preferredLanguage: send the language\'s ISO 639-3 code, not its name: ';
      expect(await refused('Spanish')).toBe(`${byName}spa (Spanish)`);
      expect(await refused('Español ')).toBe(`${byName}spa (Spanish)`);
      expect(await refused('K’iche’')).toBe(`${byName}quc (K'iche')`);
      expect(await refused('Haitian Creole')).toBe(`${byName}hat (Haitian)`);
      expect(await refused('Malay')).toBe(`${byName}msa (Malay (macrolanguage))`);
      expect(await refused('Creole')).toMatch(/^client\.preferredLanguage: Creole is the name of many languages \(Haitian: hat; Cape Verdean: kea; Belize Kriol: bzj\); send the ISO 639-3 code of the one the client speaks/);
      expect(await refused('Mixteco')).toMatch(/^client\.preferredLanguage: Mixtec is a family of languages; send the ISO 639-3 code of the one the client speaks/);
      // A name the table has among thousands of rare languages' is not one of those answered: it may be a person's.
      expect(await refused('Bari')).toBe('client.preferredLanguage must be an ISO 639-3 language code (three letters) such as spa, mam or quc');
      // Attorneys' languages are held to the same list.
      const profile = await t.http.put('/api/attorneys/me/profile').set((await createUser(t.http, admin, 'attorney')).auth)
        .send({ languages: ['spa', 'aaj'], practiceAreas: ['asylum'], maxActiveCases: 3, acceptingReferrals: true });
      expect([profile.status, profile.body.fields?.languages?.[0]]).toEqual([400, expect.stringMatching(/aaj is not an ISO 639-3 code/)]);
      // A profile sent empty says what each list is to hold (the codes, the areas), with its bounds, not rules of values.
      const empty = await t.http.put('/api/attorneys/me/profile').set((await createUser(t.http, admin, 'attorney')).auth).send({});
      expect(empty.body.fields.languages).toEqual(['languages is required: a list ([] for none), at most 30', 'languages must be ISO 639-3 language codes (three letters) such as spa, mam or quc']);
      expect(empty.body.fields.maxActiveCases).toEqual(['maxActiveCases is required: a whole number from 0 to 500']);
      expect(empty.body.fields.practiceAreas[1]).toMatch(/^each value in practiceAreas must be one of the following values: /);
    });

    it('trailing spaces in coded fields are not errors; phones with an extension or a slash are phones, dashes alone are not', async () => {
      await open({ aNumber: 'A#123456789 ', phone: '512/555-0142 ext 4', dateOfBirth: '1990-04-02 ' }, { status: 'ice_detention', facilityCode: 'HOUICDF ' }).expect(201);
      for (const phone of ['-----', '----- x12345']) {
        const junk = await open({ phone }).expect(400);
        expect(Object.keys(junk.body.fields)).toEqual(['client.phone']);
      }
    });

    it('an A-number of zeros, or a long run of separators, is a 400 naming it', async () => {
      for (const aNumber of ['A000-000-000', `A1${' -'.repeat(40_000)}x`]) {
        const res = await open({ aNumber }).expect(400);
        expect(Object.keys(res.body.fields)).toEqual(['client.aNumber']);
      }
      // The coordinators' lookup reads A-numbers the same way: a malformed one costs no lookup of the hourly budget.
      const lookup = await t.http.get('/api/cases?aNumber=A12').set(coordinator.auth).expect(400);
      expect(Object.keys(lookup.body.fields)).toEqual(['aNumber']);
      await t.http.get(`/api/cases?aNumber=${encodeURIComponent(' A123-456-789')}`).set(coordinator.auth).expect(200);
    });

    it('a state that is no state is a 400 naming it, even with a time zone given', async () => {
      const res = await open({}, { status: 'local_jail', state: 'TS', timeZone: 'America/Chicago' }).expect(400);
      expect(Object.keys(res.body.fields)).toEqual(['custody.state']);
    });

    it('a case is found by the reference read over the phone, in the caller\'s scope only', async () => {
      const created = await open({}).expect(201);
      const found = await t.http.get(`/api/cases?reference=${created.body.reference.toLowerCase()}`).set(intake.auth).expect(200);
      expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
      expect((await t.http.get(`/api/cases?reference=${created.body.reference}`).set(otherIntake.auth).expect(200)).body.items).toEqual([]);
      expect((await t.http.get('/api/cases?reference=nonsense').set(intake.auth)).status).toBe(400);
    });

    it('an Idempotency-Key reused with another body says which case it opened', async () => {
      const first = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'phone-retry-0001').send(minimalBody()).expect(201);
      const typo = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'phone-retry-0001')
        .send({ ...minimalBody(), narrative: 'corrected before resending' }).expect(409);
      expect(typo.body).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', message: expect.stringContaining(first.body.reference) });
    });
  });

  it('closing twice is a 409', async () => {
    const created = await t.http.post('/api/cases').set(intake.auth).send(minimalBody());
    const first = await t.http.post(`/api/cases/${created.body.id}/close`).set(coordinator.auth).send({ outcome: 'advice_given' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('closed');
    expect((await t.http.post(`/api/cases/${created.body.id}/close`).set(coordinator.auth).send({ outcome: 'advice_given' })).status).toBe(409);
  });

  describe('idempotency', () => {
    it('concurrent retries with one key make one case and the same answer', async () => {
      const body = minimalBody();
      const key = `retry-${Date.now()}`;
      const count = async (sql: string) => (await t.db.query(sql, [intake.userId]))[0].n as number;
      const casesOf = `SELECT count(*)::int AS n FROM cases WHERE created_by = $1`;
      const auditOf = `SELECT count(*)::int AS n FROM audit_events WHERE actor_id = $1 AND action = 'case.create'`;
      const [casesBefore, auditBefore] = [await count(casesOf), await count(auditOf)];
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(body)),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      // The whole answer, not just the id: the replays return what the first request was told.
      for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
      // One case and one audit event: the retries' own work was rolled back.
      expect(await count(casesOf)).toBe(casesBefore + 1);
      expect(await count(auditOf)).toBe(auditBefore + 1);
      const [{ keys }] = await t.db.query(`SELECT count(*)::int AS keys FROM idempotency_keys WHERE key = $1`, [key]);
      expect(keys).toBe(1);
    });

    it('replays the answer as auto-routing left it (the status the routing set, not the one first stored)', async () => {
      const key = `routed-${Date.now()}`;
      const body = intakeBody();
      // A coordinator's intake: they read the status as it is (an intake volunteer reads `new` whatever the routing did).
      const first = await t.http.post('/api/cases').set(coordinator.auth).set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      // Auto-routing is on and there is no attorney: the urgent case was unplaced within the intake.
      expect(first.body.status).toBe('unplaced');
      const again = await t.http.post('/api/cases').set(coordinator.auth).set('Idempotency-Key', key).send(body);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
    });

    it('an intake volunteer\'s replay reads the status as they read it, also for an answer stored as routing left it', async () => {
      const key = `replay-seen-${Date.now()}`;
      // One body for both (intakeBody's release time is read off the wall clock to the second: a retry built a second
      // later is another body, a 409).
      const body = intakeBody();
      const first = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(body).expect(201);
      expect(first.body.status).toBe('new');
      // An answer stored before intake volunteers read `new` (it said what routing did).
      await t.db.query(`UPDATE idempotency_keys SET response = jsonb_set(response, '{status}', '"unplaced"') WHERE key = $1`, [key]);
      const again = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(body).expect(201);
      expect(again.body).toEqual(first.body);
    });

    it('the same key with another body is a 409', async () => {
      const key = `reuse-${Date.now()}`;
      expect((await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(minimalBody())).status).toBe(201);
      const other = { ...minimalBody(), narrative: 'different' };
      expect((await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(other)).status).toBe(409);
    });
  });

  describe('the canary never leaks', () => {
    it('appears in no plain column of any table', async () => {
      const tables: { table_name: string }[] = await t.db.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const needles = [CANARY.firstName, CANARY.lastName, CANARY.aNumberDigits, '987-654-321', '5125550142', 'BK-CANARY', 'Canarian', 'canary text'];
      const hexNeedles = needles.map((n) => Buffer.from(n).toString('hex'));
      for (const { table_name } of tables) {
        const rows: { t: string }[] = await t.db.query(`SELECT x::text AS t FROM "${table_name}" x`);
        const dump = rows.map((r) => r.t).join('\n');
        for (const needle of [...needles, ...hexNeedles]) expect({ table: table_name, found: dump.includes(needle) }).toEqual({ table: table_name, found: false });
      }
    });

    it('appears in no log line (logs were captured at debug level)', () => {
      expect(logs.length).toBeGreaterThan(1000);
      for (const needle of [CANARY.firstName, CANARY.lastName, CANARY.aNumberDigits, '987-654-321', 'Canarian']) {
        expect(logs.includes(needle)).toBe(false);
      }
    });
  });
});
