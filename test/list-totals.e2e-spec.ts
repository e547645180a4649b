import { minimalBody } from './support/cases';
import { createUser, loginAdmin } from './support/users';
import { TestApp, createTestApp } from './support/test-app';

/**
 * Lists count their matches exactly up to 10,000, or to the end of the page asked for when that is further: an
 * exact count of a million cases took most of half a second on every page of the case list.
 */
describe('list totals (e2e)', () => {
  let t: TestApp;
  let coordinator: Awaited<ReturnType<typeof createUser>>;
  let intake: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await createTestApp();
    const admin = await loginAdmin(t.http);
    coordinator = await createUser(t.http, admin, 'coordinator');
    intake = await createUser(t.http, admin, 'intake');
  });
  afterAll(() => t.close());

  const totals = async (path: string, auth: Record<string, string>) => {
    const res = await t.http.get(path).set(auth).expect(200);
    return { total: res.body.total, totalExact: res.body.totalExact, items: res.body.items.length };
  };

  it('a short list is counted exactly, on every counted list', async () => {
    await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    expect(await totals('/api/cases?limit=1', coordinator.auth)).toEqual({ total: 1, totalExact: true, items: 1 });
    expect(await totals('/api/cases?status=closed', coordinator.auth)).toEqual({ total: 0, totalExact: true, items: 0 });
    expect(await totals('/api/referrals', coordinator.auth)).toEqual({ total: 0, totalExact: true, items: 0 });
    const audit = await totals('/api/audit?action=case.create', coordinator.auth);
    expect(audit).toEqual({ total: 1, totalExact: true, items: 1 });
    const facilities = await totals('/api/facilities?limit=1', intake.auth);
    expect(facilities).toMatchObject({ totalExact: true, items: 1 });
    expect(facilities.total).toBeGreaterThan(100);
  });

  it('beyond 10,000 matches the total is 10,000 and not exact, and a page further on is counted to its end', async () => {
    // 10,100 invented facilities, listed.
    await t.db.query(
      `INSERT INTO facilities (code, name, aor, type, time_zone, state)
       SELECT 'ZZTOTAL' || g, 'Zztotal Processing Center ' || g, 'HOU', 'IGSA', 'America/Chicago', 'TX' FROM generate_series(1, 10100) g`,
    );
    const list = (query: string) => totals(`/api/facilities?q=zztotal&${query}`, intake.auth);
    expect(await list('limit=50')).toEqual({ total: 10000, totalExact: false, items: 50 });
    // Page 201 of 50 ends at 10,050: counted that far, and there are more.
    expect(await list('page=201&limit=50')).toEqual({ total: 10050, totalExact: false, items: 50 });
    // Page 202 ends at 10,100, the last match: exact.
    expect(await list('page=202&limit=50')).toEqual({ total: 10100, totalExact: true, items: 50 });
    expect(await list('page=300&limit=50')).toEqual({ total: 10100, totalExact: true, items: 0 });
    // Exactly 10,000 matches is exact.
    await t.db.query(`DELETE FROM facilities WHERE code LIKE 'ZZTOTAL%' AND substring(code from 8)::int > 10000`);
    expect(await list('limit=50')).toEqual({ total: 10000, totalExact: true, items: 50 });
    await t.db.query(`DELETE FROM facilities WHERE code LIKE 'ZZTOTAL%'`);
  });

  it("the case list of a large organization: 10,000+ cases, and a filter's own count", async () => {
    // Copies of the one case made above, each with its own id and reference.
    const columns: string[] = (
      await t.db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND column_name NOT IN ('id', 'reference')`)
    ).map((r: { column_name: string }) => `"${r.column_name}"`);
    await t.db.query(
      `INSERT INTO cases (id, reference, ${columns.join(', ')})
       SELECT gen_random_uuid(), c.reference || '-' || g, ${columns.map((name) => `c.${name}`).join(', ')}
         FROM cases c, generate_series(1, 10005) g`,
    );
    expect(await totals('/api/cases?limit=20', coordinator.auth)).toEqual({ total: 10000, totalExact: false, items: 20 });
    expect(await totals('/api/cases?page=501&limit=20', coordinator.auth)).toEqual({ total: 10006, totalExact: true, items: 6 });
    expect(await totals('/api/cases?status=closed', coordinator.auth)).toEqual({ total: 0, totalExact: true, items: 0 });
    // The volunteer who made them lists their own, counted the same way.
    expect(await totals('/api/cases?limit=1', intake.auth)).toEqual({ total: 10000, totalExact: false, items: 1 });
  });
});
