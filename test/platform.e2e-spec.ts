import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { listRouteAccess } from '@amparo/auth';
import { TestApp, createTestApp } from './support/test-app';
import { intakeBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

describe('platform (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  it('GET /health reports the database', async () => {
    const res = await t.http.get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('serves the OpenAPI document and its UI', async () => {
    const json = await t.http.get('/docs-json');
    expect(json.status).toBe(200);
    expect(json.body.openapi).toMatch(/^3\./);
    expect(Object.keys(json.body.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/users', '/health']));
    const ui = await t.http.get('/docs');
    expect(ui.status).toBe(200);
    // Served over http (PUBLIC_URL is), the page is not told to fetch its assets over https (it stayed blank).
    expect(ui.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(ui.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    const slash = await t.http.get('/docs/');
    expect([slash.status, slash.headers.location]).toEqual([301, '/docs']);
    // The optional Idempotency-Key is documented once, as optional.
    const headers = json.body.paths['/api/cases'].post.parameters.filter((p: { in: string; name: string }) => p.in === 'header' && /^idempotency-key$/i.test(p.name));
    expect(headers).toEqual([expect.objectContaining({ required: false })]);
    // Paging parameters are integers (they were documented as objects), on every paged route.
    const paging = Object.values(json.body.paths as Record<string, { get?: { parameters?: { in: string; name: string; schema: unknown }[] } }>)
      .flatMap((item) => item.get?.parameters ?? []).filter((p) => p.in === 'query' && (p.name === 'page' || p.name === 'limit'));
    expect(paging.length).toBeGreaterThanOrEqual(8);
    for (const p of paging) expect(p.schema).toMatchObject({ type: 'integer' });
  });

  it('documents what every route answers: a schema for each success (not 204) and the error shape', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    const missing: string[] = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const success = Object.entries(operation.responses).filter(([code]) => /^2/.test(code));
        if (success.length === 0 || !success.every(([code, r]) => code === '204' || r.content)) missing.push(`${method.toUpperCase()} ${path}`);
        if (path !== '/health' && !operation.responses.default) missing.push(`${method.toUpperCase()} ${path} (errors)`);
      }
    }
    expect(missing).toEqual([]);
    expect(doc.paths['/health'].get.responses['503'].content['application/json'].schema.properties.database).toEqual({ type: 'string', enum: ['down'] });
    // The rate-limited routes say so, with the header that says when to retry.
    for (const [path, method] of [['/api/cases', 'get'], ['/api/auth/login', 'post'], ['/api/auth/password', 'post']]) {
      expect(doc.paths[path][method].responses['429']).toMatchObject({ headers: { 'Retry-After': expect.anything() } });
    }
    // Types as the validator takes them: whole numbers are integers, a date-time a string, an outcome one of a list.
    const schema = (model: string, field: string) => doc.components.schemas[model].properties[field];
    for (const [model, field] of [['OfferWindowsDto', 'critical'], ['OfferWindowsDto', 'low'], ['OrganizationResponse', 'retentionDays'],
      ['UpdateOrganizationDto', 'retentionDays'], ['AttorneyProfileDto', 'maxActiveCases'], ['CreateEventDto', 'days']]) {
      expect({ model, field, type: schema(model, field)?.type }).toEqual({ model, field, type: 'integer' });
    }
    expect(schema('AttorneyProfileDto', 'unavailableUntil')).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schema('CreateEventDto', 'outcome').enum).toEqual(expect.arrayContaining(['granted', 'denied', 'no_jurisdiction', 'other']));
    // The validator's rules, in the request schemas: every model a request body names, nested ones too, refuses
    // fields it does not list; lengths, list sizes, values and patterns are given (clients learned them from 400s).
    const bodies = new Set<string>();
    const follow = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const ref = (node as { $ref?: string }).$ref;
      if (ref) {
        const name = ref.split('/').pop()!;
        if (!bodies.has(name)) { bodies.add(name); follow(doc.components.schemas[name]); }
        return;
      }
      for (const value of Object.values(node)) follow(value);
    };
    for (const item of Object.values(doc.paths as Record<string, Record<string, { requestBody?: unknown }>>)) {
      for (const operation of Object.values(item)) follow(operation.requestBody);
    }
    expect([...bodies]).toEqual(expect.arrayContaining(['CreateCaseDto', 'ClientDto', 'AdversePartyDto', 'UpdateCaseDto', 'CreateEventDto', 'AttorneyProfileDto']));
    for (const name of bodies) expect({ name, additionalProperties: doc.components.schemas[name].additionalProperties }).toEqual({ name, additionalProperties: false });
    expect(doc.components.schemas.CaseResponse.additionalProperties).toBeUndefined();
    expect(schema('ClientDto', 'firstName')).toMatchObject({ type: 'string', maxLength: 100 });
    expect(schema('CreateCaseDto', 'adverseParties')).toMatchObject({ type: 'array', maxItems: 10 });
    expect(schema('CreateCaseDto', 'practiceAreas')).toMatchObject({ maxItems: 9, items: { enum: expect.arrayContaining(['asylum', 'detention_bond']) } });
    expect(schema('AttorneyProfileDto', 'maxActiveCases')).toMatchObject({ minimum: 0, maximum: 500 });
    // A pattern reads as OpenAPI 3.0 says (ECMA-262 5.1, no flags); one that needs Unicode classes is left to the prose.
    const code = new RegExp(schema('CustodyDto', 'facilityCode').pattern);
    expect(['HOUICDF', 'houicdf', 'HOU-1'].map((v) => code.test(v))).toEqual([true, true, false]);
    expect(schema('CustodyDto', 'county').pattern).toBeUndefined();
    expect(schema('ClientDto', 'dateOfBirth')).toMatchObject({ format: 'date' });
    expect(schema('ClientDto', 'email')).toEqual(expect.objectContaining({ maxLength: 254 }));
    expect(schema('ClientDto', 'email').format).toBeUndefined(); // the validator takes UTF-8 addresses
    // What no keyword says, the description does.
    expect(schema('ClientDto', 'phone').description).toMatch(/at least 5 digits/);
    expect(schema('CustodyDto', 'state').description).toMatch(/2-letter code/);
    expect(schema('CreateEventDto', 'scheduledAt').description).toMatch(/UTC offset/);
    // What a length says is what the API does: one more character is a 400 naming the field.
    const intakeUser = await createUser(t.http, admin, 'intake');
    const lengths = Object.entries(doc.components.schemas.ClientDto.properties as Record<string, { maxLength?: number; pattern?: string; format?: string }>)
      .filter(([, p]) => p.maxLength && !p.pattern && !p.format);
    expect(lengths.length).toBeGreaterThanOrEqual(5);
    for (const [field, { maxLength }] of lengths) {
      const body = intakeBody();
      const res = await t.http.post('/api/cases').set(intakeUser.auth).send({ ...body, client: { ...body.client, [field]: 'a'.repeat(maxLength! + 1) } });
      expect({ field, status: res.status, named: Object.keys(res.body.fields ?? {}) }).toEqual({ field, status: 400, named: [`client.${field}`] });
    }
    // Who may call a route, as the guard reads it: every route limited to roles says which, in its 403.
    const routes = listRouteAccess(t.app.get(DiscoveryService), t.app.get(MetadataScanner), t.app.get(Reflector));
    const limited = routes.map((r) => r.split(' ')).filter(([, , who]) => who && !['public', 'authenticated'].includes(who));
    expect(limited.length).toBeGreaterThan(20);
    for (const [method, path, who] of limited) {
      const operation = doc.paths[path.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()];
      expect({ method, path, forbidden: operation?.responses['403']?.description })
        .toEqual({ method, path, forbidden: `Only for the roles ${who.split(',').join(', ')}: any other role gets 403. A route may also refuse one of them in a case its summary names.` });
    }
    // The documented properties cover what the API really answers (they drift apart otherwise).
    const props = (model: string) => Object.keys(doc.components.schemas[model].properties);
    const intake = await createUser(t.http, admin, 'intake');
    const created = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    expect(props('CreateCaseResponse')).toEqual(expect.arrayContaining(Object.keys(created.body)));
    expect(props('DeadlineResponse')).toEqual(expect.arrayContaining(Object.keys(created.body.deadlines[0])));
    const full = await t.http.get(`/api/cases/${created.body.id}`).set(intake.auth).expect(200);
    expect(full.body.view).toBe('full');
    expect(props('CaseResponse')).toEqual(expect.arrayContaining(Object.keys(full.body)));
    // Nested too: the client, custody, consent, caller and adverse parties of the full view, and the events' fields.
    const party = { ...intakeBody(), adverseParties: [{ name: 'Example Party', relationship: 'other' }] };
    const withParty = (await t.http.post('/api/cases').set(intake.auth).send(party).expect(201)).body.id as string;
    const fuller = (await t.http.get(`/api/cases/${withParty}`).set(intake.auth).expect(200)).body;
    for (const [model, value] of [['CaseClientResponse', fuller.client], ['CaseCustodyResponse', fuller.custody], ['CaseConsentResponse', fuller.consent],
      ['CaseCallerResponse', fuller.caller], ['AdversePartyResponse', fuller.adverseParties[0]], ['SafeToContactResponse', fuller.client.safeToContact]]) {
      expect({ model, keys: props(model) }).toEqual({ model, keys: expect.arrayContaining(Object.keys(value)) });
    }
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const body of [
      { type: 'hearing_scheduled', occurredAt: now, hearingType: 'bond', scheduledAt: new Date(Date.now() + 86_400_000).toISOString(), courtCode: 'HOU', timeZone: 'America/Chicago' },
      { type: 'bond_decision', occurredAt: now, outcome: 'denied', amount: 0 },
      { type: 'final_order', occurredAt: now, issuedBy: 'ij', venueState: 'TX' },
      { type: 'motion_decided', occurredAt: now, motion: 'reopen', outcome: 'denied', issuedBy: 'ij' },
      { type: 'voluntary_departure_granted', occurredAt: now, days: 60, stage: 'conclusion' },
      { type: 'entered_us', occurredAt: '2020-01-02', manner: 'ewi' },
      { type: 'transferred', occurredAt: now, facilityCode: 'HOUICDF' },
      { type: 'released', occurredAt: now, from: 'ice' },
    ]) {
      const recorded = await t.http.post(`/api/cases/${withParty}/events`).set(coordinator.auth).send(body);
      expect({ type: body.type, status: recorded.status }).toEqual({ type: body.type, status: 201 });
      expect({ type: body.type, keys: props('CaseEventResponse') }).toEqual({ type: body.type, keys: expect.arrayContaining(Object.keys(recorded.body.event)) });
      expect(props('CaseCustodyResponse')).toEqual(expect.arrayContaining(Object.keys(recorded.body.custody ?? {})));
    }
    const listed = (await t.http.get(`/api/cases/${withParty}/events`).set(intake.auth).expect(200)).body.items as object[];
    for (const e of listed) expect(props('CaseEventResponse')).toEqual(expect.arrayContaining(Object.keys(e)));
    const me = await t.http.get('/api/auth/me').set(admin.auth).expect(200);
    expect(props('UserResponse')).toEqual(expect.arrayContaining(Object.keys(me.body)));
  });

  it('documents the path parameters that name a record as UUIDs, and each refuses anything else with a 400 naming it', async () => {
    const doc = (await t.http.get('/docs-json').expect(200)).body;
    const sessions = [admin, ...(await Promise.all((['coordinator', 'intake', 'attorney'] as const).map((role) => createUser(t.http, admin, role))))];
    const seen: string[] = [];
    type Operation = { parameters?: { in: string; name: string; description?: string; schema: { type?: string; format?: string } }[] };
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const p of (operation.parameters ?? []).filter((q) => q.in === 'path')) {
          if (path === '/api/calendar/{file}') {
            expect(p.schema.format).toBeUndefined();
            // The contract's `:token.ics`, said in the document: not a bare "file".
            expect(p.description).toMatch(/`<token>\.ics`/);
            continue;
          }
          expect({ path, name: p.name, format: p.schema.format }).toEqual({ path, name: p.name, format: 'uuid' });
          const url = path.replace(/\{(\w+)\}/g, (_, name: string) => (name === p.name ? 'not-a-uuid' : '5b1d4c7e-0a4f-4e3b-9a51-2f0c8d6e7a10'));
          let res: { status: number; body: { fields?: Record<string, string[]> } } | undefined;
          for (const session of sessions) {
            res = await (t.http as unknown as Record<string, (u: string) => { set(h: object): { send(b: object): Promise<typeof res> } }>)[method](url).set(session.auth).send({});
            if (res!.status !== 403) break;
          }
          expect({ path, method, status: res!.status, field: Object.keys(res!.body.fields ?? {}) })
            .toEqual({ path, method, status: 400, field: expect.arrayContaining([p.name]) });
          seen.push(`${method} ${path} ${p.name}`);
        }
      }
    }
    expect(seen.length).toBeGreaterThanOrEqual(15);
  });

  it('sets security headers and no-store on API answers', async () => {
    const res = await t.http.get('/api/auth/me').set(admin.auth);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a conditional GET in full (nothing kept, nothing revalidated): a case\'s view moves without its ETag', async () => {
    const intake = await createUser(t.http, admin, 'intake');
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const c = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    const read = await t.http.get(`/api/cases/${c.body.id}`).set(coordinator.auth).expect(200);
    // A deadline marked met: the view changes, its updatedAt (the ETag) does not.
    await t.http.patch(`/api/deadlines/${c.body.deadlines[0].id}`).set(coordinator.auth).send({ status: 'met' }).expect(200);
    for (const conditional of [{ 'If-None-Match': read.headers.etag as string }, { 'If-None-Match': '*' }, { 'If-Modified-Since': new Date().toUTCString() }]) {
      const again = await t.http.get(`/api/cases/${c.body.id}`).set(coordinator.auth).set(conditional).expect(200);
      expect(again.body.deadlines[0].status).toBe('met');
    }
    // No ETag computed over other answers (a hash of a board or a reveal).
    expect((await t.http.get('/api/deadlines').set(coordinator.auth).expect(200)).headers.etag).toBeUndefined();
  });

  it('HEAD is not an API method (it ran the GET and audited a read never sent); the feed and /health keep it', async () => {
    const intake = await createUser(t.http, admin, 'intake');
    const c = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    const reads = async () => (await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE case_id = $1 AND action = 'case.read_sensitive'`, [c.body.id]))[0].n;
    const before = await reads();
    const head = await t.http.head(`/api/cases/${c.body.id}`).set(intake.auth);
    expect([head.status, head.headers['cache-control']]).toEqual([404, 'no-store']);
    expect(await reads()).toBe(before);
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const feed = (await t.http.post('/api/calendar/token').set(coordinator.auth).expect(201)).body.token;
    await t.http.head(`/api/calendar/${feed}.ics`).expect(200);
    await t.http.head(`/api/Calendar/${feed}.ics`).expect(200);
    await t.http.head('/health').expect(200);
  });

  describe('bad input gets a clear 4xx naming the field', () => {
    it('unknown fields are rejected, not ignored', async () => {
      const res = await t.http.post('/api/auth/login').send({ email: 'a@b.example', password: 'x', role: 'admin' });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: { role: ['is not a known field'] } });
    });

    it('wrong types name the field', async () => {
      const res = await t.http.post('/api/users').set(admin.auth).send({ email: 42, name: ['x'], role: 'root', password: true });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields).sort()).toEqual(['email', 'name', 'password', 'role']);
      expect(JSON.stringify(res.body)).not.toMatch(/at \w+ \(|\.ts:\d+/);
    });

    it('malformed JSON is a 400', async () => {
      const res = await t.http.post('/api/auth/login').set('Content-Type', 'application/json').send('{"email": ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400, error: 'Bad Request', code: 'MALFORMED_JSON',
        message: 'Request body is not valid JSON at line 1, column 11: the text ends before the JSON is complete: a closing }, ], or " is missing',
      });
    });

    it('a body that is valid JSON but no object (null, a number, a text, a list) is told to be one object, not that it is malformed, and is not quoted', async () => {
      const sent = [['null', 'null'], ['201555017', 'a number'], ['"Ana Ruiz"', 'a text in quotes'], ['true', 'true']];
      for (const [body, said] of sent) {
        const res = await t.http.post('/api/auth/login').set('Content-Type', 'application/json').send(body);
        expect([body, res.status, res.body]).toEqual([body, 400, {
          statusCode: 400, error: 'Bad Request', code: 'VALIDATION_FAILED', message: 'Invalid field: body', fields: { body: [`must be one JSON object, {...}, not ${said}`] },
        }]);
      }
      // A list, where the route takes one object: not its entries read as fields.
      const list = await t.http.post('/api/users').set(admin.auth).send([{ email: 'a@b.example' }]);
      expect([list.status, list.body.fields]).toEqual([400, { body: ['must be one JSON object, {...}, not a list'] }]);
      // On a route that takes no body too.
      const accept = await t.http.post(`/api/referrals/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/accept`).set(admin.auth).set('Content-Type', 'application/json').send('null');
      expect([accept.status, accept.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    });

    it('malformed JSON says where, and what to mend: a phone\'s curly quotes; none of the text is sent back', async () => {
      const res = await t.http.post('/api/auth/login').set('Content-Type', 'application/json')
        .send('{\n  "email": “ana.ruiz@example.org”,\n  "password": "x"\n}');
      expect(res.status).toBe(400);
      expect(res.body.message).toBe('Request body is not valid JSON at line 2, column 12: a curly quote (“): type straight double quotes (") around names and text');
      expect(res.body.message).not.toContain('ana');
    });

    it('every error has a code: no token, a malformed path id, an unknown route', async () => {
      const noToken = await t.http.get('/api/cases');
      expect([noToken.status, noToken.body.code]).toEqual([401, 'UNAUTHENTICATED']);
      const badId = await t.http.patch('/api/users/not-a-uuid').set(admin.auth).send({ name: 'Someone' });
      expect(badId.status).toBe(400);
      expect(badId.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: { id: ['id must be a UUID'] } });
      const nowhere = await t.http.get('/api/nowhere').set(admin.auth);
      expect([nowhere.status, nowhere.body.code]).toEqual([404, 'NOT_FOUND']);
      // Named without its query string, nor an identifying number in its path (what a mistyped lookup carries).
      const mistyped = await t.http.get('/api/case/A201-555-017?aNumber=A201-555-017').set(admin.auth);
      expect([mistyped.status, mistyped.body.message]).toEqual([404, 'Cannot GET /api/case/[redacted]']);
    });

    it('an oversized body is a 413', async () => {
      const res = await t.http.post('/api/auth/login').send({ email: 'a@b.example', password: 'x'.repeat(600_000) });
      expect(res.status).toBe(413);
      expect(res.body).toMatchObject({ statusCode: 413, error: 'Payload Too Large', message: expect.stringMatching(/^Request body is too large: \d+ bytes, the limit is 524288 bytes$/) });
    });

    it('a __proto__ key is refused and pollutes nothing', async () => {
      const res = await t.http
        .post('/api/users')
        .set(admin.auth)
        .set('Content-Type', 'application/json')
        .send('{"email":"p@test.amparo.example","name":"P","role":"intake","password":"long-enough-pass","__proto__":{"role":"admin","polluted":true}}');
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields)).toEqual(['__proto__']);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('deeply nested JSON is a 400, not a stack overflow', async () => {
      const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
      const res = await t.http.post('/api/auth/login').set('Content-Type', 'application/json').send(deep);
      expect(res.status).toBe(400);
    });

    it('a body not in UTF-8, or with a key given twice, is a 400 and changes nothing', async () => {
      const coordinator = await createUser(t.http, admin, 'coordinator');
      const created = await t.http.post('/api/cases').set(coordinator.auth).send(intakeBody()).expect(201);
      const stored = async () => {
        const { client, custody } = (await t.http.post(`/api/cases/${created.body.id}/reveal`).set(coordinator.auth).send({ reason: 'Checking what was stored for a test' }).expect(200)).body;
        return { lastName: client.lastName, custody };
      };
      const before = await stored();
      // The bytes as they are (supertest would send a Buffer as JSON of its own).
      const patch = (bytes: Buffer) => t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json')
        .serialize((body: unknown) => body as string).send(bytes as unknown as string);
      // Latin-1, as Windows PowerShell 5.1 sends a body by default: not stored with its letters replaced.
      const latin1 = await patch(Buffer.from('{"client":{"lastName":"Jos\xe9 Pe\xf1a"}}', 'latin1'));
      expect([latin1.status, latin1.body.code, latin1.body.message]).toEqual([400, 'MALFORMED_BODY', 'Request body is not valid UTF-8: send the JSON in UTF-8']);
      // A key given twice: not the last one alone, the first silently dropped.
      const twice = await patch(Buffer.from('{"custody":{"bookingNumber":"BK-NEW-1"},"custody":{"county":"Travis"}}'));
      expect([twice.status, twice.body.code, twice.body.fields]).toEqual([400, 'VALIDATION_FAILED', { custody: ['is given twice'] }]);
      const nested = await patch(Buffer.from('{"client":{"lastName":"Uno","last\\u004eame":"Dos"}}'));
      expect([nested.status, nested.body.fields]).toEqual([400, { 'client.lastName': ['is given twice'] }]);
      // Behind a byte order mark, or declared in another charset (which the parser would decode after these checks).
      const bom = await patch(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"custody":{"bookingNumber":"BK-NEW-1"},"custody":{"county":"Travis"}}')]));
      expect([bom.status, bom.body.fields]).toEqual([400, { custody: ['is given twice'] }]);
      const utf16 = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json; charset=utf-16le')
        .serialize((body: unknown) => body as string).send(Buffer.from('{"client":{"lastName":"José Peña"}}', 'utf16le') as unknown as string);
      expect([utf16.status, utf16.body.code, utf16.body.message]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE', 'Send the body as JSON in UTF-8, with the header Content-Type: application/json (charset=utf-16le is not UTF-8)']);
      // The charset as the parser reads it: one inside a quoted parameter is that parameter's value.
      const hidden = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json; x="; charset=utf-8"; charset=utf-16le')
        .serialize((body: unknown) => body as string).send(Buffer.from('{"custody":{"county":"Harris"},"custody":{"county":"Travis"}}', 'utf16le') as unknown as string);
      expect([hidden.status, hidden.body.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      expect(await stored()).toEqual(before);
      await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json; charset="UTF-8"')
        .send(JSON.stringify({ custody: { bookingNumber: 'BK-NEW-2' } })).expect(200);
      // UTF-8 by its other name, as some clients send it: taken, and checked as UTF-8.
      await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json; charset=UTF8')
        .send(JSON.stringify({ custody: { bookingNumber: 'BK-NEW-3' } })).expect(200);
      const latin1Named = await t.http.patch(`/api/cases/${created.body.id}`).set(coordinator.auth).set('Content-Type', 'application/json; charset=utf8')
        .serialize((body: unknown) => body as string).send(Buffer.from('{"client":{"lastName":"Jos\xe9"}}', 'latin1') as unknown as string);
      expect([latin1Named.status, latin1Named.body.code]).toEqual([400, 'MALFORMED_BODY']);
      // In UTF-8, once: taken.
      await patch(Buffer.from('{"client":{"lastName":"José Peña"}}', 'utf8')).expect(200);
      expect((await stored()).lastName).toBe('José Peña');
    });

    it('a query string sent to a route that reads none is refused, each parameter named; nothing is done', async () => {
      const intake = await createUser(t.http, admin, 'intake');
      const cases = async () => (await t.db.query(`SELECT count(*)::int AS n FROM cases`))[0].n as number;
      const before = await cases();
      const dryRun = await t.http.post('/api/cases?dryRun=true').set(intake.auth).send(intakeBody());
      expect([dryRun.status, dryRun.body.code, dryRun.body.fields]).toEqual([400, 'VALIDATION_FAILED', { dryRun: ['is not a known field'] }]);
      expect(await cases()).toBe(before);
      const users = await t.http.get('/api/users?role=attorney&active=true').set(admin.auth);
      expect([users.status, users.body.fields]).toEqual([400, { role: ['is not a known field'], active: ['is not a known field'] }]);
      // A route that reads a query takes its own parameters, and refuses others (as before).
      expect((await t.http.get('/api/cases?status=new').set(intake.auth)).status).toBe(200);
      expect((await t.http.get('/api/cases?dryRun=true').set(intake.auth)).body.fields).toEqual({ dryRun: ['is not a known field'] });
      // Without a session: 401, as without the query.
      expect((await t.http.get('/api/users?role=attorney')).status).toBe(401);
      // `_` on a read is the usual cache-buster; a public route (a monitor's probe, a calendar app's feed) takes any.
      expect((await t.http.get('/api/auth/me?_=1732700000000').set(intake.auth)).status).toBe(200);
      expect((await t.http.get('/api/cases?status=new&_=1732700000000').set(intake.auth)).status).toBe(200);
      expect((await t.http.get('/api/auth/me?t=1').set(intake.auth)).body.fields).toEqual({ t: ['is not a known field'] });
      expect((await t.http.post('/api/auth/logout?_=1').set(intake.auth)).body.fields).toEqual({ _: ['is not a known field'] });
      expect((await t.http.get('/health?probe=lb')).status).toBe(200);
      const coordinator = await createUser(t.http, admin, 'coordinator');
      const { token } = (await t.http.post('/api/calendar/token').set(coordinator.auth).expect(201)).body;
      expect((await t.http.get(`/api/calendar/${token}.ics?nocache=1`)).status).toBe(200);
    });

    it('a path that is not valid percent-encoding is a 400 naming the path', async () => {
      for (const path of ['/api/cases/%ZZ', '/api/users/%E0%A4%A', '/api/calendar/%ZZ.ics']) {
        const res = await t.http.get(path).set(admin.auth);
        expect([path, res.status, res.body.code, res.body.fields]).toEqual([path, 400, 'VALIDATION_FAILED', { path: ['is not valid percent-encoding: a % must be followed by two hexadecimal digits'] }]);
      }
      // Each % with its two digits, but the bytes they make are no UTF-8 text (an overlong dot, a lone surrogate).
      for (const path of ['/api/cases/%C0%AE%C0%AE', '/api/users/%ED%A0%80', '/api/calendar/%C0%AE.ics', '/api/cases/%C0%AE?q=50%']) {
        const res = await t.http.get(path).set(admin.auth);
        expect([path, res.status, res.body.code, res.body.fields]).toEqual([path, 400, 'VALIDATION_FAILED', { path: ['is not valid percent-encoding: the bytes its %XX make are not UTF-8 text'] }]);
      }
    });

    it('a field left out is told it is required, not the rules of a value nobody sent; a field sent with a dot in its name is unknown, not missing', async () => {
      const login = await t.http.post('/api/auth/login').send({});
      expect([login.status, login.body.fields]).toEqual([400, { email: ['email is required', 'email must be an email address'], password: ['password is required'] }]);
      const coordinator = await createUser(t.http, admin, 'coordinator');
      const reveal = await t.http.post(`/api/cases/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/reveal`).set(coordinator.auth).send({});
      expect(reveal.status).toBe(400);
      // A text's least length is what to send, not a rule broken.
      expect(reveal.body.fields.reason).toEqual(['reason is required: at least 10 characters']);
      const user = await t.http.post('/api/users').set(admin.auth).send({ email: 'dana.rivas@example.org', role: 'intake' });
      expect([user.status, user.body.fields]).toEqual([400, { name: ['name is required'], password: ['password is required: at least 12 characters'] }]);
      // One key, "client.firstName", sent as is: not the client's first name said to be missing.
      const dotted = await t.http.post('/api/auth/login').send({ email: 'a@b.example', password: 'x', 'client.firstName': 'Lucia' });
      expect([dotted.status, dotted.body.fields]).toEqual([400, { 'client.firstName': ['is not a known field'] }]);
      const query = await t.http.get('/api/cases?a.b=1').set(coordinator.auth);
      expect([query.status, query.body.fields]).toEqual([400, { 'a.b': ['is not a known field'] }]);
      // Spelling a nested field that is missing: both are said, neither message lost to the other.
      const intake = await createUser(t.http, admin, 'intake');
      for (const body of [
        { 'consent.shareWithAttorney': true, consent: { obtainedFrom: 'client' }, client: { lastName: 'Punto', preferredLanguage: 'spa' }, custody: { status: 'unknown' } },
        { consent: { obtainedFrom: 'client' }, 'consent.shareWithAttorney': true, client: { lastName: 'Punto', preferredLanguage: 'spa' }, custody: { status: 'unknown' } },
      ]) {
        const both = await t.http.post('/api/cases').set(intake.auth).send(body);
        expect(both.status).toBe(400);
        expect(both.body.fields['consent.shareWithAttorney']).toEqual(expect.arrayContaining(['is not a known field', expect.stringMatching(/^consent\.shareWithAttorney is required/)]));
      }
    });

    it('a malformed id in the path is a 400 naming it, not a 500', async () => {
      const res = await t.http.patch('/api/users/not-a-uuid').set(admin.auth).send({ name: 'x' });
      expect(res.status).toBe(400);
    });

    it('an unknown route is a 404 in the error shape', async () => {
      const res = await t.http.get('/api/nothing-here').set(admin.auth);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });
  });

  describe('users', () => {
    it('an admin creates users; a duplicate email is a 409 and the first user is intact', async () => {
      const body = { email: 'dup@test.amparo.example', name: 'First', role: 'intake', password: 'long-enough-pass' };
      const first = await t.http.post('/api/users').set(admin.auth).send(body);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ id: expect.any(String), email: body.email, name: 'First', role: 'intake', organizationId: expect.any(String), active: true, passwordChangeRequired: true });
      const second = await t.http.post('/api/users').set(admin.auth).send({ ...body, email: 'DUP@test.amparo.example', name: 'Second' });
      expect(second.status).toBe(409);
      const list = await t.http.get('/api/users').set(admin.auth);
      expect(list.body.filter((u: { email: string }) => u.email === body.email)).toEqual([first.body]);
    });

    it("a user's name is kept as it shows: no spaces or invisible characters around it, no direction override in it", async () => {
      const created = await t.http.post('/api/users').set(admin.auth)
        .send({ email: `lena.ortiz-${Date.now()}@example.org`, name: ' \u200fLena \u202eZITRO\u202c ', role: 'intake', password: 'Temporary-Pass-2026!' });
      expect([created.status, created.body.name]).toEqual([201, 'Lena ZITRO']);
      const renamed = await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ name: 'Lena Ortiz\u200b' });
      expect([renamed.status, renamed.body.name]).toEqual([200, 'Lena Ortiz']);
      const blank = await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ name: ' \u200b ' });
      expect([blank.status, blank.body.fields]).toEqual([400, { name: ['name cannot be blank'] }]);
    });

    it('a short password is refused with the field named', async () => {
      const res = await t.http.post('/api/users').set(admin.auth).send({ email: 's@test.amparo.example', name: 'S', role: 'intake', password: 'short' });
      expect(res.status).toBe(400);
      expect(res.body.fields.password).toBeDefined();
    });

    it('an admin cannot deactivate themself', async () => {
      const res = await t.http.patch(`/api/users/${admin.userId}`).set(admin.auth).send({ active: false });
      expect(res.status).toBe(409);
    });

    it('a role change takes effect on the next request', async () => {
      const user = await createUser(t.http, admin, 'coordinator');
      expect((await t.http.get('/api/users').set(user.auth)).status).toBe(200);
      await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ role: 'intake' }).expect(200);
      expect((await t.http.get('/api/users').set(user.auth)).status).toBe(401);
    });
  });
});
