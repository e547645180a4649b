import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountyKeyBackfill, ReferenceChangesForCases } from '@amparo/cases';
import { DeadlineJobsService } from '@amparo/deadlines';
import { DEFAULT_287G_FILE, DEFAULT_FACILITIES_FILE, FACILITY_FLAG_RULE_VERSION, ImportReport, ReferenceService } from '@amparo/reference';
import { minimalBody } from './support/cases';
import { createUser, loginAdmin } from './support/users';
import { TestApp, createTestApp, untilBlockedBy } from './support/test-app';

/**
 * A newer reference file with a mistake must not quietly replace good data: one stray comma in the 287(g) file's
 * header rejects every row, which used to empty the agreements and clear every facility's 287(g) flag.
 */
describe('reference data import (e2e)', () => {
  let t: TestApp;
  let dir: string;
  let intake: Awaited<ReturnType<typeof createUser>>;
  const count = async (table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;
  const flagged = async () => (await t.db.query(`SELECT count(*)::int AS n FROM facilities WHERE jail_287g`))[0].n as number;

  beforeAll(async () => {
    t = await createTestApp();
    dir = mkdtempSync(join(tmpdir(), 'amparo-reference-'));
    intake = await createUser(t.http, await loginAdmin(t.http), 'intake');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  const agreements = readFileSync(DEFAULT_287G_FILE, 'utf8');
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('the facility search reads what a phone keyboard sends: a space around the words or the state is not part of them', async () => {
    const search = async (query: string) => {
      const res = await t.http.get(`/api/facilities?${query}`).set(intake.auth);
      return [res.status, res.body.total];
    };
    const [, byCode] = await search('q=HOUICDF');
    expect(byCode).toBe(1);
    for (const query of ['q=HOUICDF%20', 'q=%20houicdf', 'q=HOUICDF%E2%80%8B']) expect(await search(query)).toEqual([200, 1]);
    const [, houston] = await search('q=houston');
    expect(await search('q=houston%20')).toEqual([200, houston]);
    const [, texas] = await search('state=TX');
    for (const query of ['state=%20tx', 'state=TX%20']) expect(await search(query)).toEqual([200, texas]);
    const [, all] = await search('');
    expect(await search('q=%20%20&state=')).toEqual([200, all]);
    expect(await search('state=Texas')).toEqual([400, undefined]);
    // A curly apostrophe, two spaces: as the straight one and one space.
    for (const [typed, plain] of [['Byrd%E2%80%99s', "Byrd's"], ['Coeur%20d%E2%80%99Alene', "Coeur%20d'Alene"], ['Port%20%20Isabel', 'Port%20Isabel'], ['foster%20%20group', 'foster%20group']]) {
      const [, expected] = await search(`q=${plain}`);
      expect(expected).toBeGreaterThan(0);
      expect([typed, ...(await search(`q=${typed}`))]).toEqual([typed, 200, expected]);
    }
    // Accents as a Spanish keyboard types them (precomposed, or a letter and its mark), as the ICE file writes none;
    // and a county: the two Otero facilities are in Doña Ana County, named neither way.
    const codes = async (q: string) => ((await t.http.get(`/api/facilities?q=${encodeURIComponent(q)}&limit=100`).set(intake.auth).expect(200))
      .body.items as { code: string }[]).map((f) => f.code);
    for (const typed of ['Doña Ana', 'Don\u0303a Ana', 'DOÑA ANA']) {
      expect([typed, await codes(typed)]).toEqual([typed, expect.arrayContaining(['DONAANM', 'OTROPNM', 'OTRPCNM'])]);
    }
    expect(await codes('Cañon City')).toContain('FREMOCO');
  });

  it('a file whose rows are all rejected (a header with a stray comma) is refused; nothing changes', async () => {
    const before = { agreements: await count('agreements_287g'), flagged: await flagged() };
    expect(before.agreements).toBeGreaterThan(500);
    const broken = file('stray-comma.csv', agreements.replace(/^(.*)\n/, '$1,\n'));
    await expect(t.app.get(ReferenceService).importFiles(DEFAULT_FACILITIES_FILE, broken, { acceptRejectedRows: true }))
      .rejects.toMatchObject({ code: 'REFERENCE_EMPTY_FILE' });
    expect({ agreements: await count('agreements_287g'), flagged: await flagged() }).toEqual(before);
  });

  it('a file not in UTF-8 (Excel\'s "CSV" in Windows-1252) is refused, naming the file; nothing changes', async () => {
    const before = { agreements: await count('agreements_287g'), flagged: await flagged() };
    // The shipped file has curly apostrophes: in Windows-1252 each is one byte, 0x92, not UTF-8.
    expect(agreements).toContain('\u2019');
    const path = join(dir, 'windows-1252.csv');
    writeFileSync(path, Buffer.from(agreements.replace(/\u2019/g, '\x92'), 'latin1'));
    await expect(t.app.get(ReferenceService).importFiles(null, path)).rejects.toMatchObject({ code: 'REFERENCE_NOT_UTF8', message: expect.stringContaining(path) });
    expect({ agreements: await count('agreements_287g'), flagged: await flagged() }).toEqual(before);
  });

  it('a new county jail agreement reaches the open cases of that county (placed by state and county) at the next review', async () => {
    const open = async () => (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Travis' } }).expect(201)).body as { id: string };
    const flags = async (id: string) => ((await t.db.query(`SELECT flags FROM cases WHERE id = $1`, [id]))[0].flags as { code: string }[]).map((f) => f.code);
    const c = await open();
    expect(await flags(c.id)).not.toContain('jail_287g');
    const service = t.app.get(ReferenceService);
    const added = file('travis.csv', `${agreements.trimEnd()}\nTEXAS,Travis County Sheriff's Office,County,Travis County,Jail Enforcement Model,participating,1/5/26\n`);
    await service.importFiles(DEFAULT_FACILITIES_FILE, added);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect(await flags(c.id)).toContain('jail_287g');
    // A case opened now is flagged at intake (the cache was cleared by the import).
    expect(await flags((await open()).id)).toContain('jail_287g');
    // The agreement gone again (the shipped file): the flag goes at the next review.
    await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect(await flags(c.id)).not.toContain('jail_287g');
  });

  it('open cases placed by state and county before cases kept their county key get it at start, and a review', async () => {
    const [c] = await t.db.query(`SELECT id FROM cases WHERE county = 'Travis' AND status <> 'closed' LIMIT 1`);
    const galveston = (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', state: 'TX', county: 'Galveston' } }).expect(201)).body;
    await t.db.query(`UPDATE cases SET county_key = NULL, urgency_review_at = NULL WHERE id = ANY($1)`, [[c.id, galveston.id]]);
    expect(await t.app.get(CountyKeyBackfill).run()).toBe(2);
    const rows = await t.db.query(`SELECT id, county_key, urgency_review_at FROM cases WHERE id = ANY($1)`, [[c.id, galveston.id]]);
    // Galveston has a county jail agreement: due for review; Travis (the shipped data) has none.
    expect(rows).toEqual(expect.arrayContaining([
      { id: galveston.id, county_key: 'GALVESTON', urgency_review_at: expect.any(Date) },
      { id: c.id, county_key: 'TRAVIS', urgency_review_at: null },
    ]));
    expect(await t.app.get(CountyKeyBackfill).run()).toBe(0);
  });

  it('a file with some rejected rows is refused, unless told to import the rest', async () => {
    const lines = agreements.trimEnd().split('\n');
    const oneBad = file('one-bad.csv', [...lines.slice(0, 3), 'TEXAS,only three,fields', ...lines.slice(3)].join('\n') + '\n');
    const service = t.app.get(ReferenceService);
    await expect(service.importFiles(DEFAULT_FACILITIES_FILE, oneBad)).rejects.toMatchObject({
      code: 'REFERENCE_ROWS_REJECTED', message: expect.stringContaining('line 4: row_length'),
    });
    const report = await service.importFiles(DEFAULT_FACILITIES_FILE, oneBad, { acceptRejectedRows: true });
    expect(report.errors).toHaveLength(1);
    expect(await count('agreements_287g')).toBe(lines.length - 1);
  });

  it('a row with two problems is one row rejected, as the refusal and the report count it', async () => {
    const lines = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').trimEnd().split('\n');
    // ABRDNWA with its state and its field office both wrong: two problems, one row.
    const bad = lines.map((line) => (line.startsWith('ABRDNWA,') ? line.replace(',WA,98520,SEA,', ',ZZ,98520,,') : line));
    const twoProblems = file('two-problems.csv', bad.join('\n') + '\n');
    const service = t.app.get(ReferenceService);
    await expect(service.importFiles(twoProblems, DEFAULT_287G_FILE)).rejects.toMatchObject({
      code: 'REFERENCE_ROWS_REJECTED', message: expect.stringMatching(/^1 row\(s\) rejected, nothing imported \(line 2: .*; line 2: /),
    });
    const report = await service.importFiles(twoProblems, DEFAULT_287G_FILE, { acceptRejectedRows: true });
    expect([report.errors.length, report.rejectedRows]).toEqual([2, 1]);
    await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
  });

  it('a facility a newer file drops stays for the cases placed there, but is no longer listed or chosen anew', async () => {
    const service = t.app.get(ReferenceService);
    const facilities = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').trimEnd().split('\n');
    const code = 'ADACOID';
    const body = { ...minimalBody(), custody: { status: 'ice_detention', facilityCode: code } };
    const key = `unlisted-${Date.now()}`;
    const placed = (await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(body).expect(201)).body;
    const purgedKey = `${key}-purged`;
    const purged = (await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', purgedKey).send(body).expect(201)).body;
    const other = (await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201)).body;
    const dropped = file('facilities-without-one.csv', facilities.filter((line) => !line.startsWith(`${code},`)).join('\n') + '\n');
    const report = await service.importFiles(dropped, DEFAULT_287G_FILE);
    expect(report).toMatchObject({ facilities: facilities.length - 2, unlisted: 1 });
    try {
      const listed = await t.http.get(`/api/facilities?q=${code}`).set(intake.auth).expect(200);
      expect(listed.body.items.map((f: { code: string }) => f.code)).not.toContain(code);
      // The same intake sent again (its answer lost) gets the stored answer, not a refusal of its facility.
      const retried = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', key).send(body);
      expect(retried.status).toBe(201);
      expect(retried.body.id).toBe(placed.id);
      // One whose case was purged meanwhile (a purge empties the stored answer and digest) still says so: 410.
      await t.db.query(`UPDATE idempotency_keys SET response = NULL, request_hash = '' WHERE case_id = $1`, [purged.id]);
      const afterPurge = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', purgedKey).send(body);
      expect(afterPurge.status).toBe(410);
      expect(afterPurge.body.code).toBe('CASE_PURGED');
      // Not chosen anew: neither at intake nor as a transfer's destination.
      const intakeThere = await t.http.post('/api/cases').set(intake.auth).send({ ...minimalBody(), custody: { status: 'ice_detention', facilityCode: code } });
      expect(intakeThere.status).toBe(400);
      expect(intakeThere.body.fields).toHaveProperty(['custody.facilityCode']);
      const transfer = await t.http.post(`/api/cases/${other.id}/events`).set(intake.auth)
        .send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: code });
      expect(transfer.status).toBe(400);
      expect(transfer.body.fields).toHaveProperty(['facilityCode']);
      // The case placed there keeps it, and may be corrected without being moved.
      await t.http.patch(`/api/cases/${placed.id}`).set(intake.auth).send({ custody: { status: 'ice_detention', facilityCode: code } }).expect(200);
      expect((await t.db.query(`SELECT facility_code FROM cases WHERE id = $1`, [placed.id]))[0].facility_code).toBe(code);
      // A transfer recorded by mistake can be undone: the case may go back to where it was held.
      await t.http.post(`/api/cases/${placed.id}/events`).set(intake.auth)
        .send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: 'HOUICDF' }).expect(201);
      await t.http.patch(`/api/cases/${placed.id}`).set(intake.auth).send({ custody: { facilityCode: code } }).expect(200);
      expect((await t.db.query(`SELECT facility_code FROM cases WHERE id = $1`, [placed.id]))[0].facility_code).toBe(code);
    } finally {
      // Listed again by the next file that has it.
      expect((await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE)).unlisted).toBe(0);
    }
    const again = await t.http.get(`/api/facilities?q=${code}`).set(intake.auth).expect(200);
    expect(again.body.items.map((f: { code: string }) => f.code)).toContain(code);
  });

  it('a facilities file with rejected rows, or lacking many listed facilities, unlists nothing unless told', async () => {
    const service = t.app.get(ReferenceService);
    const facilities = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').trimEnd().split('\n');
    const listed = async () => (await t.db.query(`SELECT count(*)::int AS n FROM facilities WHERE listed`))[0].n as number;
    const before = await listed();
    // ADACOID's row rejected (its name emptied): the facility is still in the file, so it stays listed.
    const rejected = file('facilities-one-rejected.csv', facilities.map((line) => (line.startsWith('ADACOID,') ? line.replace('ADA COUNTY JAIL', '') : line)).join('\n') + '\n');
    const report = await service.importFiles(rejected, DEFAULT_287G_FILE, { acceptRejectedRows: true });
    expect(report.errors.length).toBeGreaterThanOrEqual(1);
    expect(report.unlisted).toBe(0);
    expect(await listed()).toBe(before);
    // A file lacking a third of them (an older or partial file), or 11 (fewer than 5% of them), is refused as a
    // whole, unless told; one lacking 10 is taken.
    const partial = file('facilities-partial.csv', facilities.filter((_line, i) => i === 0 || i % 3 !== 0).join('\n') + '\n');
    await expect(service.importFiles(partial, DEFAULT_287G_FILE)).rejects.toMatchObject({ code: 'REFERENCE_UNLISTING' });
    const lacking11 = file('facilities-lacking-11.csv', [facilities[0], ...facilities.slice(12)].join('\n') + '\n');
    await expect(service.importFiles(lacking11, DEFAULT_287G_FILE)).rejects.toMatchObject({ code: 'REFERENCE_UNLISTING' });
    expect(await listed()).toBe(before);
    const lacking10 = file('facilities-lacking-10.csv', [facilities[0], ...facilities.slice(11)].join('\n') + '\n');
    expect((await service.importFiles(lacking10, DEFAULT_287G_FILE)).unlisted).toBe(10);
    expect((await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE)).unlisted).toBe(0);
    expect(await listed()).toBe(before);
    expect(await listed()).toBe(before);
    const told = await service.importFiles(partial, DEFAULT_287G_FILE, { acceptUnlisting: true });
    expect(told.unlisted).toBeGreaterThan(100);
    expect((await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE)).unlisted).toBe(0);
    expect(await listed()).toBe(before);
  });

  it('a facility a newer file places in another zone takes its open cases along, with the events read there', async () => {
    // BOEHOLD is in El Paso (Mountain time); the file now says Harris County (Central): as if the ICE file corrected it.
    const service = t.app.get(ReferenceService);
    const facilities = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8');
    const corrected = file('facilities-rezoned.csv', facilities.replace(/^(BOEHOLD,[^,]*,[^,]*,[^,]*,)EL PASO,/m, '$1HARRIS,'));
    expect(corrected).not.toBe(facilities);
    const open = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody }).expect(201)).body as { id: string };
    const at = (facilityCode: string) => open({ status: 'ice_detention', facilityCode });
    const event = (id: string, body: object) => t.http.post(`/api/cases/${id}/events`).set(intake.auth).send(body).expect(201);
    const transfer = (id: string, facilityCode: string) => event(id, { type: 'transferred', occurredAt: new Date().toISOString(), facilityCode });
    const zones = async (id: string) => Object.fromEntries(((await t.db.query(
      `SELECT type, data->>'timeZone' AS zone FROM case_events WHERE case_id = $1 ORDER BY seq`, [id],
    )) as { type: string; zone: string }[]).map((e) => [e.type, e.zone]));
    const row = async (id: string) => (await t.db.query(`SELECT time_zone, urgency_review_at FROM cases WHERE id = $1`, [id]))[0] as
      { time_zone: string; urgency_review_at: Date | null };
    const caseZone = async (id: string) => (await row(id)).time_zone;
    const asylumDue = async (id: string) => {
      const [d] = await t.db.query(
        `SELECT to_char(due_at AT TIME ZONE time_zone, 'YYYY-MM-DD HH24:MI') AS local, time_zone FROM deadlines
          WHERE case_id = $1 AND rule = 'asylum_one_year' AND superseded_at IS NULL`, [id],
      );
      return d as { local: string; time_zone: string };
    };

    // Held there since intake; held there and transferred away; brought there from California; brought there from the
    // El Paso county jail (the same old zone, but no facility: what was read there stays); closed while there.
    const held = await at('BOEHOLD');
    await event(held.id, { type: 'entered_us', occurredAt: '2025-12-15' });
    const left = await at('BOEHOLD');
    await event(left.id, { type: 'entered_us', occurredAt: '2025-12-15' });
    await transfer(left.id, 'HOUICDF');
    const arrived = await at('ADLNTCA');
    await event(arrived.id, { type: 'entered_us', occurredAt: '2025-12-15' });
    await transfer(arrived.id, 'BOEHOLD');
    await event(arrived.id, { type: 'address_changed', occurredAt: '2026-01-10' });
    const fromJail = await open({ status: 'local_jail', state: 'TX', county: 'El Paso' });
    await event(fromJail.id, { type: 'entered_us', occurredAt: '2025-12-15' });
    await transfer(fromJail.id, 'BOEHOLD');
    await event(fromJail.id, { type: 'address_changed', occurredAt: '2026-01-10' });
    const closed = await at('BOEHOLD');
    await event(closed.id, { type: 'entered_us', occurredAt: '2025-12-15' });
    await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed.id]);
    const untouched = await at('HOUICDF');
    expect(await zones(fromJail.id)).toEqual({ entered_us: 'America/Denver', transferred: 'America/Denver', address_changed: 'America/Denver' });
    expect(await asylumDue(held.id)).toEqual({ local: '2026-12-15 23:59', time_zone: 'America/Denver' });
    const concerned = [held, left, arrived, fromJail].map((c) => c.id);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[...concerned, untouched.id]]);

    let restored: ImportReport;
    try {
      const report = await service.importFiles(corrected, DEFAULT_287G_FILE);
      expect(report.rezonedCases).toBe(4);
      for (const id of concerned) expect((await row(id)).urgency_review_at).toEqual(expect.any(Date));
      await t.app.get(DeadlineJobsService).reviewUrgency();
      // Held there: the case, its event and the deadline counted from it are in Central time now.
      expect(await caseZone(held.id)).toBe('America/Chicago');
      expect(await zones(held.id)).toEqual({ entered_us: 'America/Chicago' });
      expect(await asylumDue(held.id)).toEqual({ local: '2026-12-15 23:59', time_zone: 'America/Chicago' });
      // Transferred away: its events read there (the transfer too) move; it stays where it is.
      expect(await caseZone(left.id)).toBe('America/Chicago');
      expect(await zones(left.id)).toEqual({ entered_us: 'America/Chicago', transferred: 'America/Chicago' });
      // Brought there: what was read in California, or in the county jail, stays; what was read since moves.
      expect(await caseZone(arrived.id)).toBe('America/Chicago');
      expect(await zones(arrived.id)).toEqual({ entered_us: 'America/Los_Angeles', transferred: 'America/Los_Angeles', address_changed: 'America/Chicago' });
      expect(await caseZone(fromJail.id)).toBe('America/Chicago');
      expect(await zones(fromJail.id)).toEqual({ entered_us: 'America/Denver', transferred: 'America/Denver', address_changed: 'America/Chicago' });
      // A closed case is a record of what was: left alone; and a case never held there is not touched.
      expect(await caseZone(closed.id)).toBe('America/Denver');
      expect(await zones(closed.id)).toEqual({ entered_us: 'America/Denver' });
      expect(await row(untouched.id)).toEqual({ time_zone: 'America/Chicago', urgency_review_at: null });
      // Each case moved is on its trail: changed by the system, with what changed, never a value.
      const admin = await loginAdmin(t.http);
      const moves = async (id: string) => (await t.http.get(`/api/audit?caseId=${id}&action=case.update`).set(admin.auth).expect(200)).body.items
        .map((e: { actorId: string | null; actorRole: string; fields: string[]; details: unknown }) => [e.actorId, e.actorRole, e.fields, e.details]);
      expect(await moves(held.id)).toEqual([[null, 'system', ['custody.county', 'custody.timeZone', 'events.timeZone'], { via: 'reference_import' }]]);
      expect(await moves(left.id)).toEqual([[null, 'system', ['events.timeZone'], { via: 'reference_import' }]]);
      expect(await moves(untouched.id)).toEqual([]);
      expect(await moves(closed.id)).toEqual([]);
      // The closed case reopened: it moves then, and its reopening names what changed.
      const coordinator = await createUser(t.http, admin, 'coordinator');
      await t.http.post(`/api/cases/${closed.id}/reopen`).set(coordinator.auth).expect(200);
      expect(await caseZone(closed.id)).toBe('America/Chicago');
      const [reopening] = (await t.http.get(`/api/audit?caseId=${closed.id}&action=case.reopen`).set(admin.auth).expect(200)).body.items;
      expect(reopening.fields).toEqual(['custody.county', 'custody.timeZone', 'events.timeZone']);
      await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed.id]);
      expect((await t.http.get('/api/audit/verify').set(admin.auth).expect(200)).body.ok).toBe(true);

      // An intake that read the old zone while the import ran (its case and event in Mountain time): the jobs move it.
      const late = await at('BOEHOLD');
      await event(late.id, { type: 'entered_us', occurredAt: '2025-12-15' });
      await t.db.query(`UPDATE cases SET time_zone = 'America/Denver', urgency_review_at = NULL WHERE id = $1`, [late.id]);
      await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "America/Denver"}' WHERE case_id = $1`, [late.id]);
      // Another, also transferred away since (its transfer read there in the old zone too): moved all the same.
      const lateLeft = await at('BOEHOLD');
      await event(lateLeft.id, { type: 'entered_us', occurredAt: '2025-12-15' });
      await t.db.query(`UPDATE cases SET time_zone = 'America/Denver' WHERE id = $1`, [lateLeft.id]);
      await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "America/Denver"}' WHERE case_id = $1`, [lateLeft.id]);
      await transfer(lateLeft.id, 'HOUICDF');
      expect(await zones(lateLeft.id)).toEqual({ entered_us: 'America/Denver', transferred: 'America/Denver' });
      const jobs = t.app.get(ReferenceChangesForCases);
      expect(await jobs.healRezoned()).toBe(2);
      expect(await row(late.id)).toEqual({ time_zone: 'America/Chicago', urgency_review_at: expect.any(Date) });
      expect(await zones(late.id)).toEqual({ entered_us: 'America/Chicago' });
      expect(await zones(lateLeft.id)).toEqual({ entered_us: 'America/Chicago', transferred: 'America/Chicago' });
      expect(await moves(late.id)).toEqual([[null, 'system', ['custody.timeZone', 'events.timeZone'], { via: 'reference_import' }]]);
      expect(await jobs.healRezoned()).toBe(0);
    } finally {
      // The shipped file places it in El Paso again: the same cases move back (and the late ones).
      restored = await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
    expect(restored.rezonedCases).toBe(6);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect(await caseZone(held.id)).toBe('America/Denver');
    expect(await zones(left.id)).toEqual({ entered_us: 'America/Denver', transferred: 'America/Denver' });
    expect(await zones(fromJail.id)).toEqual({ entered_us: 'America/Denver', transferred: 'America/Denver', address_changed: 'America/Denver' });
    expect(await asylumDue(held.id)).toEqual({ local: '2026-12-15 23:59', time_zone: 'America/Denver' });
    // Long after the import, the jobs look no more (one small query).
    await t.db.query(`UPDATE facilities SET rezoned_at = now() - interval '2 hours' WHERE code = 'BOEHOLD'`);
    await t.db.query(`UPDATE cases SET time_zone = 'America/Chicago' WHERE id = $1`, [held.id]);
    expect(await t.app.get(ReferenceChangesForCases).healRezoned()).toBe(0);
    await t.db.query(`UPDATE cases SET time_zone = 'America/Denver' WHERE id = $1`, [held.id]);
  });

  it('a case transferred away from a rezoned facility while the import waits for it is moved all the same', async () => {
    const service = t.app.get(ReferenceService);
    const corrected = file('facilities-rezoned-race.csv', readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').replace(/^(BOEHOLD,[^,]*,[^,]*,[^,]*,)EL PASO,/m, '$1HARRIS,'));
    const c = (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'ice_detention', facilityCode: 'BOEHOLD' } }).expect(201)).body as { id: string };
    await t.http.post(`/api/cases/${c.id}/events`).set(intake.auth).send({ type: 'entered_us', occurredAt: '2025-12-15' }).expect(201);
    // A transfer to Houston in progress: the case row locked and moved, its event written, not committed yet.
    const runner = t.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let importing: Promise<ImportReport> | undefined;
    try {
      await runner.query(`SELECT id FROM cases WHERE id = $1 FOR UPDATE`, [c.id]);
      await runner.query(`UPDATE cases SET facility_code = 'HOUICDF', time_zone = 'America/Chicago' WHERE id = $1`, [c.id]);
      await runner.query(
        `INSERT INTO case_events (id, case_id, type, occurred_at, data, created_by, created_at)
         SELECT gen_random_uuid(), $1, 'transferred', now(), '{"facilityCode": "HOUICDF", "fromFacilityCode": "BOEHOLD", "timeZone": "America/Denver", "timeZoneFromCase": true}', created_by, now()
           FROM cases WHERE id = $1`,
        [c.id],
      );
      const [{ pid }] = await runner.query(`SELECT pg_backend_pid() AS pid`);
      importing = service.importFiles(corrected, DEFAULT_287G_FILE);
      await untilBlockedBy(t.db, pid, 'the import');
      await runner.commitTransaction();
      expect((await importing).rezonedCases).toBeGreaterThanOrEqual(1);
      const events = await t.db.query(`SELECT type, data->>'timeZone' AS zone FROM case_events WHERE case_id = $1 ORDER BY seq`, [c.id]);
      expect(events).toEqual([{ type: 'entered_us', zone: 'America/Chicago' }, { type: 'transferred', zone: 'America/Chicago' }]);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
      await importing?.catch(() => undefined);
      await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
  });

  it('a case left in a facility\'s zone before last, by a request during one import and another import since, is moved by the jobs', async () => {
    const service = t.app.get(ReferenceService);
    const shipped = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8');
    const harris = file('facilities-harris.csv', shipped.replace(/^(BOEHOLD,[^,]*,[^,]*,[^,]*,)EL PASO,TX,/m, '$1HARRIS,TX,'));
    const maricopa = file('facilities-maricopa.csv', shipped.replace(/^(BOEHOLD,[^,]*,[^,]*,[^,]*,)EL PASO,TX,/m, '$1MARICOPA,AZ,'));
    const placed = async () => {
      const c = (await t.http.post('/api/cases').set(intake.auth)
        .send({ ...minimalBody(), custody: { status: 'ice_detention', facilityCode: 'BOEHOLD' } }).expect(201)).body as { id: string };
      await t.http.post(`/api/cases/${c.id}/events`).set(intake.auth).send({ type: 'entered_us', occurredAt: '2025-12-15' }).expect(201);
      return c;
    };
    const zones = async (id: string) => ((await t.db.query(`SELECT data->>'timeZone' AS zone FROM case_events WHERE case_id = $1 ORDER BY seq`, [id])) as { zone: string }[]).map((e) => e.zone);
    const c = await placed();
    const left = await placed();
    try {
      await service.importFiles(harris, DEFAULT_287G_FILE); // Denver to Chicago
      // As if placed by an intake that read the Denver zone while that import ran, committed after it; and another,
      // then transferred away (its transfer read there in Denver's zone too).
      for (const id of [c.id, left.id]) {
        await t.db.query(`UPDATE cases SET time_zone = 'America/Denver' WHERE id = $1`, [id]);
        await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "America/Denver"}' WHERE case_id = $1`, [id]);
      }
      await t.http.post(`/api/cases/${left.id}/events`).set(intake.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: 'HOUICDF' }).expect(201);
      await service.importFiles(maricopa, DEFAULT_287G_FILE); // Chicago to Phoenix, before any jobs pass
      expect((await t.db.query(`SELECT time_zone FROM cases WHERE id = $1`, [c.id]))[0].time_zone).toBe('America/Denver');
      expect(await zones(left.id)).toEqual(['America/Denver', 'America/Denver']);
      expect(await t.app.get(ReferenceChangesForCases).healRezoned()).toBe(2);
      expect((await t.db.query(`SELECT time_zone FROM cases WHERE id = $1`, [c.id]))[0].time_zone).toBe('America/Phoenix');
      expect(await zones(c.id)).toEqual(['America/Phoenix']);
      expect(await zones(left.id)).toEqual(['America/Phoenix', 'America/Phoenix']);
      expect(await t.app.get(ReferenceChangesForCases).healRezoned()).toBe(0);
    } finally {
      await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
    expect((await t.db.query(`SELECT time_zone FROM cases WHERE id = $1`, [c.id]))[0].time_zone).toBe('America/Denver');
  });

  it('a facility a newer file places in another state takes its open cases there: routing and a petition for review\'s circuit follow', async () => {
    const service = t.app.get(ReferenceService);
    // Adelanto, California (the Ninth Circuit), placed by a corrected row in Clark County, Indiana (the Seventh).
    const indiana = file('facilities-indiana.csv', readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').replace(/^(ADLNTCA,[^,]*,[^,]*,[^,]*,)SAN BERNARDINO,CA,/m, '$1CLARK,IN,'));
    const placed = async () => (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'ice_detention', facilityCode: 'ADLNTCA' } }).expect(201)).body as { id: string };
    const c = await placed();
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    await t.http.post(`/api/cases/${c.id}/events`).set(intake.auth).send({ type: 'final_order', occurredAt: yesterday }).expect(201);
    const late = await placed();
    const closed = await placed();
    await t.http.post(`/api/cases/${closed.id}/events`).set(intake.auth).send({ type: 'entered_us', occurredAt: '2025-12-15' }).expect(201);
    await t.db.query(`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = $1`, [closed.id]);
    const place = async (id: string) => (await t.db.query(`SELECT state, county, former_states, urgency_review_at IS NOT NULL AS review FROM cases WHERE id = $1`, [id]))[0];
    const petition = async (id: string) => (await t.db.query(
      `SELECT time_zone FROM deadlines WHERE case_id = $1 AND rule = 'petition_for_review' AND superseded_at IS NULL`, [id]))[0]?.time_zone;
    expect(await petition(c.id)).toBe('America/Los_Angeles');
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[c.id, late.id, closed.id]]);
    try {
      const report = await service.importFiles(indiana, DEFAULT_287G_FILE);
      // These two (and a case of an earlier test that was held there before a transfer: its events move to Indiana's zone).
      expect(report.rezonedCases).toBeGreaterThanOrEqual(2);
      // Where the facility is; California kept among the states held (a circuit too many ends the petition sooner).
      expect(await place(c.id)).toEqual({ state: 'IN', county: 'CLARK', former_states: ['CA'], review: true });
      await t.app.get(DeadlineJobsService).reviewUrgency();
      expect(await petition(c.id)).toBe('America/Chicago');
      // A closed case is a record of what was; reopened, it is where the facility is now, and so are its events.
      expect(await place(closed.id)).toMatchObject({ state: 'CA', county: 'SAN BERNARDINO' });
      const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
      await t.http.post(`/api/cases/${closed.id}/reopen`).set(coordinator.auth).expect(200);
      const [adelanto] = await t.db.query(`SELECT time_zone FROM facilities WHERE code = 'ADLNTCA'`);
      expect(adelanto.time_zone).not.toBe('America/Los_Angeles');
      expect(await place(closed.id)).toMatchObject({ state: 'IN', county: 'CLARK', former_states: ['CA'] });
      expect(await t.db.query(`SELECT c.time_zone AS "case", e.data->>'timeZone' AS event FROM cases c JOIN case_events e ON e.case_id = c.id WHERE c.id = $1`, [closed.id]))
        .toEqual([{ case: adelanto.time_zone, event: adelanto.time_zone }]);
      expect(await t.db.query(`SELECT time_zone FROM deadlines WHERE case_id = $1 AND rule = 'asylum_one_year' AND superseded_at IS NULL`, [closed.id]))
        .toEqual([{ time_zone: adelanto.time_zone }]);
      // An intake that read the older row while the import ran, committed after it: the jobs place it.
      await t.db.query(`UPDATE cases SET state = 'CA', county = 'SAN BERNARDINO', urgency_review_at = NULL WHERE id = $1`, [late.id]);
      expect(await t.app.get(ReferenceChangesForCases).healRezoned()).toBe(1);
      expect(await place(late.id)).toEqual({ state: 'IN', county: 'CLARK', former_states: ['CA'], review: true });
      expect(await t.app.get(ReferenceChangesForCases).healRezoned()).toBe(0);
    } finally {
      await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
    expect(await place(c.id)).toMatchObject({ state: 'CA', county: 'SAN BERNARDINO', former_states: ['CA', 'IN'] });
  });

  it('a 287(g) file imported alone keeps the facilities as they are, and flags them under the new agreements', async () => {
    const service = t.app.get(ReferenceService);
    const facilities = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').trimEnd().split('\n');
    const jailFlag = async (code: string) => (await t.db.query(`SELECT jail_287g, listed FROM facilities WHERE code = $1`, [code]))[0];
    // A local jail case at the Travis City Jail, where no county agreement applies yet.
    const held = (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', facilityCode: 'TRAVITX' } }).expect(201)).body as { id: string };
    const flags = async () => ((await t.db.query(`SELECT flags FROM cases WHERE id = $1`, [held.id]))[0].flags as { code: string }[]).map((f) => f.code);
    expect(await flags()).not.toContain('jail_287g');
    // A newer facilities file dropped ADACOID; then only a newer 287(g) file arrives.
    await service.importFiles(file('facilities-newer.csv', facilities.filter((line) => !line.startsWith('ADACOID,')).join('\n') + '\n'), DEFAULT_287G_FILE);
    const added = file('travis-jail.csv', `${agreements.trimEnd()}\nTEXAS,Travis County Sheriff's Office,County,Travis County,Jail Enforcement Model,participating,1/5/26\n`);
    try {
      const report = await service.importFiles(null, added);
      expect(report).toMatchObject({ facilities: facilities.length - 1, unlisted: 0, rezonedCases: 0, errors: [] });
      expect(report.jail287g).toBe((await t.db.query(`SELECT count(*)::int AS n FROM facilities WHERE jail_287g`))[0].n);
      // Not listed again by the shipped facilities file (which has it): no facilities file was read.
      expect(await jailFlag('ADACOID')).toEqual({ jail_287g: expect.any(Boolean), listed: false });
      expect(await jailFlag('TRAVITX')).toEqual({ jail_287g: true, listed: true });
      await t.app.get(DeadlineJobsService).reviewUrgency();
      expect(await flags()).toContain('jail_287g');
      // And back: the agreement gone, the flag goes.
      await service.importFiles(null, DEFAULT_287G_FILE);
      expect(await jailFlag('TRAVITX')).toEqual({ jail_287g: false, listed: true });
      await t.app.get(DeadlineJobsService).reviewUrgency();
      expect(await flags()).not.toContain('jail_287g');
    } finally {
      await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
  });

  it('a full import flags again the stored facilities its file no longer lists, and reviews their cases', async () => {
    const service = t.app.get(ReferenceService);
    const facilities = readFileSync(DEFAULT_FACILITIES_FILE, 'utf8').trimEnd().split('\n');
    const held = (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', facilityCode: 'TRAVITX' } }).expect(201)).body as { id: string };
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = $1`, [held.id]);
    const withoutTravis = file('facilities-without-travis.csv', facilities.filter((line) => !line.startsWith('TRAVITX,')).join('\n') + '\n');
    const added = file('travis-jail-full.csv', `${agreements.trimEnd()}\nTEXAS,Travis County Sheriff's Office,County,Travis County,Jail Enforcement Model,participating,1/5/26\n`);
    try {
      const report = await service.importFiles(withoutTravis, added);
      expect((await t.db.query(`SELECT jail_287g, listed FROM facilities WHERE code = 'TRAVITX'`))[0]).toEqual({ jail_287g: true, listed: false });
      // The report counts the file's facilities, not the one it no longer lists.
      expect(report.jail287g).toBe((await t.db.query(`SELECT count(*)::int AS n FROM facilities WHERE jail_287g AND listed`))[0].n);
      expect((await t.db.query(`SELECT urgency_review_at FROM cases WHERE id = $1`, [held.id]))[0].urgency_review_at).toEqual(expect.any(Date));
    } finally {
      await service.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    }
    expect((await t.db.query(`SELECT jail_287g, listed FROM facilities WHERE code = 'TRAVITX'`))[0]).toEqual({ jail_287g: false, listed: true });
  });

  it('a database flagged under an older rule (a city jail in a JEM county) is flagged again at start, and its cases reviewed', async () => {
    // Euless City Jail, Tarrant County (a county jail agreement): the city's lockup, not the sheriff's jail. A database
    // of an older release has no rule version recorded.
    await t.db.query(`UPDATE facilities SET jail_287g = true WHERE code = 'EULESTX'`);
    await t.db.query(`DELETE FROM reference_rules`);
    const flags = async (id: string) => ((await t.db.query(`SELECT flags FROM cases WHERE id = $1`, [id]))[0].flags as { code: string }[]).map((f) => f.code);
    const c = (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...minimalBody(), custody: { status: 'local_jail', facilityCode: 'EULESTX' } }).expect(201)).body as { id: string };
    expect(await flags(c.id)).toContain('jail_287g');
    const before = await flagged();
    const next = await createTestApp({ databaseUrl: t.databaseUrl });
    try {
      expect((await t.db.query(`SELECT jail_287g FROM facilities WHERE code IN ('EULESTX', 'TARRATX') ORDER BY code`)).map((r: { jail_287g: boolean }) => r.jail_287g))
        .toEqual([false, true]);
      expect(await flagged()).toBe(before - 1);
      await next.app.get(DeadlineJobsService).reviewUrgency();
      expect(await flags(c.id)).not.toContain('jail_287g');
      expect(await t.db.query(`SELECT name, version FROM reference_rules`)).toEqual([{ name: 'facility_jail_flag', version: FACILITY_FLAG_RULE_VERSION }]);
    } finally {
      await next.close();
    }
  });

  it('flags an older release\'s import wrote after this one recorded its rule are derived again at the next start', async () => {
    // That release knows nothing of reference_rules: the version stays this release's, the flags are the old rule's.
    await t.db.query(`UPDATE facilities SET jail_287g = true WHERE code IN ('EULESTX', 'EAZ')`);
    const next = await createTestApp({ databaseUrl: t.databaseUrl });
    await next.close();
    expect(await t.db.query(`SELECT code, jail_287g FROM facilities WHERE code IN ('EULESTX', 'EAZ') ORDER BY code`))
      .toEqual([{ code: 'EAZ', jail_287g: false }, { code: 'EULESTX', jail_287g: false }]);
  });

  it('flags a newer release derived are left as they are by a start of this one (a rolling deploy, a rollback)', async () => {
    await t.db.query(`UPDATE facilities SET jail_287g = true WHERE code = 'EULESTX'`);
    await t.db.query(`UPDATE reference_rules SET version = $1`, [FACILITY_FLAG_RULE_VERSION + 1]);
    try {
      const next = await createTestApp({ databaseUrl: t.databaseUrl });
      await next.close();
      expect((await t.db.query(`SELECT jail_287g FROM facilities WHERE code = 'EULESTX'`))[0].jail_287g).toBe(true);
    } finally {
      await t.db.query(`UPDATE facilities SET jail_287g = false WHERE code = 'EULESTX'`);
      await t.db.query(`UPDATE reference_rules SET version = $1`, [FACILITY_FLAG_RULE_VERSION]);
    }
  });
});

describe('the county-key backfill at shutdown (e2e)', () => {
  it('a pass under way when the app closes finishes first: not cut by the pool closing and logged as a failure (after a CLI command)', async () => {
    const t = await createTestApp();
    const backfill = t.app.get(CountyKeyBackfill);
    const failures: unknown[] = [];
    jest.spyOn((backfill as unknown as { logger: { error: (...args: unknown[]) => void } }).logger, 'error').mockImplementation((...args) => void failures.push(args));
    // What a start does, then at once what a short CLI command does: close.
    backfill.onApplicationBootstrap();
    await t.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failures).toEqual([]);
  });
});
