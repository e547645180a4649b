import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { ApiProcess, apiEnv, startApi, stopAllApis } from '../support/api-process';
import { minimalBody } from '../support/cases';
import { createTestDatabase } from '../support/test-app';
import { Session, createUser, loginAdmin } from '../support/users';

/**
 * The server dies (SIGKILL, no shutdown hooks) in the middle of a stream of intakes. A client that retries every
 * unanswered request with its Idempotency-Key must end with exactly one case per key, and nothing it was told was
 * created may be lost. The kill is timed to hit the case that matters most: an intake committed whose answer never
 * left the server (its retry must replay the stored answer, not open a second case). The server is frozen (SIGSTOP)
 * at moments during the stream; once the client has read every answer sent, the database is asked whether more cases
 * were committed than answered. If so, the frozen server is killed; else it runs on (SIGCONT) and the next moment is
 * tried.
 */

const N = 150;
const CONCURRENCY = 4;
const KILL_AFTER_ANSWERS = 40;
const REQUEST_TIMEOUT_MS = 10_000;

interface Intake {
  key: string;
  body: ReturnType<typeof minimalBody>;
  /** Every answer (status 0 = no answer: connection refused, reset or timed out). */
  answers: { status: number; id?: string; reference?: string; code?: string }[];
}

const LANGUAGES = ['mam', 'spa', 'quc', 'eng', 'kek'];

function makeIntakes(): Intake[] {
  const run = randomBytes(4).toString('hex');
  return Array.from({ length: N }, (_, i) => {
    const body = minimalBody();
    body.client = { ...body.client, lastName: `Crash${i}x${run}`, preferredLanguage: LANGUAGES[i % LANGUAGES.length] };
    return { key: `crash-${run}-${String(i).padStart(4, '0')}`, body, answers: [] };
  });
}

async function post(url: string, token: string, intake: Intake): Promise<Intake['answers'][number]> {
  try {
    const res = await fetch(`${url}/api/cases`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Idempotency-Key': intake.key },
      body: JSON.stringify(intake.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string; reference?: string; code?: string };
    return { status: res.status, id: body.id, reference: body.reference, code: body.code };
  } catch {
    return { status: 0 };
  }
}

const got201 = (i: Intake) => i.answers.some((a) => a.status === 201);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A database of its own for a describe block, with a connection to it; the API processes are stopped after. */
function ownDatabase(): { url: () => string; db: () => Client } {
  let url = '';
  let client: Client | undefined;
  beforeAll(async () => {
    url = await createTestDatabase();
    client = new Client({ connectionString: url });
    await client.connect();
  }, 15_000);
  afterAll(async () => {
    await stopAllApis();
    await client?.end();
  }, 20_000);
  return { url: () => url, db: () => client! };
}

/**
 * Kills the server (SIGKILL) at a moment when something it committed has no answer yet, once `ready`: frozen (SIGSTOP)
 * at moments of the stream, and, once the client has read every answer sent, killed if the database holds more than
 * was answered, else let run (SIGCONT) to the next moment. Returns the ids committed but unanswered at the kill.
 */
async function killOnUnansweredCommit(
  api: ApiProcess,
  options: { ready: () => boolean; committed: () => Promise<string[]>; answered: () => Set<string | undefined>; beforeKill?: () => void },
): Promise<string[]> {
  while (!options.ready()) await sleep(5);
  for (let attempt = 0; ; attempt++) {
    api.kill('SIGSTOP');
    // Frozen: whatever the server sent reaches the client meanwhile, and nothing more is sent.
    await sleep(50);
    const answered = options.answered();
    const unanswered = (await options.committed()).filter((id) => !answered.has(id));
    if (unanswered.length > 0 || attempt >= 400) {
      options.beforeKill?.();
      api.kill('SIGKILL');
      return unanswered;
    }
    api.kill('SIGCONT');
    await sleep(1 + (attempt % 7));
  }
}

describe('crash safety: SIGKILL during intake, retried with the same Idempotency-Key (process e2e)', () => {
  const own = ownDatabase();
  let api: ApiProcess;
  let admin: Session;
  let intake: Session;
  const intakes = makeIntakes();
  let inFlightAtKill = 0;
  let answeredBeforeKill = 0;
  /** Cases committed whose answer never left the server, at the kill. */
  let committedUnanswered: string[] = [];

  it('streams intakes, is killed with SIGKILL mid-stream, restarts on the same database', async () => {
    api = await startApi(apiEnv(own.url()));
    const http = request(api.url);
    admin = await loginAdmin(http);
    intake = await createUser(http, admin, 'intake');

    let next = 0;
    let inFlight = 0;
    let answered = 0;
    let killed = false;
    const worker = async () => {
      while (next < intakes.length) {
        const item = intakes[next++];
        inFlight += 1;
        const answer = await post(api.url, intake.token, item);
        inFlight -= 1;
        item.answers.push(answer);
        if (answer.status !== 0) answered += 1;
      }
    };
    const killer = async () => {
      committedUnanswered = await killOnUnansweredCommit(api, {
        ready: () => answered >= KILL_AFTER_ANSWERS || next >= intakes.length,
        committed: async () => (await own.db().query<{ id: string }>(`SELECT id FROM cases WHERE created_by = $1`, [intake.userId])).rows.map((r) => r.id),
        answered: () => new Set(intakes.flatMap((i) => i.answers.filter((a) => a.status === 201).map((a) => a.id))),
        beforeKill: () => {
          killed = true;
          inFlightAtKill = inFlight;
          answeredBeforeKill = answered;
        },
      });
    };
    await Promise.all([...Array.from({ length: CONCURRENCY }, worker), killer()]);
    expect(killed).toBe(true);
    // The kill hit an intake committed but not answered.
    expect(committedUnanswered.length).toBeGreaterThan(0);
    expect(await api.exited).toEqual({ code: null, signal: 'SIGKILL' });
    // The other workers had requests on the wire when the process died.
    expect(inFlightAtKill).toBeGreaterThan(0);
    expect(answeredBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    // Before the crash every answer was a 201; after it, nothing answered.
    for (const item of intakes) for (const a of item.answers) expect([0, 201]).toContain(a.status);
    const unanswered = intakes.filter((i) => !got201(i));
    expect(unanswered.length).toBeGreaterThan(N / 2);

    api = await startApi(apiEnv(own.url()));
  }, 60_000);

  it('the client retries every unanswered request (same key, same body) until it gets a 201', async () => {
    const pending = intakes.filter((i) => !got201(i));
    const deadline = Date.now() + 30_000;
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const item = pending[next++];
        for (let attempt = 0; attempt < 10 && Date.now() < deadline; attempt++) {
          const answer = await post(api.url, intake.token, item);
          item.answers.push(answer);
          if (answer.status === 201) break;
          // Only no answer, or "the first request is still running" (a transaction the dead process left open), is
          // worth a retry; anything else is kept as the key's answer and fails the check below.
          if (!(answer.status === 0 || (answer.status === 409 && answer.code === 'IDEMPOTENCY_IN_PROGRESS'))) break;
          await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const failed = intakes.filter((i) => !got201(i)).map((i) => ({ key: i.key, answers: i.answers }));
    expect(failed).toEqual([]);
  }, 40_000);

  it('every 201 names a case that exists, and one key is one case: none lost, none duplicated', async () => {
    // Each key's 201 answers all name the same case (a retry of a committed request replays the stored answer).
    const idByKey = new Map<string, string>();
    for (const item of intakes) {
      const ids = new Set(item.answers.filter((a) => a.status === 201).map((a) => a.id));
      expect({ key: item.key, ids: [...ids].length }).toEqual({ key: item.key, ids: 1 });
      idByKey.set(item.key, [...ids][0]!);
    }
    const ids = [...idByKey.values()];
    expect(new Set(ids).size).toBe(N);
    // The intakes committed but unanswered at the kill got their own case on retry: the stored answer, replayed.
    for (const id of committedUnanswered) expect(ids).toContain(id);

    const { rows: cases } = await own.db().query(`SELECT id, status FROM cases WHERE created_by = $1`, [intake.userId]);
    expect(cases).toHaveLength(N);
    expect(new Set(cases.map((c) => c.id))).toEqual(new Set(ids));
    for (const c of cases) expect(c.status).toBe('new');

    const { rows: keys } = await own.db().query(
      `SELECT key, case_id, status_code, response IS NOT NULL AS answered FROM idempotency_keys WHERE user_id = $1`,
      [intake.userId],
    );
    expect(keys).toHaveLength(N);
    for (const k of keys) {
      expect(k).toMatchObject({ answered: true, status_code: 201 });
      expect(k.case_id).toBe(idByKey.get(k.key));
    }
    // Every case has its data key (the case and its key commit together) and exactly one creation in the audit trail.
    const [{ rows: [{ n: withKeys }] }, { rows: audit }] = await Promise.all([
      own.db().query(`SELECT count(*)::int AS n FROM case_keys WHERE case_id = ANY($1)`, [ids]),
      own.db().query(`SELECT case_id, count(*)::int AS n FROM audit_events WHERE action = 'case.create' AND actor_id = $1 GROUP BY case_id`, [
        intake.userId,
      ]),
    ]);
    expect(withKeys).toBe(N);
    expect(audit).toHaveLength(N);
    for (const a of audit) expect(a.n).toBe(1);
  }, 15_000);

  it('after the restart, replaying an answered key returns the same case, and the audit chain verifies', async () => {
    const answeredEarly = intakes.filter((i) => i.answers[0]?.status === 201).slice(0, 5);
    expect(answeredEarly.length).toBe(5);
    for (const item of answeredEarly) {
      const replay = await post(api.url, intake.token, item);
      expect(replay).toMatchObject({ status: 201, id: item.answers[0].id, reference: item.answers[0].reference });
    }
    const http = request(api.url);
    const verify = await http.get('/api/audit/verify').set((await loginAdmin(http)).auth);
    expect(verify.status).toBe(200);
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThanOrEqual(N);
    const list = await http.get('/api/cases?limit=200').set(intake.auth);
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(N);
  }, 15_000);

  it('a SIGTERM during a stream of intakes stops the server cleanly: no 5xx, exit code 0, nothing half-written', async () => {
    const more = makeIntakes().slice(0, 60);
    let next = 0;
    let answered = 0;
    let signalled = false;
    const worker = async () => {
      while (next < more.length) {
        const item = more[next++];
        const answer = await post(api.url, intake.token, item);
        item.answers.push(answer);
        if (answer.status !== 0) answered += 1;
        if (!signalled && answered >= 10) {
          signalled = true;
          api.kill('SIGTERM');
        }
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    let timer: NodeJS.Timeout | undefined;
    const exit = await Promise.race([api.exited, new Promise((r) => (timer = setTimeout(() => r('still running'), 10_000)))]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(15_000);
    // Requests the server took were finished before it stopped (201); the rest were refused, never answered with an error.
    const statuses = more.flatMap((i) => i.answers.map((a) => a.status));
    expect(statuses.filter((status) => status !== 0 && status !== 201)).toEqual([]);
    const answeredIds = more.flatMap((i) => i.answers.filter((a) => a.status === 201).map((a) => a.id!));
    expect(answeredIds.length).toBeGreaterThanOrEqual(10);
    const { rows: found } = await own.db().query(`SELECT id FROM cases WHERE id = ANY($1)`, [answeredIds]);
    expect(found).toHaveLength(answeredIds.length);
    // Every key the server saw has its case and its stored answer: nothing is left in progress.
    const { rows: keys } = await own.db().query(
      `SELECT k.key, k.response IS NOT NULL AS answered, c.id IS NOT NULL AS has_case
         FROM idempotency_keys k LEFT JOIN cases c ON c.id = k.case_id WHERE k.user_id = $1 AND k.key = ANY($2)`,
      [intake.userId, more.map((i) => i.key)],
    );
    expect(keys.length).toBeGreaterThanOrEqual(answeredIds.length);
    for (const k of keys) expect(k).toMatchObject({ answered: true, has_case: true });
  }, 30_000);
});

/**
 * The same for events (`POST /api/cases/:id/events` with an Idempotency-Key). An event recorded twice does harm: each
 * change of address opens its own EOIR-33 deadline (a second one on the board), and a transfer recorded again would
 * record a move from the facility to itself, or be refused as older than the transfer after it.
 */
interface SentEvent {
  caseId: string;
  key: string;
  body: Record<string, unknown>;
  answers: { status: number; id?: string; code?: string }[];
}

async function sendEvent(url: string, token: string, e: SentEvent): Promise<SentEvent['answers'][number]> {
  try {
    const res = await fetch(`${url}/api/cases/${e.caseId}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}`, 'Idempotency-Key': e.key },
      body: JSON.stringify(e.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { event?: { id?: string }; code?: string };
    return { status: res.status, id: body.event?.id, code: body.code };
  } catch {
    return { status: 0 };
  }
}

/**
 * Records the events of each lane in its order, the lanes side by side, and kills the server once something committed
 * has no answer; then restarts it and sends every event not answered with a 201 again, lane by lane in order, with
 * its key, and stops it. Returns the events committed but unanswered at the kill.
 */
async function eventsThroughACrash(databaseUrl: string, db: Client, token: string, lanes: SentEvent[][]): Promise<string[]> {
  let api = await startApi(apiEnv(databaseUrl));
  const all = lanes.flat();
  const caseIds = [...new Set(all.map((e) => e.caseId))];
  let answered = 0;
  const lane = async (events: SentEvent[]) => {
    for (const e of events) {
      const answer = await sendEvent(api.url, token, e);
      e.answers.push(answer);
      if (answer.status !== 0) answered += 1;
    }
  };
  const kill = killOnUnansweredCommit(api, {
    ready: () => answered >= 15 || all.every((e) => e.answers.length > 0),
    committed: async () => (await db.query<{ id: string }>(`SELECT id FROM case_events WHERE case_id = ANY($1)`, [caseIds])).rows.map((r) => r.id),
    answered: () => new Set(all.flatMap((e) => e.answers.filter((a) => a.status === 201).map((a) => a.id))),
  });
  const [committedUnanswered] = await Promise.all([kill, ...lanes.map(lane)]);
  expect(await api.exited).toEqual({ code: null, signal: 'SIGKILL' });
  expect(committedUnanswered.length).toBeGreaterThan(0);

  api = await startApi(apiEnv(databaseUrl));
  for (const e of all.filter((x) => !x.answers.some((a) => a.status === 201))) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const answer = await sendEvent(api.url, token, e);
      e.answers.push(answer);
      if (answer.status === 201 || !(answer.status === 0 || answer.status === 503)) break;
      await sleep(200 * (attempt + 1));
    }
  }
  // Stopped here, not at the file's end: the next test starts a server of its own on the same database.
  await api.stop();
  return committedUnanswered;
}

/** Every key got a 201 and nothing else but no answer, all of a key's 201s name one event, and those are all the cases hold. */
async function expectOneEventPerKey(db: Client, events: SentEvent[], committedUnanswered: string[]): Promise<void> {
  const ids = events.map((e) => {
    const named = new Set(e.answers.filter((a) => a.status === 201).map((a) => a.id));
    expect({ key: e.key, events: named.size, other: e.answers.filter((a) => a.status !== 0 && a.status !== 201) }).toEqual({ key: e.key, events: 1, other: [] });
    return [...named][0]!;
  });
  for (const id of committedUnanswered) expect(ids).toContain(id);
  const { rows: stored } = await db.query(`SELECT id FROM case_events WHERE case_id = ANY($1)`, [[...new Set(events.map((e) => e.caseId))]]);
  expect(new Set(stored.map((r) => r.id))).toEqual(new Set(ids));
}

describe('crash safety: SIGKILL while events are recorded, retried with the same Idempotency-Key (process e2e)', () => {
  const LANES = 4;
  const PER_LANE = 15;
  const own = ownDatabase();

  /** A coordinator, on a server started for the setup and stopped before the crash run starts its own. */
  async function coordinatorWith(bodies: object[]): Promise<{ token: string; caseIds: string[] }> {
    const api = await startApi(apiEnv(own.url()));
    const http = request(api.url);
    const coordinator = await createUser(http, await loginAdmin(http), 'coordinator');
    const caseIds: string[] = [];
    for (const body of bodies) caseIds.push((await http.post('/api/cases').set(coordinator.auth).send(body).expect(201)).body.id);
    await api.stop();
    return { token: coordinator.token, caseIds };
  }

  it('changes of address: one event (and one EOIR-33 deadline) per key, the one recorded but not answered replayed on retry', async () => {
    const { token, caseIds: [caseId] } = await coordinatorWith([minimalBody()]);
    const run = randomBytes(4).toString('hex');
    const day = (i: number) => new Date(Date.now() - (i + 1) * 86_400_000).toISOString().slice(0, 10);
    const lanes = Array.from({ length: LANES }, (_, l) =>
      Array.from({ length: PER_LANE }, (_, j): SentEvent => {
        const i = l * PER_LANE + j;
        return { caseId, key: `move-${run}-${String(i).padStart(3, '0')}`, body: { type: 'address_changed', occurredAt: day(i) }, answers: [] };
      }),
    );
    const committedUnanswered = await eventsThroughACrash(own.url(), own.db(), token, lanes);
    await expectOneEventPerKey(own.db(), lanes.flat(), committedUnanswered);
    const { rows: [{ n }] } = await own.db().query(
      `SELECT count(*)::int AS n FROM deadlines WHERE case_id = $1 AND rule = 'eoir33_change_of_address' AND superseded_at IS NULL`, [caseId]);
    expect(n).toBe(LANES * PER_LANE);
  }, 90_000);

  it('transfers: each case ends at its last transfer, every transfer moved it from where the one before left it', async () => {
    const { rows } = await own.db().query<{ code: string }>(`SELECT code FROM facilities ORDER BY code LIMIT 5`);
    const codes = rows.map((r) => r.code);
    expect(codes).toHaveLength(5);
    // Case l's transfer j (an hour after the one before) goes to codes[l + j + 1], never where it is. Its custody is not
    // stated at intake (unknown): transfers of before the day a custody was stated would be refused.
    const at = (l: number, j: number) => codes[(l + j) % codes.length];
    const { token, caseIds } = await coordinatorWith(Array.from({ length: LANES }, () => minimalBody()));
    const run = randomBytes(4).toString('hex');
    const start = Date.now() - 30 * 86_400_000;
    const lanes = caseIds.map((caseId, l) =>
      Array.from({ length: PER_LANE }, (_, j): SentEvent => ({
        caseId,
        key: `transfer-${run}-${l}-${String(j).padStart(3, '0')}`,
        body: { type: 'transferred', occurredAt: new Date(start + j * 3_600_000).toISOString(), facilityCode: at(l, j + 1) },
        answers: [],
      })),
    );
    const committedUnanswered = await eventsThroughACrash(own.url(), own.db(), token, lanes);
    await expectOneEventPerKey(own.db(), lanes.flat(), committedUnanswered);
    for (const [l, caseId] of caseIds.entries()) {
      const { rows: moves } = await own.db().query<{ from: string; to: string }>(
        `SELECT data->>'fromFacilityCode' AS "from", data->>'facilityCode' AS "to" FROM case_events
          WHERE case_id = $1 AND type = 'transferred' ORDER BY occurred_at`, [caseId]);
      expect(moves).toEqual(Array.from({ length: PER_LANE }, (_, j) => ({ from: j === 0 ? null : at(l, j), to: at(l, j + 1) })));
      const { rows: [custody] } = await own.db().query(`SELECT custody_status, facility_code FROM cases WHERE id = $1`, [caseId]);
      expect(custody).toEqual({ custody_status: 'ice_detention', facility_code: at(l, PER_LANE) });
    }
  }, 90_000);
});
