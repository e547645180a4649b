import { TestApp, createTestApp } from './support/test-app';
import { intakeBody, minimalBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

/**
 * Intake as volunteers type it (on a phone, often not in English), and corrections that must neither keep a wrong
 * answer nor lose a stored one.
 */
describe('intake input and corrections (e2e)', () => {
  let t: TestApp;
  let intake: Session;
  let coordinator: Session;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
    coordinator = await createUser(t.http, admin, 'coordinator');
  });
  afterAll(() => t.close());

  const create = (body: object) => t.http.post('/api/cases').set(intake.auth).send(body);
  const fieldsOf = (res: { body: { fields?: Record<string, unknown> } }) => Object.keys(res.body.fields ?? {});

  /** A case held in a county jail with a detainer, whose release-eligible time was typed three days early: missed. */
  async function heldSinceATypo() {
    const typo = new Date(Date.now() - 3 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const c = await create({
      ...minimalBody(),
      custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: typo },
    }).expect(201);
    const holds = async () =>
      ((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.deadlines as { rule: string; status: string }[])
        .filter((d) => d.rule === 'detainer_hold').map((d) => d.status);
    return { c, typo, holds };
  }

  it('an intake with its longest narrative and history in Arabic, every character escaped as \\uXXXX (as Python sends JSON), is taken', async () => {
    const arabic = (n: number) => 'ب'.repeat(n);
    const body = { ...intakeBody(), narrative: arabic(20_000), client: { ...intakeBody().client, criminalHistory: `اعتقل ${arabic(4_000)}` } };
    const escaped = JSON.stringify(body).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(Buffer.byteLength(escaped)).toBeGreaterThan(140_000);
    const res = await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'application/json').send(escaped);
    expect(res.status).toBe(201);
    const stored = await t.http.get(`/api/cases/${res.body.id}`).set(intake.auth).expect(200);
    expect(stored.body.narrative).toBe(body.narrative);
    // In Adlam (beyond the Basic Multilingual Plane): each character is a surrogate pair, twelve bytes escaped.
    const adlam = (n: number) => '\u{1E900}'.repeat(n);
    const pular = { ...intakeBody(), narrative: adlam(20_000), client: { ...intakeBody().client, criminalHistory: adlam(4_990) } };
    const wide = JSON.stringify(pular).replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    expect(Buffer.byteLength(wide)).toBeGreaterThan(290_000);
    expect((await t.http.post('/api/cases').set(intake.auth).set('Content-Type', 'application/json').send(wide)).status).toBe(201);
  });

  it('an intake with only the client (no consent, no custody) is told what each missing part is, in one message each', async () => {
    const partial = await create({ client: { firstName: 'María', phone: '55 1234 5678', preferredLanguage: 'spa' } });
    expect(partial.status).toBe(400);
    expect(partial.body.fields).toEqual({
      consent: ['consent is required: {"shareWithAttorney": true or false, "obtainedFrom": "client" or "caller"}'],
      custody: ['custody is required: {"status": one of local_jail, ice_detention, released, not_detained, unknown} ("unknown" when nobody knows)'],
    });
    const nothing = await create({});
    expect(nothing.body.fields.client).toEqual([expect.stringMatching(/^client is required: .*firstName or lastName and preferredLanguage/)]);
    // The wrong shape gets the same message: a list, a string, null.
    for (const custody of [[], 'jail', null]) {
      const wrong = await create({ ...minimalBody(), custody });
      expect([wrong.status, wrong.body.fields.custody]).toEqual([400, [expect.stringMatching(/^custody is required: /)]]);
    }
  });

  it('a name of spaces or invisible marks alone is blank; around a name they are trimmed', async () => {
    const invisible = await create({ ...minimalBody(), client: { lastName: '\u200f', preferredLanguage: 'ara' } });
    expect([invisible.status, fieldsOf(invisible)]).toEqual([400, ['client.firstName', 'client.lastName']]);
    // A Hangul filler is a letter that prints nothing.
    const filler = await create({ ...minimalBody(), client: { lastName: '\u3164', preferredLanguage: 'kor' } });
    expect([filler.status, fieldsOf(filler)]).toEqual([400, ['client.firstName', 'client.lastName']]);
    const party = await create({ ...minimalBody(), adverseParties: [{ name: '\u200b\u200b ' }] });
    expect(party.status).toBe(400);
    expect(fieldsOf(party).join()).toMatch(/adverseParties/);
    // A name typed where a party goes: the answer says what a party is. A born-before-1900 date says why it is refused.
    const bare = await create({ ...minimalBody(), adverseParties: ['Opuesto Uno'] });
    expect([bare.status, bare.body.fields]).toEqual([400, { 'adverseParties.0': ['each adverse party must be an object such as {"name": "..."}, not a name alone'] }]);
    // A list inside the list: its names would be in no conflict check (the case offered to the party's own attorney).
    for (const nested of [[[{ name: 'Opuesto Uno' }]], [[]]]) {
      const wrapped = await create({ ...minimalBody(), adverseParties: nested });
      expect([wrapped.status, fieldsOf(wrapped)]).toEqual([400, ['adverseParties']]);
    }
    const old = await create({ ...minimalBody(), client: { lastName: 'Antigua', preferredLanguage: 'spa', dateOfBirth: '1899-12-31' } });
    expect([old.status, old.body.fields]).toEqual([400, { 'client.dateOfBirth': ['client.dateOfBirth must be a real date as YYYY-MM-DD, from 1900 on and not in the future'] }]);
    const c = await create({ ...minimalBody(), client: { lastName: ' \u200fEjemplo\u200b ', preferredLanguage: 'ara' } }).expect(201);
    const full = await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200);
    expect(full.body.client.lastName).toBe('Ejemplo');
    // A direction override inside a name would show another name than the one stored ("Ruiz CARLOS"): dropped.
    const spoof = await create({ ...minimalBody(), client: { firstName: 'Ruiz \u202eSOLRAC\u202c', lastName: 'Ejemplo\u2067', preferredLanguage: 'spa' } }).expect(201);
    const shown = await t.http.get(`/api/cases/${spoof.body.id}`).set(intake.auth).expect(200);
    expect([shown.body.client.firstName, shown.body.client.lastName]).toEqual(['Ruiz SOLRAC', 'Ejemplo']);
    // The caller's name too; and a name is counted and kept composed: 100 letters, each "e" and a combining accent.
    const decomposed = 'e\u0301'.repeat(100);
    const caller = await create({ ...minimalBody(), client: { firstName: decomposed, preferredLanguage: 'spa' }, caller: { relationship: 'family', name: ' Tía \u202eANIL\u202c ' } }).expect(201);
    const read = await t.http.get(`/api/cases/${caller.body.id}`).set(intake.auth).expect(200);
    expect([read.body.client.firstName, read.body.caller.name]).toEqual(['é'.repeat(100), 'Tía ANIL']);
    const tooLong = await create({ ...minimalBody(), client: { firstName: 'e\u0301'.repeat(101), preferredLanguage: 'spa' } });
    expect([tooLong.status, fieldsOf(tooLong)]).toEqual([400, ['client.firstName']]);
    const corrected = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ adverseParties: [[{ name: 'Opuesto Uno' }]] });
    expect([corrected.status, fieldsOf(corrected)]).toEqual([400, ['adverseParties']]);
  });

  it('an intake with no name and other mistakes is told all of them in one answer, the missing name among them', async () => {
    const res = await create({ ...minimalBody(), client: { preferredLanguage: 'spa', phone: 'llamar', dateOfBirth: '1990-02-30' } });
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({
      'client.phone': [expect.stringMatching(/^client\.phone /)],
      'client.dateOfBirth': [expect.stringMatching(/^client\.dateOfBirth /)],
      'client.firstName': ['client.firstName or client.lastName is required'],
      'client.lastName': ['client.firstName or client.lastName is required'],
    });
    // A name too long is its own error, not "required"; a name given, however short, is enough.
    const long = await create({ ...minimalBody(), client: { firstName: 'x'.repeat(101), preferredLanguage: 'spa' } });
    expect([long.status, long.body.fields]).toEqual([400, { 'client.firstName': [expect.stringMatching(/100/)] }]);
    await create({ ...minimalBody(), client: { lastName: 'Q', preferredLanguage: 'spa' } }).expect(201);
  });

  it('codes as a phone keyboard sends them: capitalized, a space after, the same one twice', async () => {
    const c = await create({
      ...minimalBody(),
      consent: { shareWithAttorney: false, obtainedFrom: 'Client ' },
      custody: { status: 'Local_Jail', state: 'TX', county: 'Harris' },
      caller: { relationship: 'Family ' },
      practiceAreas: ['Detention_Bond', 'detention_bond '],
    }).expect(201);
    const full = await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200);
    expect(full.body).toMatchObject({ consent: { obtainedFrom: 'client' }, custody: { status: 'local_jail' }, caller: { relationship: 'family' }, practiceAreas: ['detention_bond'] });
    const wrong = await create({ ...minimalBody(), custody: { status: 'in jail' } });
    expect([wrong.status, fieldsOf(wrong)]).toEqual([400, ['custody.status']]);
  });

  it('an event\'s date, time and zone typed with a space after them (a phone keyboard) are read, as the intake\'s are', async () => {
    const c = await create({ ...minimalBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201);
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'America/Chicago' });
    const later = new Date(Date.now() + 14 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const event = await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth)
      .send({ type: 'hearing_scheduled', hearingType: 'bond', occurredAt: `${today} `, scheduledAt: ` ${later} `, timeZone: 'America/Chicago ' }).expect(201);
    expect(event.body.event).toMatchObject({ occurredAt: today, scheduledAt: later, timeZone: 'America/Chicago' });
  });

  it('a year mistyped ahead (2062 for 2026) in a release-eligible time or a DACA expiry is a 400 saying to check the year, and nothing moves', async () => {
    const { c } = await heldSinceATypo();
    const before = (await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body;
    const far = `${new Date().getUTCFullYear() + 36}-11-28T08:00:00-06:00`;
    for (const event of [{ type: 'release_eligible', occurredAt: far }, { type: 'daca_expires', occurredAt: `${new Date().getUTCFullYear() + 3}-03-01` }]) {
      const refused = await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send(event).expect(400);
      expect(refused.body.fields.occurredAt[0]).toMatch(/years ahead.*check the year/);
    }
    const corrected = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody: { releaseEligibleAt: far } }).expect(400);
    expect(corrected.body.fields).toEqual({ 'custody.releaseEligibleAt': [expect.stringMatching(/more than 10 years ahead; check the year/)] });
    const after = (await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body;
    expect([after.custody.releaseEligibleAt, after.urgency]).toEqual([before.custody.releaseEligibleAt, before.urgency]);
    const intakeFar = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: far } });
    expect([intakeFar.status, fieldsOf(intakeFar)]).toEqual([400, ['custody.releaseEligibleAt']]);
    // Within the bounds: a release eight years off, a DACA grant ending in two.
    const inEight = `${new Date().getUTCFullYear() + 8}-06-01T08:00:00-05:00`;
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'release_eligible', occurredAt: inEight }).expect(201);
    const inTwo = new Date(Date.now() + 700 * 86_400_000).toISOString().slice(0, 10);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'daca_expires', occurredAt: inTwo }).expect(201);
  });

  it('a phone or A-number typed in Arabic or Persian digits is read, and finds the same person typed in ASCII', async () => {
    const first = await create({ ...minimalBody(), client: { lastName: 'Arqam', preferredLanguage: 'ara', phone: '(\u0665\u0661\u0662) \u0665\u0665\u0665-\u0660\u0661\u0663\u0667' } }).expect(201);
    const second = await create({ ...minimalBody(), client: { lastName: 'Arqam', preferredLanguage: 'ara', phone: '512-555-0137' } }).expect(201);
    expect(second.body.possibleDuplicates).toContain(first.body.reference);
    const aNumber = await create({ ...minimalBody(), client: { lastName: 'Arqam', preferredLanguage: 'fas', aNumber: 'A\u06f2\u06f0\u06f4\u06f5\u06f5\u06f5\u06f9\u06f1\u06f8' } }).expect(201);
    const found = await t.http.get('/api/cases?aNumber=A204555918').set(coordinator.auth).expect(200);
    expect(found.body.items.map((c: { id: string }) => c.id)).toContain(aNumber.body.id);
  });

  it('the same person with the names in another order, split or typed shorter, born the same day, is a possible duplicate; a mononym too', async () => {
    const named = (firstName: string | undefined, lastName: string | undefined, dateOfBirth = '1987-03-14') =>
      create({ ...minimalBody(), client: { firstName, lastName, dateOfBirth, preferredLanguage: 'spa' } }).expect(201);
    const first = await named('Itzel Yareli', 'Quintanar Olmedo');
    for (const [firstName, lastName] of [['Quintanar Olmedo', 'Itzel Yareli'], ['Itzel', 'Yareli Quintanar-Olmedo'], [undefined, 'QUINTANAR OLMEDO ITZEL YARELI']]) {
      expect([lastName, (await named(firstName, lastName)).body.possibleDuplicates]).toEqual([lastName, expect.arrayContaining([first.body.reference])]);
    }
    // Born another day: another person.
    expect((await named('Olmedo', 'Itzel Yareli Quintanar', '1987-03-15')).body.possibleDuplicates).toEqual([]);
    // Typed shorter (the second given name or the second surname left out, as Spanish-language intake often does): the
    // same first given name and first surname, born that day.
    for (const [firstName, lastName] of [['Itzel', 'Quintanar Olmedo'], ['Itzel Yareli', 'Quintanar'], ['itzel', 'de Quintanar']]) {
      expect([firstName, lastName, (await named(firstName, lastName)).body.possibleDuplicates]).toEqual([firstName, lastName, expect.arrayContaining([first.body.reference])]);
    }
    // A vowel sign typed apart is no word of the name (it made the intake and every correction a 500).
    const marked = await named('Itzel', '\u093f Quintanar');
    expect(marked.body.possibleDuplicates).toContain(first.body.reference);
    await t.http.patch(`/api/cases/${marked.body.id}`).set(intake.auth).send({ client: { firstName: '\u0e31 Itzel' } }).expect(200);
    // Another given name, or the second surname alone: not taken for her.
    expect((await named('Yareli', 'Quintanar Olmedo')).body.possibleDuplicates).not.toContain(first.body.reference);
    expect((await named('Itzel', 'Olmedo')).body.possibleDuplicates).not.toContain(first.body.reference);
    // A family name first, or one name only.
    const li = await named('小龍', '李', '1979-11-27');
    expect((await named('李', '小龍', '1979-11-27')).body.possibleDuplicates).toEqual([li.body.reference]);
    const mononym = await named('Xochiquetzalli', undefined, '2001-06-30');
    expect((await named(undefined, 'xochiquetzalli', '2001-06-30')).body.possibleDuplicates).toEqual([mononym.body.reference]);
    // An ʻokina as an iOS keyboard types it, an apostrophe as another does; a first name "unknown" as ICE writes it.
    const tongan = await named('Sione', 'Tuʻilagi', '1994-08-08');
    expect((await named('Sione', "Tu'ilagi", '1994-08-08')).body.possibleDuplicates).toEqual([tongan.body.reference]);
    expect((await named('FNU', 'Xochiquetzalli', '2001-06-30')).body.possibleDuplicates).toContain(mononym.body.reference);
    // A placeholder among the words of a name (it made the intake a 500).
    const ruiz = await named('Ana', 'FNU Ruiz', '1993-03-03');
    expect((await named('Ana', 'Ruiz', '1993-03-03')).body.possibleDuplicates).toContain(ruiz.body.reference);
    // Two Nguyễn women born the same New Year's Day: "Thị" tells nobody apart.
    const mai = await named('Thị Mai', 'Nguyễn', '1980-01-01');
    expect((await named('Thị Lan', 'Nguyễn', '1980-01-01')).body.possibleDuplicates).not.toContain(mai.body.reference);
  });

  it('one practice area sent alone (a form\'s single choice) is a list of one', async () => {
    const c = await create({ ...minimalBody(), practiceAreas: 'Asylum' }).expect(201);
    expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.practiceAreas).toEqual(['asylum']);
    // A select with nothing chosen sends a blank: none given, as for every other optional field.
    const none = await create({ ...minimalBody(), practiceAreas: ' ' }).expect(201);
    expect((await t.http.get(`/api/cases/${none.body.id}`).set(intake.auth).expect(200)).body.practiceAreas).toEqual([]);
    // In a correction, a blank clears them.
    await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ practiceAreas: '' }).expect(200);
    expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.practiceAreas).toEqual([]);
    const wrong = await create({ ...minimalBody(), practiceAreas: 'asylm' });
    expect([wrong.status, wrong.body.fields['practiceAreas']]).toEqual([400, [expect.stringMatching(/each value in practiceAreas must be one of/)]]);
  });

  it('a number pasted from a contact list or typed right to left (invisible marks, other dashes) is read, and finds the same person', async () => {
    const plain = await create({ ...minimalBody(), client: { lastName: 'Pegado', preferredLanguage: 'spa', phone: '512-555-0177', aNumber: 'A123-456-780' } }).expect(201);
    for (const [phone, aNumber] of [
      ['\u202d(512) 555-0177\u202c', '\u202dA123456780\u202c'],
      ['512\u2013555\u20130177', 'A 123\u2013456\u2013780'],
      ['+1 (512) 555\u20110177', 'A\u00a0123\u00a0456\u00a0780'],
      ['\u200e+1 512 555 0177', '\u200f123-456-780'],
    ]) {
      const again = await create({ ...minimalBody(), client: { lastName: 'Pegado', preferredLanguage: 'spa', phone, aNumber }, caller: { phone: `\u200e${phone}` } });
      expect([phone, again.status]).toEqual([phone, 201]);
      expect(again.body.possibleDuplicates).toContain(plain.body.reference);
    }
    // A correction takes the same; the marks are not kept (a right-to-left override would show the number reversed).
    await t.http.patch(`/api/cases/${plain.body.id}`).set(coordinator.auth).send({ client: { phone: '\u202e(512) 555-0178\u202c', aNumber: '\u202eA123-456-780' } }).expect(200);
    const stored = (await t.http.get(`/api/cases/${plain.body.id}`).set(intake.auth).expect(200)).body.client;
    expect([stored.phone, stored.aNumber]).toEqual(['(512) 555-0178', 'A123-456-780']);
  });

  it('a number sent for a text (a form that sends a field as typed) is told it must be text, not rules of its length; the case is unchanged', async () => {
    const c = await create(minimalBody()).expect(201);
    const refused = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ narrative: 5, client: { lastName: 12345678901 } }).expect(400);
    expect(refused.body.fields).toEqual({ narrative: ['narrative must be a string'], 'client.lastName': ['client.lastName must be a string'] });
    const reveal = await t.http.post(`/api/cases/${c.body.id}/reveal`).set(coordinator.auth).send({ reason: 12345678901 }).expect(400);
    expect(reveal.body.fields).toEqual({ reason: ['reason must be a string'] });
    expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.client.lastName).toBe('Minimal');
  });

  it('a hearing\'s court code is letters: an A-number or phone typed into it is a 400 naming it, and nothing is stored', async () => {
    const c = await create(minimalBody()).expect(201);
    const hearing = (courtCode: string) => t.http.post(`/api/cases/${c.body.id}/events`).set(intake.auth)
      .send({ type: 'hearing_scheduled', occurredAt: '2026-11-20', hearingType: 'master', scheduledAt: '2027-02-01T09:00:00-06:00', courtCode });
    for (const typed of ['A987-654-321', '512 555 0142', '']) {
      const refused = await hearing(typed);
      expect([typed, refused.status, fieldsOf(refused)]).toEqual([typed, 400, ['courtCode']]);
    }
    expect((await t.http.get(`/api/cases/${c.body.id}/events`).set(coordinator.auth).expect(200)).body.items).toEqual([]);
    await hearing('HOU').expect(201);
    await hearing('San Antonio').expect(201);
  });

  it("a jail's county is a name in letters: a number typed into it (kept in plain, shown to an offered attorney) is a 400 naming it", async () => {
    const jail = (county: string) => ({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county } });
    for (const typed of ['Harris A123-456-789', 'Harris ph 512 555 0142', 'Harris 2']) {
      const refused = await create(jail(typed));
      expect([typed, refused.status, fieldsOf(refused)]).toEqual([typed, 400, ['custody.county']]);
    }
    const c = await create(minimalBody()).expect(201);
    const patched = await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { status: 'local_jail', state: 'TX', county: 'Harris 5125550142' } });
    expect([patched.status, fieldsOf(patched)]).toEqual([400, ['custody.county']]);
    const signs = await create(jail('Harris; #'));
    expect(signs.body.fields['custody.county'][0]).toMatch(/letters, spaces and/);
    for (const typed of ['Galveston County, TX', "Prince George\u2019s", 'St. Louis (city)', 'Doña Ana', 'Miami-Dade', 'Harris County \u2013 TX']) {
      await create(jail(typed)).expect(201);
    }
    // Pasted from a web page or a message: a no-break space, a zero-width one. Read as the county, stored plain.
    for (const typed of ['Harris\u00a0County', 'Harris County\u200b', '\u200eHarris\u202fCounty']) {
      const c = await create(jail(typed));
      expect([typed, c.status]).toEqual([typed, 201]);
      expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.custody.county).toBe('Harris County');
    }
  });

  it("a jail's county typed in Spanish, abbreviated or with its state (and no state) keeps its 287(g) flag and its zone", async () => {
    const flagsOf = (res: { body: { flags?: { code: string }[] } }) => (res.body.flags ?? []).map((f) => f.code);
    const reference = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Fort Bend County' } }).expect(201);
    expect(flagsOf(reference)).toContain('jail_287g');
    for (const county of ['Condado de Fort Bend', 'Fort Bend County, Tex.', 'Fort Bend Cnty']) {
      const typed = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county } }).expect(201);
      expect([county, flagsOf(typed), typed.body.urgency.level]).toEqual([county, flagsOf(reference), reference.body.urgency.level]);
    }
    // No state sent, the county ending with it: placed in that state (its zone, its agreements), not in the organization's zone.
    for (const county of ['Fort Bend County, TX', 'Fort Bend, Texas']) {
      const placed = await create({ ...minimalBody(), custody: { status: 'local_jail', county } }).expect(201);
      expect([county, flagsOf(placed)]).toEqual([county, flagsOf(reference)]);
      expect((await t.http.get(`/api/cases/${placed.body.id}`).set(intake.auth).expect(200)).body.custody).toMatchObject({ state: 'TX', timeZone: 'America/Chicago' });
    }
    const elPaso = await create({ ...minimalBody(), custody: { status: 'local_jail', county: 'El Paso Co., Tex.' } }).expect(201);
    expect((await t.http.get(`/api/cases/${elPaso.body.id}`).set(intake.auth).expect(200)).body.custody).toMatchObject({ state: 'TX', timeZone: 'America/Denver' });
    // So does a correction of a case with no place yet: the state and the zone it gives.
    const unplaced = await create(minimalBody()).expect(201);
    const corrected = await t.http.patch(`/api/cases/${unplaced.body.id}`).set(intake.auth).send({ custody: { status: 'local_jail', county: 'El Paso County, TX' } }).expect(200);
    expect(corrected.body.custody).toMatchObject({ state: 'TX', timeZone: 'America/Denver' });
    // "Co." after the comma is the county's, not Colorado; "CO", Colorado's code, is Colorado.
    const harris = await create({ ...minimalBody(), custody: { status: 'local_jail', county: 'Harris, Co.' } }).expect(201);
    expect((await t.http.get(`/api/cases/${harris.body.id}`).set(intake.auth).expect(200)).body.custody.state).not.toBe('CO');
    const weld = await create({ ...minimalBody(), custody: { status: 'local_jail', county: 'Weld County, CO' } }).expect(201);
    expect((await t.http.get(`/api/cases/${weld.body.id}`).set(intake.auth).expect(200)).body.custody).toMatchObject({ state: 'CO', timeZone: 'America/Denver' });
  });

  it('the trail an admin reads does not say which fields an intake filled (a criminal history, an A-number)', async () => {
    const full = await create(intakeBody()).expect(201);
    const bare = await create(minimalBody()).expect(201);
    const admin = await loginAdmin(t.http);
    const trail = (await t.http.get('/api/audit?action=case.create&limit=200').set(admin.auth).expect(200)).body.items;
    const fieldsWritten = (id: string) => trail.find((e: { caseId: string }) => e.caseId === id).fields;
    expect(fieldsWritten(full.body.id)).toEqual(fieldsWritten(bare.body.id));
    expect(JSON.stringify(trail)).not.toMatch(/criminalHistory|aNumber/);
  });

  it('a release late in the evening at a place in Tennessee it cannot put in a zone counts from that day, ending at the earlier midnight', async () => {
    const bondRequest = async (county: string) => {
      const c = await create({ ...minimalBody(), custody: { status: 'released', state: 'TN', county } }).expect(201);
      await t.http.post(`/api/cases/${c.body.id}/events`).set(intake.auth)
        .send({ type: 'released', occurredAt: '2026-11-03T23:30:00-06:00', from: 'ice' }).expect(201);
      const view = await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200);
      return view.body.deadlines.find((d: { rule: string }) => d.rule === 'bond_request_after_release') as { dueAt: string; timeZone: string };
    };
    // Nashville is in Davidson County (Central): 7 days from the 3rd.
    expect(await bondRequest('Davidson')).toMatchObject({ dueAt: '2026-11-10T23:59:59.999-06:00', timeZone: 'America/Chicago' });
    // Typed as the city: Eastern or Central. The 3rd where the day starts last, ended at Eastern midnight (an hour
    // sooner); read in Eastern time it was the 4th, and Veterans Day rolled it to the 12th.
    expect(await bondRequest('Nashville')).toMatchObject({ dueAt: '2026-11-10T23:59:59.999-05:00', timeZone: 'America/New_York' });
  });

  it('a decision recorded at such a place keeps its day after a transfer away: its appeal deadline does not move', async () => {
    const c = await create({ ...minimalBody(), custody: { status: 'ice_detention', state: 'TN', county: 'Nashville' } }).expect(201);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth)
      .send({ type: 'bond_decision', occurredAt: '2026-11-23T23:30:00-06:00', outcome: 'denied' }).expect(201);
    const appeal = async () => ((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.deadlines as { rule: string; dueAt: string }[])
      .find((d) => d.rule === 'bond_appeal')!.dueAt;
    // The 23rd (where the day starts last), 30 days: 23 Dec, counted in Eastern time (the BIA's).
    expect(await appeal()).toBe('2026-12-23T23:59:59.999-05:00');
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth)
      .send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: 'HOUICDF' }).expect(201);
    expect(await appeal()).toBe('2026-12-23T23:59:59.999-05:00');
    // The event's view says nothing of where its day is read.
    const events = (await t.http.get(`/api/cases/${c.body.id}/events`).set(coordinator.auth).expect(200)).body.items as Record<string, unknown>[];
    expect([events.length, events.filter((e) => 'dayZone' in e)]).toEqual([2, []]);
    // A correction to a county the tables place: the events read there since are read in its zone alone.
    const knox = await create({ ...minimalBody(), custody: { status: 'released', state: 'TN', county: 'Knoxville' } }).expect(201);
    await t.http.post(`/api/cases/${knox.body.id}/events`).set(coordinator.auth)
      .send({ type: 'released', occurredAt: '2026-11-03T23:30:00-06:00', from: 'ice' }).expect(201);
    const dayZone = async () => (await t.db.query(`SELECT data->>'dayZone' AS zone FROM case_events WHERE case_id = $1`, [knox.body.id]))[0].zone;
    expect(await dayZone()).toBe('America/Chicago');
    await t.http.patch(`/api/cases/${knox.body.id}`).set(coordinator.auth).send({ custody: { status: 'released', state: 'TN', county: 'Knox' } }).expect(200);
    expect(await dayZone()).toBeNull();
  });

  it('a zone cleared in a correction places the case again from its state', async () => {
    const c = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'El Paso', timeZone: 'America/Chicago' } }).expect(201);
    expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth)).body.custody.timeZone).toBe('America/Chicago');
    const cleared = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody: { timeZone: null } }).expect(200);
    expect(cleared.body.custody.timeZone).toBe('America/Denver');
  });

  it('a state, county or zone corrected at a facility (alone, or with the custody sent back) is a 400 naming it, not dropped for the facility\'s place', async () => {
    const [jail]: { code: string; county: string; state: string }[] = await t.db.query(
      `SELECT code, county, state FROM facilities WHERE listed AND state = 'AZ' ORDER BY code LIMIT 1`);
    const c = await create({ ...minimalBody(), custody: { status: 'local_jail', facilityCode: jail.code } }).expect(201);
    const before = (await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.custody;
    for (const [custody, fields] of [
      [{ state: 'NY', county: 'Albany' }, ['custody.state', 'custody.county']],
      [{ county: 'Albany' }, ['custody.county']],
      [{ timeZone: 'America/New_York' }, ['custody.timeZone']],
      [{ ...before, state: 'NY', county: 'Albany', timeZone: 'America/New_York' }, ['custody.state', 'custody.county', 'custody.timeZone']],
      [{ status: 'local_jail', facilityCode: jail.code.toLowerCase(), state: 'NY' }, ['custody.state']],
    ] as const) {
      const res = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody });
      expect([res.status, Object.keys(res.body.fields ?? {})]).toEqual([400, fields]);
      expect(res.body.fields[fields[0]][0]).toMatch(new RegExp(`placed at facility ${jail.code} .*leave ${fields[0]} out, or send custody.facilityCode: null`));
    }
    expect((await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200)).body.custody).toEqual(before);
    // Sent back as they are (a form), in other letters: taken.
    await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth)
      .send({ custody: { state: jail.state.toLowerCase(), county: `${jail.county.toLowerCase()} county`, timeZone: before.timeZone }, practiceAreas: ['detention_bond'] }).expect(200);
    // With the facility cleared, the state and county place it.
    const moved = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody: { facilityCode: null, state: 'NY', county: 'Albany' } }).expect(200);
    expect(moved.body.custody).toMatchObject({ facilityCode: null, state: 'NY', county: 'Albany', timeZone: 'America/New_York' });
  });

  /**
   * A case in Los Angeles with an address change today: its EOIR-33 deadline marked met, the place corrected to Chicago
   * (the met mark carried to that place's row), and reopened there.
   */
  const metCarriedAndReopened = async () => {
    const c = await create({ ...minimalBody(), custody: { status: 'ice_detention', state: 'CA', county: 'Los Angeles' } }).expect(201);
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'America/Los_Angeles' });
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: today }).expect(201);
    const eoir33 = async () => ((await t.http.get(`/api/cases/${c.body.id}`).set(coordinator.auth).expect(200)).body.deadlines as { id: string; rule: string; status: string }[])
      .filter((d) => d.rule === 'eoir33_change_of_address');
    const [first] = await eoir33();
    await t.http.patch(`/api/deadlines/${first.id}`).set(coordinator.auth).send({ status: 'met', note: 'EOIR-33 filed' }).expect(200);
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { state: 'IL', county: 'Cook' } }).expect(200);
    const [carried] = await eoir33();
    expect(carried.status).toBe('met');
    await t.http.patch(`/api/deadlines/${carried.id}`).set(coordinator.auth).send({ status: 'open', note: 'EOIR rejected the filing' }).expect(200);
    return { caseId: c.body.id as string, first, carried, eoir33 };
  };

  it('a hold marked met, its detainer corrected away and back, comes back met, not open (to be swept missed and emailed); a waived one, or one reopened since, open', async () => {
    const at = new Date(Date.now() - 10 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const c = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: at } }).expect(201);
    const [hold] = (c.body.deadlines as { id: string; rule: string }[]).filter((d) => d.rule === 'detainer_hold');
    await t.http.patch(`/api/deadlines/${hold.id}`).set(coordinator.auth).send({ status: 'met', note: 'picked up by ICE' }).expect(200);
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { detainerLodged: false } }).expect(200);
    const corrected = await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { detainerLodged: true } }).expect(200);
    expect((corrected.body.deadlines as { id: string; rule: string; status: string }[]).filter((d) => d.rule === 'detainer_hold').map((d) => [d.id, d.status]))
      .toEqual([[hold.id, 'met']]);
    const [row] = await t.db.query(`SELECT status_note, status_changed_by FROM deadlines WHERE id = $1`, [hold.id]);
    expect(row).toEqual({ status_note: 'picked up by ICE', status_changed_by: coordinator.userId });
    // Its release-eligible time corrected to another (a typo, its hold swept missed at once) and back: the same, met
    // (the other time's hold goes, and its marks say nothing of this one).
    for (const daysAgo of [0.4, 5]) {
      const typo = new Date(Date.now() - daysAgo * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
      await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { releaseEligibleAt: typo } }).expect(200);
      const back = await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { releaseEligibleAt: at } }).expect(200);
      expect([daysAgo, (back.body.deadlines as { id: string; rule: string; status: string }[]).filter((d) => d.rule === 'detainer_hold').map((d) => [d.id, d.status])])
        .toEqual([daysAgo, [[hold.id, 'met']]]);
    }
    expect(await t.db.query(`SELECT 1 FROM notifications WHERE kind = 'deadline.missed' AND dedupe_key LIKE $1 AND cancelled_at IS NULL AND sent_at IS NULL`, [`missed:${hold.id}:%`])).toEqual([]);

    // Waived ("no longer applies", judged on the facts corrected since): it comes back open.
    const waived = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: at } }).expect(201);
    const [waivedHold] = (waived.body.deadlines as { id: string; rule: string }[]).filter((d) => d.rule === 'detainer_hold');
    await t.http.patch(`/api/deadlines/${waivedHold.id}`).set(coordinator.auth).send({ status: 'waived', note: 'no detainer: intake error' }).expect(200);
    await t.http.patch(`/api/cases/${waived.body.id}`).set(coordinator.auth).send({ custody: { detainerLodged: false } }).expect(200);
    const lodged = await t.http.patch(`/api/cases/${waived.body.id}`).set(coordinator.auth).send({ custody: { detainerLodged: true } }).expect(200);
    expect((lodged.body.deadlines as { rule: string; status: string }[]).filter((d) => d.rule === 'detainer_hold').map((d) => d.status)).toEqual(['open']);

    // Met, carried to the row of another place, reopened there, and the place corrected back: the reopening stands.
    const { caseId: moved, eoir33 } = await metCarriedAndReopened();
    await t.http.patch(`/api/cases/${moved}`).set(coordinator.auth).send({ custody: { state: 'CA', county: 'Los Angeles' } }).expect(200);
    expect((await eoir33()).map((d) => d.status)).toEqual(['open']);
    // Reopened in Illinois, moved on to New York, back to Illinois (that row revived open: its reopening kept), then
    // California: still open, the reopening the last word.
    await t.http.patch(`/api/deadlines/${(await eoir33())[0].id}`).set(coordinator.auth).send({ status: 'met', note: 'EOIR-33 filed again' }).expect(200);
    await t.http.patch(`/api/cases/${moved}`).set(coordinator.auth).send({ custody: { state: 'IL', county: 'Cook' } }).expect(200);
    await t.http.patch(`/api/deadlines/${(await eoir33())[0].id}`).set(coordinator.auth).send({ status: 'open', note: 'rejected again' }).expect(200);
    for (const [state, county] of [['NY', 'Albany'], ['IL', 'Cook']]) {
      await t.http.patch(`/api/cases/${moved}`).set(coordinator.auth).send({ custody: { state, county } }).expect(200);
    }
    const [reopened] = await t.db.query(`SELECT status, status_note FROM deadlines WHERE id = $1`, [(await eoir33())[0].id]);
    expect(reopened).toEqual({ status: 'open', status_note: 'rejected again' });
    await t.http.patch(`/api/cases/${moved}`).set(coordinator.auth).send({ custody: { state: 'CA', county: 'Los Angeles' } }).expect(200);
    expect((await eoir33()).map((d) => d.status)).toEqual(['open']);

    // Also when the row reopened there was superseded since (the hold ended by a lift, then counted again).
    const jailed = await create({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true } }).expect(201);
    const chicagoToday = new Date().toLocaleDateString('en-CA', { timeZone: 'America/Chicago' });
    await t.http.post(`/api/cases/${jailed.body.id}/events`).set(coordinator.auth).send({ type: 'release_eligible', occurredAt: chicagoToday }).expect(201);
    const holds = async () => ((await t.http.get(`/api/cases/${jailed.body.id}`).set(coordinator.auth).expect(200)).body.deadlines as { id: string; rule: string; status: string }[])
      .filter((d) => d.rule === 'detainer_hold');
    await t.http.patch(`/api/deadlines/${(await holds())[0].id}`).set(coordinator.auth).send({ status: 'met', note: 'hold challenged' }).expect(200);
    await t.http.patch(`/api/cases/${jailed.body.id}`).set(coordinator.auth).send({ custody: { state: 'CA', county: 'Los Angeles' } }).expect(200);
    const [inCalifornia] = await holds();
    await t.http.patch(`/api/deadlines/${inCalifornia.id}`).set(coordinator.auth).send({ status: 'open', note: 'the challenge was never filed' }).expect(200);
    const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await t.http.post(`/api/cases/${jailed.body.id}/events`).set(coordinator.auth).send({ type: 'detainer_lifted', occurredAt: nowIso() }).expect(201);
    await t.http.patch(`/api/cases/${jailed.body.id}`).set(coordinator.auth).send({ custody: { state: 'TX', county: 'Harris' } }).expect(200);
    await t.http.post(`/api/cases/${jailed.body.id}/events`).set(coordinator.auth).send({ type: 'detainer_lodged', occurredAt: nowIso() }).expect(201);
    expect((await holds()).map((d) => d.status)).toEqual(['open']);
  });

  it('a deadline met, carried to another place, reopened there and swept missed: back at the first place, it is not met', async () => {
    const { caseId, first, carried, eoir33 } = await metCarriedAndReopened();
    // As the sweep marks it once Chicago's day has ended and Los Angeles's has not (who reopened it is not kept).
    await t.db.query(`UPDATE deadlines SET status = 'missed', status_changed_at = now(), status_changed_by = NULL, status_note = NULL WHERE id = $1`, [carried.id]);
    await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth).send({ custody: { state: 'CA', county: 'Los Angeles' } }).expect(200);
    const back = await eoir33();
    expect(back.map((d) => [d.id, d.status])).toEqual([[first.id, 'open']]);
  });

  it('a corrected release-eligible time takes the detainer deadline of the wrong one with it, even one already missed', async () => {
    const { c, holds } = await heldSinceATypo();
    expect(await holds()).toEqual(['missed']);
    const right = new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody: { releaseEligibleAt: right } }).expect(200);
    expect(await holds()).toEqual(['open']);
    const board = await t.http.get('/api/deadlines?status=missed&limit=200').set(coordinator.auth).expect(200);
    expect(board.body.items.filter((d: { caseId: string }) => d.caseId === c.body.id)).toEqual([]);
  });

  it('a correction that leaves the custody facts as they were keeps a deadline that stopped because something happened', async () => {
    const { c, typo, holds } = await heldSinceATypo();
    // Released from the jail (today: one before the day the jail custody was stated is refused): the hold is no
    // longer computed, and its missed record stays.
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'released', occurredAt: new Date().toISOString(), from: 'jail' }).expect(201);
    expect(await holds()).toEqual(['missed']);
    await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).send({ custody: { county: 'Harris', status: 'released', releaseEligibleAt: typo } }).expect(200);
    expect(await holds()).toEqual(['missed']);
  });

  it('a coordinator adds to an adverse-party list they cannot see: nothing stored is lost, and clearing it needs the full view', async () => {
    const listed = await create({ ...minimalBody(), adverseParties: [{ name: 'Opuesto Uno', relationship: 'spouse' }, { name: 'Opuesto Dos' }] }).expect(201);
    const parties = async () => (await t.http.get(`/api/cases/${listed.body.id}`).set(intake.auth).expect(200)).body.adverseParties;
    // The stored entries stay as they were, and what is sent joins them: a name already there (spelled otherwise) too,
    // since leaving it out would tell, by the list's size, that it was there; a name sent twice joins once.
    await t.http.patch(`/api/cases/${listed.body.id}`).set(coordinator.auth)
      .send({ adverseParties: [{ name: 'opuesto uno' }, { name: 'Opuesto Tres' }, { name: 'OPUESTO TRES' }] }).expect(200);
    expect(await parties()).toEqual([{ name: 'Opuesto Uno', relationship: 'spouse' }, { name: 'Opuesto Dos' }, { name: 'opuesto uno' }, { name: 'Opuesto Tres' }]);
    // Whatever the list holds, clearing it is refused the same way.
    for (const c of [listed.body.id, (await create(minimalBody()).expect(201)).body.id]) {
      const cleared = await t.http.patch(`/api/cases/${c}`).set(coordinator.auth).send({ adverseParties: null });
      expect([cleared.status, cleared.body.code, fieldsOf(cleared)]).toEqual([409, 'FULL_VIEW_REQUIRED', ['adverseParties']]);
    }
    // The intake volunteer, who sees the list, replaces it.
    await t.http.patch(`/api/cases/${listed.body.id}`).set(intake.auth).send({ adverseParties: [{ name: 'Opuesto Cuatro' }] }).expect(200);
    expect(await parties()).toEqual([{ name: 'Opuesto Cuatro' }]);
    // Additions that would take the list past 10 (which its readers could then no longer save back): refused, and
    // nothing of them stored; up to 10, taken.
    const names = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ name: `Opuesto Extra ${String.fromCharCode(65 + from + i)}` }));
    const full = await t.http.patch(`/api/cases/${listed.body.id}`).set(coordinator.auth).send({ adverseParties: names(10, 0) });
    expect([full.status, full.body.code]).toEqual([409, 'ADVERSE_PARTIES_FULL']);
    expect(await parties()).toEqual([{ name: 'Opuesto Cuatro' }]);
    // The refusal tells the coordinator roughly how many names the case holds: it is on the trail, with no name.
    const refusals = (await t.http.get(`/api/audit?action=case.update_refused&caseId=${listed.body.id}`).set((await loginAdmin(t.http)).auth).expect(200)).body.items;
    expect(refusals).toEqual([expect.objectContaining({ actorId: coordinator.userId, actorRole: 'coordinator', fields: ['adverseParties'], details: { code: 'ADVERSE_PARTIES_FULL' } })]);
    expect(JSON.stringify(refusals)).not.toMatch(/Opuesto/);
    // A name typed twice in what is sent counts once (9 copies and 8 others, with the one stored: 10).
    const twice = await t.http.patch(`/api/cases/${listed.body.id}`).set(coordinator.auth).send({ adverseParties: [...Array.from({ length: 2 }, () => ({ name: 'Opuesto Repetido' })), ...names(8, 20)] });
    expect(twice.status).toBe(200);
    await t.http.patch(`/api/cases/${listed.body.id}`).set(intake.auth).send({ adverseParties: [{ name: 'Opuesto Cuatro' }] }).expect(200);
    // Whether a guessed name is stored changes neither the answer nor the list's size afterwards.
    for (const guess of ['Opuesto Cuatro', 'Opuesto Otro']) {
      const guessed = await t.http.patch(`/api/cases/${listed.body.id}`).set(coordinator.auth).send({ adverseParties: [{ name: guess }, ...names(9, 10)] });
      expect([guess, guessed.status]).toEqual([guess, 409]);
    }
    await t.http.patch(`/api/cases/${listed.body.id}`).set(coordinator.auth).send({ adverseParties: names(9, 0) }).expect(200);
    const ten = await parties();
    expect(ten).toHaveLength(10);
    await t.http.patch(`/api/cases/${listed.body.id}`).set(intake.auth).send({ adverseParties: ten.map((p: object) => ({ ...p, relationship: 'other' })) }).expect(200);
  });

  it('a correction sent with If-Match (the ETag read) is refused when the case changed since, not written over what someone else added', async () => {
    const c = await create({ ...minimalBody(), adverseParties: [{ name: 'Opuesto Existente' }] }).expect(201);
    const read = await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200);
    const etag = read.headers.etag as string;
    expect(etag).toBe(`"${read.body.updatedAt}"`);
    // Meanwhile a coordinator adds a name (the volunteer's form does not have it).
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Opuesto Nombrado Despues' }] }).expect(200);
    const stale = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).set('If-Match', etag)
      .send({ adverseParties: [...read.body.adverseParties, { name: 'Opuesto Tercero' }] });
    expect([stale.status, stale.body.code, stale.body.error]).toEqual([412, 'STALE_RECORD', 'Precondition Failed']);
    const now = await t.http.get(`/api/cases/${c.body.id}`).set(intake.auth).expect(200);
    expect(now.body.adverseParties.map((p: { name: string }) => p.name)).toEqual(['Opuesto Existente', 'Opuesto Nombrado Despues']);
    // Against what it holds now (its ETag, weak or not, or *): taken, and the answer carries the new version.
    const fresh = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).set('If-Match', `W/${now.headers.etag}`)
      .send({ adverseParties: [...now.body.adverseParties, { name: 'Opuesto Tercero' }] }).expect(200);
    expect(fresh.headers.etag).toBe(`"${fresh.body.updatedAt}"`);
    await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).set('If-Match', '*').send({ narrative: 'Nota (inventada).' }).expect(200);
    const bad = await t.http.patch(`/api/cases/${c.body.id}`).set(intake.auth).set('If-Match', 'yesterday').send({ narrative: 'x' });
    expect([bad.status, fieldsOf(bad)]).toEqual([400, ['If-Match']]);
  });

  it('a coordinator without the full view cannot clear a name: the answer is the same whether the other name is filled', async () => {
    const firstOnly = await create({ ...minimalBody(), client: { ...minimalBody().client, firstName: 'Solo', lastName: undefined } }).expect(201);
    const both = await create(minimalBody()).expect(201);
    for (const c of [firstOnly.body.id, both.body.id]) {
      for (const client of [{ firstName: null }, { lastName: null }, { firstName: null, lastName: null }, { lastName: '' }, { firstName: '\u200b' }, { lastName: '  ' }]) {
        const cleared = await t.http.patch(`/api/cases/${c}`).set(coordinator.auth).send({ client });
        expect([cleared.status, cleared.body.code, fieldsOf(cleared)]).toEqual([409, 'FULL_VIEW_REQUIRED', Object.keys(client).map((f) => `client.${f}`)]);
      }
    }
    // Setting a name is writing, not reading: taken. The intake volunteer, who sees the record, clears one.
    await t.http.patch(`/api/cases/${firstOnly.body.id}`).set(coordinator.auth).send({ client: { lastName: 'Nuevo' } }).expect(200);
    await t.http.patch(`/api/cases/${both.body.id}`).set(intake.auth).send({ client: { firstName: null } }).expect(200);
    const names = (await t.http.get(`/api/cases/${both.body.id}`).set(intake.auth).expect(200)).body.client;
    expect([names.firstName, typeof names.lastName]).toEqual([undefined, 'string']);
  });
});
