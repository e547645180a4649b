import { FlagLabelsWithoutFacts1764001000000 } from '../migrations/1764001000000-FlagLabelsWithoutFacts';
import { FrozenEventZonesKeyedDigests1764001200000 } from '../migrations/1764001200000-FrozenEventZonesKeyedDigests';
import { LanguageCodes1764001700000 } from '../migrations/1764001700000-LanguageCodes';
import { CountyKeys1764001800000 } from '../migrations/1764001800000-CountyKeys';
import { CriminalHistoryFlag1764002000000 } from '../migrations/1764002000000-CriminalHistoryFlag';
import { FormerClients1764002200000 } from '../migrations/1764002200000-FormerClients';
import { ReminderDueKeys1764002400000 } from '../migrations/1764002400000-ReminderDueKeys';
import { FacilityListing1764002600000 } from '../migrations/1764002600000-FacilityListing';
import { OfferWindowLevel1764002700000 } from '../migrations/1764002700000-OfferWindowLevel';
import { RuleSetUpgradeReviews1764003000000 } from '../migrations/1764003000000-RuleSetUpgradeReviews';
import { MotionRulingReviews1764003100000 } from '../migrations/1764003100000-MotionRulingReviews';
import { WithdrawalReasons1764003200000 } from '../migrations/1764003200000-WithdrawalReasons';
import { BiaRulingsInFallsChurch1764003300000 } from '../migrations/1764003300000-BiaRulingsInFallsChurch';
import { BondDecisionAndGrantReviews1764003400000 } from '../migrations/1764003400000-BondDecisionAndGrantReviews';
import { CountyKeysRecomputed1764003500000 } from '../migrations/1764003500000-CountyKeysRecomputed';
import { HearingNoticesAndRebookingReviews1764003600000 } from '../migrations/1764003600000-HearingNoticesAndRebookingReviews';
import { CustodyStatements1764004100000 } from '../migrations/1764004100000-CustodyStatements';
import { MissedDeadlineReviews1764004500000 } from '../migrations/1764004500000-MissedDeadlineReviews';
import { RedetentionReviews1764004600000 } from '../migrations/1764004600000-RedetentionReviews';
import { UrgencyOrder1764004700000 } from '../migrations/1764004700000-UrgencyOrder';
import { CanonicalEmails1764005100000 } from '../migrations/1764005100000-CanonicalEmails';
import { BiaRulingsGivenAZone1764005200000 } from '../migrations/1764005200000-BiaRulingsGivenAZone';
import { ReleasedHearingReviews1764004800000 } from '../migrations/1764004800000-ReleasedHearingReviews';
import { BondDecisionReviews1764005500000 } from '../migrations/1764005500000-BondDecisionReviews';
import { DuplicateRulingReviews1764005700000 } from '../migrations/1764005700000-DuplicateRulingReviews';
import { ReleaseReasons1764005800000 } from '../migrations/1764005800000-ReleaseReasons';
import { UnknownCustodyDetainerReviews1764005900000 } from '../migrations/1764005900000-UnknownCustodyDetainerReviews';
import { UncertainPlaceReviews1764006000000 } from '../migrations/1764006000000-UncertainPlaceReviews';
import { CountyZonesReread1764006100000 } from '../migrations/1764006100000-CountyZonesReread';
import { FullWidthCountiesReread1764006400000 } from '../migrations/1764006400000-FullWidthCountiesReread';
import { ClosedCountiesReadAtReopen1764006500000 } from '../migrations/1764006500000-ClosedCountiesReadAtReopen';
import { CountedDayReviews1764006600000 } from '../migrations/1764006600000-CountedDayReviews';
import { SameDayRebookingReviews1764006700000 } from '../migrations/1764006700000-SameDayRebookingReviews';
import { CountyKeyBackfill } from '@amparo/cases';
import { Clock } from '@amparo/common';
import { DeadlineJobsService, reminderKey, ruleSetFor } from '@amparo/deadlines';
import { attorneyProfile } from './support/attorneys';
import { TestApp, createTestApp } from './support/test-app';
import { intakeBody, routableBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

/** The wall clock, unless a test pins it to the day its fixed dates need (on the wall clock they age into the past). */
class PinnableClock extends Clock {
  private pinned?: Date;
  now(): Date {
    return this.pinned ? new Date(this.pinned.getTime()) : new Date();
  }
  async at(day: string, run: () => Promise<void>): Promise<void> {
    this.pinned = new Date(day);
    try {
      await run();
    } finally {
      this.pinned = undefined;
    }
  }
}

/** Migrations that rewrite stored data, run again on rows written the old way. */
describe('data migrations (e2e)', () => {
  const clock = new PinnableClock();
  let t: TestApp;
  let intake: Session;

  beforeAll(async () => {
    t = await createTestApp({ asOwner: true, clock }); // migrations run as the schema's owner
    intake = await createUser(t.http, await loginAdmin(t.http), 'intake');
  });
  afterAll(() => t.close());

  /** A case a coordinator offered to a new attorney (auto-routing off), as written today. */
  const offered = async (client: { firstName: string; lastName: string }) => {
    const admin = await loginAdmin(t.http);
    await t.http.patch('/api/organization').set(admin.auth).send({ autoRouting: false }).expect(200);
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client)).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    return { coordinator, attorney, c, offer };
  };

  it('1764001000000: stored bond-flag labels lose the facts that raised them, in cases and idempotent answers', async () => {
    const old = 'Bond eligibility contested (entered without inspection; criminal history declared): judges may find no bond jurisdiction';
    const created = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', `migration-${Date.now()}`).send(intakeBody()).expect(201);
    const id = created.body.id as string;
    const flags = JSON.stringify([{ code: 'jail_287g', label: 'Jail (287(g))' }, { code: 'bond_eligibility_contested', label: old, citation: 'INA 236(c)' }]);
    await t.db.query(`UPDATE cases SET flags = $2::jsonb, urgency_reasons = $3::jsonb WHERE id = $1`, [id, flags, JSON.stringify(['Detainer: due soon', old])]);
    await t.db.query(`UPDATE idempotency_keys SET response = jsonb_set(response, '{flags}', $2::jsonb) WHERE case_id = $1`, [id, flags]);

    const runner = t.db.createQueryRunner();
    try {
      await new FlagLabelsWithoutFacts1764001000000().up(runner);
    } finally {
      await runner.release();
    }

    const plain = 'Bond eligibility contested: judges may find no bond jurisdiction';
    const [row] = await t.db.query(`SELECT flags, urgency_reasons FROM cases WHERE id = $1`, [id]);
    expect(row.flags).toEqual([{ code: 'jail_287g', label: 'Jail (287(g))' }, { code: 'bond_eligibility_contested', label: plain, citation: 'INA 236(c)' }]);
    expect(row.urgency_reasons).toEqual(['Detainer: due soon', plain]);
    const [{ response }] = await t.db.query(`SELECT response FROM idempotency_keys WHERE case_id = $1`, [id]);
    expect(response.flags[1].label).toBe(plain);
    expect(response.id).toBe(id);
  });

  it('1764001200000: court events get the case zone; plain request digests are emptied, and such a key still replays', async () => {
    const idempotencyKey = `legacy-${Date.now()}`;
    const body = intakeBody();
    const created = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', idempotencyKey).send(body).expect(201);
    const id = created.body.id as string;
    // As written before 2026-11-25: a decision without a zone, a digest that is a plain hash.
    for (const [type, data] of [['bond_decision', '{"outcome":"denied"}'], ['entered_us', '{}']]) {
      await t.db.query(
        `INSERT INTO case_events (id, case_id, type, occurred_at, data, created_by, created_at)
         VALUES (gen_random_uuid(), $1, $3, '2026-11-01', $4::jsonb, $2, now())`,
        [id, intake.userId, type, data],
      );
    }
    await t.db.query(`UPDATE idempotency_keys SET request_hash = sha256('legacy'::bytea) WHERE case_id = $1`, [id]);

    const runner = t.db.createQueryRunner();
    try {
      await new FrozenEventZonesKeyedDigests1764001200000().up(runner);
    } finally {
      await runner.release();
    }

    const zones = await t.db.query(
      `SELECT e.type, e.data->>'timeZone' AS zone, e.data->>'timeZoneFromCase' AS implicit, c.time_zone AS "caseZone"
         FROM case_events e JOIN cases c ON c.id = e.case_id WHERE e.case_id = $1 ORDER BY e.type`,
      [id],
    );
    expect(zones).toEqual([
      { type: 'bond_decision', zone: zones[0].caseZone, implicit: 'true', caseZone: zones[0].caseZone },
      { type: 'entered_us', zone: zones[0].caseZone, implicit: 'true', caseZone: zones[0].caseZone },
    ]);
    const [{ digest }] = await t.db.query(`SELECT request_hash AS digest FROM idempotency_keys WHERE case_id = $1`, [id]);
    expect(digest).toEqual(Buffer.alloc(0));
    const replay = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', idempotencyKey).send(body).expect(201);
    expect(replay.body.id).toBe(id);
  });

  it('1764001700000: stored ISO 639-2 codes (and esp) become ISO 639-3, so an attorney still matches a client', async () => {
    const admin = await loginAdmin(t.http);
    const attorney = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ languages: ['eng', 'fra'] })).expect(200);
    const created = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    // As stored before 2026-11-26, when the codes were taken as typed.
    await t.db.query(`UPDATE attorney_profiles SET languages = '{eng,fre,fra,ger}' WHERE user_id = $1`, [attorney.userId]);
    await t.db.query(`UPDATE cases SET preferred_language = 'esp' WHERE id = $1`, [created.body.id]);

    const runner = t.db.createQueryRunner();
    try {
      await new LanguageCodes1764001700000().up(runner);
    } finally {
      await runner.release();
    }

    const [{ languages }] = await t.db.query(`SELECT languages FROM attorney_profiles WHERE user_id = $1`, [attorney.userId]);
    expect(languages).toEqual(['eng', 'fra', 'deu']);
    expect((await t.db.query(`SELECT preferred_language FROM cases WHERE id = $1`, [created.body.id]))[0].preferred_language).toBe('spa');
  });

  it('1764001800000 runs again over a database that already has the county keys (as an unreleased build wrote them)', async () => {
    const runner = t.db.createQueryRunner();
    try {
      await new CountyKeys1764001800000().up(runner);
    } finally {
      await runner.release();
    }
    const columns = await t.db.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND column_name IN ('county_key', 'county_jail_287g')`);
    expect(columns).toEqual([{ column_name: 'county_key' }]);
  });

  it('1764002000000: open cases with a criminal history recorded are reviewed, and get the bond flag the facts now raise', async () => {
    const codes = async (id: string) => ((await t.db.query(`SELECT flags FROM cases WHERE id = $1`, [id]))[0].flags as { code: string }[]).map((f) => f.code);
    const body = intakeBody();
    const created = await t.http.post('/api/cases').set(intake.auth).send({ ...body, custody: { status: 'ice_detention', state: 'TX', county: 'Harris' } }).expect(201);
    const id = created.body.id as string;
    // As stored before: the criminal history was not read, so no flag, and nothing due for review.
    await t.db.query(`UPDATE cases SET flags = '[]'::jsonb, urgency_review_at = NULL WHERE id = $1`, [id]);
    const runner = t.db.createQueryRunner();
    try {
      await new CriminalHistoryFlag1764002000000().up(runner);
    } finally {
      await runner.release();
    }
    expect(await codes(id)).toEqual([]);
    // Due within six hours, spread so as not to hold up the reviews due meanwhile; here, made due now.
    const [{ within }] = await t.db.query(`SELECT urgency_review_at <= now() + interval '6 hours' AS within FROM cases WHERE id = $1`, [id]);
    expect(within).toBe(true);
    // A second back: the job compares with the app's clock, in milliseconds, and now() has microseconds.
    await t.db.query(`UPDATE cases SET urgency_review_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await t.app.get(DeadlineJobsService).reviewUrgency()).toBeGreaterThanOrEqual(1);
    expect(await codes(id)).toContain('bond_eligibility_contested');
  });

  it('1764002200000: an acceptance released before it is dated from its audit event, so the former client counts', async () => {
    const { coordinator, attorney, c, offer } = await offered({ firstName: 'Antigua', lastName: 'Clienta' });
    await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(attorney.auth).expect(200);
    // As a release before this migration left it: withdrawn, with nothing saying it had been accepted.
    await t.db.query(`UPDATE referrals SET status = 'withdrawn', accepted_at = NULL WHERE id = $1`, [offer.body.id]);
    await t.db.query(`UPDATE cases SET status = 'new', assigned_attorney_id = NULL WHERE id = $1`, [c.body.id]);
    const runner = t.db.createQueryRunner();
    try {
      await new FormerClients1764002200000().up(runner);
    } finally {
      await runner.release();
    }
    const [row] = await t.db.query(`SELECT accepted_at FROM referrals WHERE id = $1`, [offer.body.id]);
    expect(row.accepted_at).toBeInstanceOf(Date);
    // The other side's case cannot go to that attorney.
    const other = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Contraria', lastName: 'Parte' }, { adverseParties: [{ name: 'Antigua Clienta' }] })).expect(201);
    expect((await t.http.post(`/api/cases/${other.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId })).status).toBe(422);
  });

  it('1764002400000: reminders written before name their deadline\'s due time, as the planner now writes them; others are left alone', async () => {
    const admin = await loginAdmin(t.http);
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const c = await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201);
    const [d] = await t.db.query(`SELECT id, due_at FROM deadlines WHERE case_id = $1 AND superseded_at IS NULL ORDER BY due_at LIMIT 1`, [c.body.id]);
    const legacy = `reminder:${d.id}:24h:${coordinator.userId}`;
    const unrelated = `offer:${d.id}`;
    for (const [kind, key] of [['deadline.reminder', legacy], ['referral.offer', unrelated]]) {
      await t.db.query(
        `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, sent_at)
         SELECT organization_id, $2, $3, $4, id, 'subject', 'body', now() FROM cases WHERE id = $1`,
        [c.body.id, coordinator.userId, kind, key],
      );
    }
    const runner = t.db.createQueryRunner();
    try {
      await new ReminderDueKeys1764002400000().up(runner);
      await new ReminderDueKeys1764002400000().up(runner); // again: nothing left to rewrite
    } finally {
      await runner.release();
    }
    const keys = (await t.db.query(`SELECT dedupe_key FROM notifications WHERE case_id = $1 AND dedupe_key = ANY($2) OR dedupe_key LIKE 'reminder:' || $3 || ':%' ORDER BY kind`, [c.body.id, [legacy, unrelated], d.id])).map((r: { dedupe_key: string }) => r.dedupe_key);
    // The planner's own key for that reminder: it will not be written a second time.
    expect(keys).toEqual([reminderKey(d.id, d.due_at, 24, coordinator.userId), unrelated]);
    // Undone after the deadline moved (a reminder of each time for the same threshold): the newest keeps the old key.
    await t.db.query(
      `INSERT INTO notifications (organization_id, recipient_id, kind, dedupe_key, case_id, subject, body, created_at)
       SELECT organization_id, $2, 'deadline.reminder', $3, id, 'subject', 'body', now() + interval '1 minute' FROM cases WHERE id = $1`,
      [c.body.id, coordinator.userId, reminderKey(d.id, new Date(d.due_at.getTime() + 3600_000), 24, coordinator.userId)],
    );
    const back = t.db.createQueryRunner();
    try {
      await new ReminderDueKeys1764002400000().down(back);
    } finally {
      await back.release();
    }
    const undone = await t.db.query(`SELECT dedupe_key FROM notifications WHERE case_id = $1 AND kind = 'deadline.reminder' ORDER BY created_at`, [c.body.id]);
    expect(undone.map((r: { dedupe_key: string }) => r.dedupe_key)).toEqual([reminderKey(d.id, d.due_at, 24, coordinator.userId), legacy]);
  });

  const run = async (migration: { up(q: ReturnType<TestApp['db']['createQueryRunner']>): Promise<void> }) => {
    const runner = t.db.createQueryRunner();
    try {
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  };

  it('1764002600000: facilities an earlier file left behind (older import time) are not listed; the latest file\'s are', async () => {
    const [left] = await t.db.query(`SELECT code FROM facilities ORDER BY code LIMIT 1`);
    await t.db.query(`UPDATE facilities SET imported_at = imported_at - interval '30 days' WHERE code = $1`, [left.code]);
    try {
      await run(new FacilityListing1764002600000());
      const rows = await t.db.query(`SELECT listed, count(*)::int AS n FROM facilities GROUP BY listed ORDER BY listed`);
      expect(rows).toEqual([{ listed: false, n: 1 }, { listed: true, n: expect.any(Number) }]);
      expect((await t.db.query(`SELECT listed FROM facilities WHERE code = $1`, [left.code]))[0].listed).toBe(false);
    } finally {
      await t.db.query(`UPDATE facilities SET imported_at = imported_at + interval '30 days', listed = true WHERE code = $1`, [left.code]);
    }
  });

  it('1764002700000: an open offer gets the level its answer time was given for, not the case\'s level now', async () => {
    const { offer } = await offered({ firstName: 'Ventana', lastName: 'Nivel' });
    // As an older release left it: no level, and 72 hours given (the normal window) though the case is high now.
    await t.db.query(`UPDATE referrals SET window_level = NULL, respond_by = offered_at + interval '72 hours' WHERE id = $1`, [offer.body.id]);
    await run(new OfferWindowLevel1764002700000());
    expect((await t.db.query(`SELECT window_level FROM referrals WHERE id = $1`, [offer.body.id]))[0].window_level).toBe('normal');
  });

  it('1764003000000: open cases with an open deadline an earlier rule set computed, of a rule a later one changed, are due for review', async () => {
    // A detained client's intake: a detainer hold, stored as 2026.1 computed it; and the same case's other rows, and a
    // closed case's, are left alone.
    const open = (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
    const current = (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
    const closed = (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
    const held = async (id: string) => (await t.db.query(`SELECT rule FROM deadlines WHERE case_id = $1 AND status = 'open'`, [id])).map((d: { rule: string }) => d.rule);
    expect(await held(open)).toContain('detainer_hold');
    await t.db.query(`UPDATE deadlines SET rule_version = '2026.1' WHERE case_id = ANY($1) AND rule = 'detainer_hold'`, [[open, closed]]);
    await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed]);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[open, current, closed]]);
    const runner = t.db.createQueryRunner();
    try {
      await new RuleSetUpgradeReviews1764003000000().up(runner);
    } finally {
      await runner.release();
    }
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at IS NOT NULL`, [[open, current, closed]]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([open]);
  });
  it('1764003100000: open cases with a ruling on a motion are due for review now, unless overdue already', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
    const [ruled, soon, retracted, closed, none] = [await create(), await create(), await create(), await create(), await create()];
    for (const id of [ruled, soon, retracted, closed]) {
      const ruling = await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth)
        .send({ type: 'motion_decided', occurredAt: '2026-11-20T10:00:00-05:00', issuedBy: 'bia', outcome: 'granted', motion: 'reopen' }).expect(201);
      if (id === retracted) await t.http.post(`/api/cases/${id}/events/${ruling.body.event.id}/retract`).set(coordinator.auth).expect(200);
    }
    await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed]);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[ruled, retracted, closed, none]]);
    await t.db.query(`UPDATE cases SET urgency_review_at = '2026-01-01T00:00:00Z' WHERE id = $1`, [soon]);
    const before = Date.now();
    await run(new MotionRulingReviews1764003100000());
    const rows: { id: string; urgency_review_at: Date | null }[] = await t.db.query(`SELECT id, urgency_review_at FROM cases WHERE id = ANY($1)`, [[ruled, soon, retracted, closed, none]]);
    const at = Object.fromEntries(rows.map((r) => [r.id, r.urgency_review_at?.toISOString() ?? null]));
    expect(Date.parse(at[ruled] as string)).toBeGreaterThanOrEqual(before - 60_000);
    expect(Date.parse(at[ruled] as string)).toBeLessThanOrEqual(Date.now());
    expect(at).toEqual({
      [ruled]: expect.any(String),
      [soon]: '2026-01-01T00:00:00.000Z',
      [retracted]: null,
      [closed]: null,
      [none]: null,
    });
  });

  it('1764003200000: each withdrawn referral takes the reason its audit event gave (a coordinator\'s when it gave none), the system\'s without one', async () => {
    const byCoordinator = await offered({ firstName: 'Retirada', lastName: 'Coordinada' });
    await t.http.post(`/api/referrals/${byCoordinator.offer.body.id}/withdraw`).set(byCoordinator.coordinator.auth).expect(200);
    const byClose = await offered({ firstName: 'Retirada', lastName: 'Cerrada' });
    await t.http.post(`/api/cases/${byClose.c.body.id}/close`).set(byClose.coordinator.auth).send({ outcome: 'other' }).expect(200);
    const released = await offered({ firstName: 'Retirada', lastName: 'Liberada' });
    await t.http.post(`/api/referrals/${released.offer.body.id}/accept`).set(released.attorney.auth).expect(200);
    const admin = await loginAdmin(t.http);
    await t.http.patch(`/api/users/${released.attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
    const open = await offered({ firstName: 'Abierta', lastName: 'Ejemplo' });
    // Closed before a close audited the offer it withdrew: no event of its own.
    const unaudited = await offered({ firstName: 'Retirada', lastName: 'Antigua' });
    await t.db.query(`UPDATE referrals SET status = 'withdrawn', responded_at = now() WHERE id = $1`, [unaudited.offer.body.id]);
    const ids = [byCoordinator, byClose, released, open, unaudited].map((x) => x.offer.body.id as string);
    await t.db.query(`ALTER TABLE referrals DROP COLUMN withdrawn_why`);
    await run(new WithdrawalReasons1764003200000());
    const rows: { id: string; withdrawn_why: string | null }[] = await t.db.query(`SELECT id, withdrawn_why FROM referrals WHERE id = ANY($1)`, [ids]);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.withdrawn_why]))).toEqual({
      [ids[0]]: 'COORDINATOR', [ids[1]]: 'CASE_CLOSED', [ids[2]]: 'RELEASED', [ids[3]]: null, [ids[4]]: 'SYSTEM',
    });
  });

  it('1764003300000: BIA rulings stored in the case\'s zone take Eastern time, and their open cases are due for review', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const guam = async () => (await t.http.post('/api/cases').set(intake.auth)
      .send({ ...intakeBody(), custody: { status: 'unknown', timeZone: 'Pacific/Guam' } }).expect(201)).body.id as string;
    const [open, closed] = [await guam(), await guam()];
    const record = async (id: string, body: object) => (await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body).expect(201)).body.event.id as string;
    const bia = await record(open, { type: 'final_order', occurredAt: '2026-11-23T10:00:00-05:00', issuedBy: 'bia' });
    const ij = await record(open, { type: 'bond_decision', occurredAt: '2026-11-20', outcome: 'denied' });
    const closedBia = await record(closed, { type: 'motion_decided', occurredAt: '2026-11-23', issuedBy: 'bia', outcome: 'denied', motion: 'reopen' });
    // As recorded before: read in the case's zone, and marked so.
    await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "Pacific/Guam", "timeZoneFromCase": true}'::jsonb WHERE id = ANY($1)`, [[bia, closedBia]]);
    await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed]);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[open, closed]]);
    await run(new BiaRulingsInFallsChurch1764003300000());
    const data = async (id: string) => (await t.db.query(`SELECT data FROM case_events WHERE id = $1`, [id]))[0].data;
    expect(await data(bia)).toEqual({ issuedBy: 'bia', timeZone: 'America/New_York' });
    expect(await data(closedBia)).toMatchObject({ timeZone: 'America/New_York' });
    expect(await data(closedBia)).not.toHaveProperty('timeZoneFromCase');
    expect(await data(ij)).toMatchObject({ timeZone: 'Pacific/Guam', timeZoneFromCase: true });
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at IS NOT NULL`, [[open, closed]]);
    expect(due).toEqual([{ id: open }]);
  });

  it('1764005200000: BIA rulings stored with a zone of their own take Eastern time, and their open cases are due for review', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    // Signed in on the wall clock: a session opened at the pinned day would be past its time in the database.
    await clock.at('2026-11-25T16:00:00Z', async () => {
      const guam = async () => (await t.http.post('/api/cases').set(intake.auth)
        .send({ ...intakeBody(), custody: { status: 'unknown', timeZone: 'Pacific/Guam' } }).expect(201)).body.id as string;
      const [open, closed, eastern] = [await guam(), await guam(), await guam()];
      const record = async (id: string, body: object) => (await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body).expect(201)).body.event.id as string;
      const bia = await record(open, { type: 'final_order', occurredAt: '2026-11-23T10:00:00-05:00', issuedBy: 'bia' });
      const ij = await record(open, { type: 'ij_decision', occurredAt: '2026-11-20', outcome: 'removal_ordered', timeZone: 'Pacific/Guam' });
      const closedBia = await record(closed, { type: 'motion_decided', occurredAt: '2026-11-23', issuedBy: 'bia', outcome: 'denied', motion: 'reopen' });
      const easternBia = await record(eastern, { type: 'final_order', occurredAt: '2026-11-23', issuedBy: 'bia' });
      // As recorded before: in the zone sent with it.
      await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "Pacific/Guam"}'::jsonb WHERE id = ANY($1)`, [[bia, closedBia]]);
      const reconsiderDue = async () => (await t.db.query(
        `SELECT due_at FROM deadlines WHERE case_id = $1 AND rule = 'motion_to_reconsider' AND superseded_at IS NULL`, [open]))[0].due_at.toISOString();
      // Its deadlines as they were computed then: a day late.
      await t.db.query(`UPDATE cases SET urgency_review_at = $2::timestamptz - interval '1 minute' WHERE id = $1`, [open, clock.now()]);
      await t.app.get(DeadlineJobsService).reviewUrgency();
      expect(await reconsiderDue()).toBe('2026-12-25T04:59:59.999Z');
      await t.db.query(`UPDATE cases SET status = 'closed' WHERE id = $1`, [closed]);
      await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[open, closed, eastern]]);
      await run(new BiaRulingsGivenAZone1764005200000());
      const data = async (id: string) => (await t.db.query(`SELECT data FROM case_events WHERE id = $1`, [id]))[0].data;
      expect(await data(bia)).toEqual({ issuedBy: 'bia', timeZone: 'America/New_York' });
      expect(await data(closedBia)).toMatchObject({ timeZone: 'America/New_York' });
      expect(await data(ij)).toMatchObject({ timeZone: 'Pacific/Guam' });
      const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at IS NOT NULL`, [[open, closed, eastern]]);
      expect(due).toEqual([{ id: open }]);
      // The review recomputes the order's deadlines from Falls Church's day. The migration made the case due at the
      // database's now(); the review job reads the app's clock, pinned: the case is made due at the pinned day.
      const [{ stamped }] = await t.db.query(`SELECT urgency_review_at <= now() AS stamped FROM cases WHERE id = $1`, [open]);
      expect(stamped).toBe(true);
      await t.db.query(`UPDATE cases SET urgency_review_at = $2 WHERE id = $1`, [open, clock.now()]);
      await t.app.get(DeadlineJobsService).reviewUrgency();
      expect(await reconsiderDue()).toBe('2026-12-24T04:59:59.999Z');
      expect(await data(easternBia)).toEqual({ issuedBy: 'bia', timeZone: 'America/New_York' });
    });
  });

  it('1764003400000: open cases with a bond hearing set and a bond decision, or an open BIA appeal and a grant, are due for review', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    // Signed in on the wall clock: a session opened at the pinned day would be past its time in the database.
    await clock.at('2026-11-26T16:00:00Z', async () => {
      const create = async () => (await t.http.post('/api/cases').set(intake.auth).send(intakeBody()).expect(201)).body.id as string;
      const [hearing, appeal, neither, ended] = [await create(), await create(), await create(), await create()];
      const record = (id: string, body: object) => t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body).expect(201);
      for (const id of [hearing, neither]) {
        await record(id, { type: 'hearing_scheduled', occurredAt: '2026-11-25T08:00:00-06:00', hearingType: 'bond', scheduledAt: '2026-12-15T13:00:00-06:00' });
      }
      await record(appeal, { type: 'ij_decision', occurredAt: '2026-11-20T10:00:00-06:00', outcome: 'removal_ordered' });
      await record(neither, { type: 'ij_decision', occurredAt: '2026-11-20T10:00:00-06:00', outcome: 'removal_ordered' });
      // As stored under 2026.4: the deadlines open, then the events that end them under 2026.5 written around the API.
      const write = (id: string, type: string, occurredAt: string, data: object) =>
        t.db.query(`INSERT INTO case_events (id, case_id, type, occurred_at, data) VALUES (gen_random_uuid(), $1, $2, $3, $4)`, [id, type, occurredAt, JSON.stringify(data)]);
      await write(hearing, 'bond_decision', '2026-11-25', { outcome: 'denied' });
      await write(appeal, 'motion_decided', '2026-11-24', { issuedBy: 'ij', outcome: 'granted', motion: 'reconsider' });
      await write(neither, 'motion_decided', '2026-11-24', { issuedBy: 'ij', outcome: 'denied', motion: 'reconsider' });
      // A redetermination hearing 2026.4 ended by the decision of the hearing before it (dated before it): its deadline
      // superseded, and 2026.5 brings it back.
      await record(ended, { type: 'hearing_scheduled', occurredAt: '2026-11-20T15:00:00-06:00', hearingType: 'bond', scheduledAt: '2026-12-03T09:00:00-06:00' });
      await write(ended, 'bond_decision', '2026-11-21', { outcome: 'denied' });
      await t.db.query(`UPDATE deadlines SET superseded_at = $2 WHERE case_id = $1 AND rule = 'bond_hearing'`, [ended, clock.now()]);
      await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[hearing, appeal, neither, ended]]);
      await run(new BondDecisionAndGrantReviews1764003400000());
      const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at IS NOT NULL ORDER BY id`, [[hearing, appeal, neither, ended]]);
      expect(due.map((r: { id: string }) => r.id)).toEqual([hearing, appeal, ended].sort());
    });
  });

  it('1764003500000: open county-placed cases get their county keys again, read the new way, and a case now in a 287(g) county is reviewed', async () => {
    const [agreement] = await t.db.query(`SELECT state, county FROM agreements_287g WHERE jail_enforcement AND state = 'TX' ORDER BY county LIMIT 1`);
    const typed = `${agreement.county}, TX`; // as a volunteer may type it
    const created = await t.http.post('/api/cases').set(intake.auth)
      .send({ ...intakeBody(), custody: { status: 'local_jail', state: 'TX', county: typed, detainerLodged: false } }).expect(201);
    expect(created.body.flags.map((f: { code: string }) => f.code)).toContain('jail_287g');
    // As an earlier release stored it: the key of the whole text, which met no agreement.
    await t.db.query(`UPDATE cases SET county_key = 'STALEKEYTX', urgency_review_at = NULL WHERE id = $1`, [created.body.id]);
    await run(new CountyKeysRecomputed1764003500000());
    expect((await t.db.query(`SELECT county_key FROM cases WHERE id = $1`, [created.body.id]))[0].county_key).toBeNull();
    await t.app.get(CountyKeyBackfill).run();
    const [row] = await t.db.query(`SELECT county_key, urgency_review_at FROM cases WHERE id = $1`, [created.body.id]);
    expect(row.county_key).toBe((await t.db.query(`SELECT county_key FROM agreements_287g WHERE state = 'TX' AND county = $1 LIMIT 1`, [agreement.county]))[0].county_key);
    expect(row.urgency_review_at).toEqual(expect.any(Date));
  });
  it('1764006100000: an open case an older reading of its county left in its state\'s zone moves to its county\'s, its events with it; a zone sent by hand stays', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const jailed = { status: 'local_jail', state: 'TX', detainerLodged: true, releaseEligibleAt: new Date(Date.now() + 86_400_000).toISOString() };
    const elPaso = await create({ ...jailed, county: 'El Paso County Jail' });
    const chosen = await create({ ...jailed, county: 'Condado de El Paso', timeZone: 'America/Phoenix' });
    const harris = await create({ ...jailed, county: 'Harris' });
    const closed = await create({ ...jailed, county: 'El Paso Cnty' });
    await t.http.post(`/api/cases/${elPaso}/events`).set(coordinator.auth).send({ type: 'detainer_lodged', occurredAt: new Date().toISOString() }).expect(201);
    const ids = [elPaso, chosen, harris, closed];
    // As an older release placed El Paso typed this way: Texas's zone, its events read there.
    await t.db.query(`UPDATE cases SET time_zone = 'America/Chicago', urgency_review_at = NULL WHERE id = ANY($1) AND county <> 'Harris' AND time_zone = 'America/Denver'`, [ids]);
    await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "America/Chicago"}' WHERE case_id = $1`, [elPaso]);
    await t.db.query(`UPDATE deadlines SET time_zone = 'America/Chicago' WHERE case_id = $1`, [elPaso]);
    await t.db.query(`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = $1`, [closed]);
    await run(new CountyZonesReread1764006100000());
    await t.app.get(CountyKeyBackfill).run();
    const rows: { id: string; time_zone: string; county_key: string; due: boolean }[] = await t.db.query(
      `SELECT id, time_zone, county_key, urgency_review_at <= now() AS due FROM cases WHERE id = ANY($1)`, [ids]);
    const byId = Object.fromEntries(rows.map((r) => [r.id, [r.time_zone, r.county_key, r.due ?? false]]));
    expect(byId).toEqual({
      [elPaso]: ['America/Denver', 'ELPASO', true],
      [chosen]: ['America/Phoenix', 'ELPASO', false],
      [harris]: ['America/Chicago', 'HARRIS', false],
      [closed]: ['America/Chicago', 'ELPASO', false],
    });
    expect((await t.db.query(`SELECT data->>'timeZone' AS zone FROM case_events WHERE case_id = $1`, [elPaso])).map((e: { zone: string }) => e.zone)).toEqual(['America/Denver']);
    const trail = await t.db.query(`SELECT case_id, fields, details FROM audit_events WHERE action = 'case.update' AND case_id = ANY($1) AND actor_role = 'system'`, [ids]);
    expect(trail).toEqual([{ case_id: elPaso, fields: ['custody.timeZone'], details: { via: 'county_reread' } }]);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    const [hold] = await t.db.query(`SELECT time_zone FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [elPaso]);
    expect(hold.time_zone).toBe('America/Denver');
  });

  it('a case a request holds when the county re-reading comes to it is left for a later pass, which reads it', async () => {
    const id = (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'local_jail', state: 'TX', county: 'Tarrant' } }).expect(201)).body.id as string;
    await t.db.query(`UPDATE cases SET county_key = NULL WHERE id = $1`, [id]);
    const backfill = t.app.get(CountyKeyBackfill);
    const runner = t.db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [id]);
      await backfill.run();
      expect((await t.db.query(`SELECT county_key FROM cases WHERE id = $1`, [id]))[0].county_key).toBeNull();
      expect(await backfill.remaining()).toBe(true);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await backfill.run();
    expect((await t.db.query(`SELECT county_key FROM cases WHERE id = $1`, [id]))[0].county_key).toBe('TARRANT');
    expect(await backfill.remaining()).toBe(false);
  });

  it('1764006400000: an open case whose county was typed in full-width letters, kept in its state\'s zone by the re-reading before, moves to its county\'s', async () => {
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const jailed = { status: 'local_jail', state: 'TX', detainerLodged: true, releaseEligibleAt: new Date(Date.now() + 86_400_000).toISOString() };
    const wide = await create({ ...jailed, county: 'Ｅｌ Ｐａｓｏ' });
    const bare = await create({ ...jailed, county: 'El Paso', timeZone: 'America/Chicago' });
    // As the release before left it: its key read, its zone Texas's (the older releases read no county).
    await t.db.query(`UPDATE cases SET time_zone = 'America/Chicago', county_key = 'ELPASO', urgency_review_at = NULL WHERE id = $1`, [wide]);
    await run(new FullWidthCountiesReread1764006400000());
    await t.app.get(CountyKeyBackfill).run();
    const rows: { id: string; time_zone: string; county_key: string }[] = await t.db.query(`SELECT id, time_zone, county_key FROM cases WHERE id = ANY($1)`, [[wide, bare]]);
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.time_zone, r.county_key]]))).toEqual({
      [wide]: ['America/Denver', 'ELPASO'],
      // Typed bare beside a zone sent by hand: as it was.
      [bare]: ['America/Chicago', 'ELPASO'],
    });
    const trail = await t.db.query(`SELECT case_id, details FROM audit_events WHERE action = 'case.update' AND case_id = ANY($1) AND actor_role = 'system'`, [[wide, bare]]);
    expect(trail).toEqual([{ case_id: wide, details: { via: 'county_reread' } }]);
  });

  it('1764006500000: a case closed under an older reading of its county is read again at its reopen (zone, events, 287(g) key; a Tennessee one placed by its state, its events\' day zone); one closed since is not', async () => {
    const admin = await loginAdmin(t.http);
    const coordinator = await createUser(t.http, admin, 'coordinator');
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const jailed = { status: 'local_jail', state: 'TX', detainerLodged: true, releaseEligibleAt: new Date(Date.now() + 86_400_000).toISOString() };
    const elPaso = await create({ ...jailed, county: 'El Paso County Jail' });
    const tarrant = await create({ ...jailed, county: 'Tarrant County Jail' });
    const tennessee = await create({ status: 'released', state: 'TN' });
    await t.http.post(`/api/cases/${tennessee}/events`).set(coordinator.auth).send({ type: 'released', from: 'ice', occurredAt: new Date().toISOString() }).expect(201);
    await t.http.post(`/api/cases/${elPaso}/events`).set(coordinator.auth).send({ type: 'detainer_lodged', occurredAt: new Date().toISOString() }).expect(201);
    for (const id of [elPaso, tarrant, tennessee]) await t.http.post(`/api/cases/${id}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    // As a release before the re-readings closed them: El Paso in Texas's zone, its events read there; Tarrant's key the
    // whole text's, which met no agreement.
    await t.db.query(`UPDATE cases SET time_zone = 'America/Chicago' WHERE id = $1`, [elPaso]);
    await t.db.query(`UPDATE case_events SET data = data || '{"timeZone": "America/Chicago"}' WHERE case_id = $1`, [elPaso]);
    await t.db.query(`UPDATE cases SET county_key = 'TARRANTCOUNTYJAILTX' WHERE id = $1`, [tarrant]);
    // Placed by its state alone in Tennessee, closed before its events kept where their days are read (1764006000000).
    await t.db.query(`UPDATE case_events SET data = data - 'dayZone' WHERE case_id = $1`, [tennessee]);
    await run(new ClosedCountiesReadAtReopen1764006500000());
    // Closed since the upgrade, its zone sent by hand: its key kept, so a reopen leaves it as sent.
    const since = await create({ ...jailed, county: 'El Paso County Jail', timeZone: 'America/Chicago' });
    await t.http.post(`/api/cases/${since}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    // The start's re-reading passes over closed cases.
    expect(await t.app.get(CountyKeyBackfill).run()).toBe(0);

    for (const id of [elPaso, tarrant, since, tennessee]) await t.http.post(`/api/cases/${id}/reopen`).set(coordinator.auth).expect(200);
    expect((await t.db.query(`SELECT data->>'dayZone' AS zone FROM case_events WHERE case_id = $1`, [tennessee])).map((e: { zone: string }) => e.zone)).toEqual(['America/Chicago']);
    const rows: { id: string; time_zone: string; county_key: string }[] = await t.db.query(`SELECT id, time_zone, county_key FROM cases WHERE id = ANY($1)`, [[elPaso, tarrant, since]]);
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.time_zone, r.county_key]]))).toEqual({
      [elPaso]: ['America/Denver', 'ELPASO'],
      [tarrant]: ['America/Chicago', 'TARRANT'],
      [since]: ['America/Chicago', 'ELPASO'],
    });
    expect((await t.db.query(`SELECT data->>'timeZone' AS zone FROM case_events WHERE case_id = $1`, [elPaso])).map((e: { zone: string }) => e.zone)).toEqual(['America/Denver']);
    const [hold] = await t.db.query(`SELECT time_zone FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [elPaso]);
    expect(hold.time_zone).toBe('America/Denver');
    const trail: { case_id: string; fields: string[] }[] = await t.db.query(
      `SELECT case_id, fields FROM audit_events WHERE action = 'case.reopen' AND case_id = ANY($1)`, [[elPaso, tarrant, since]]);
    expect(Object.fromEntries(trail.map((a) => [a.case_id, a.fields]))).toEqual({ [elPaso]: ['custody.timeZone'], [tarrant]: [], [since]: [] });
    const flagged = await t.http.get(`/api/cases/${tarrant}`).set(coordinator.auth).expect(200);
    expect(flagged.body.flags.map((f: { code: string }) => f.code)).toContain('jail_287g');
  });

  it('1764003600000: open cases with two bond hearing settings, or (while a jail may hold them) a release-eligible time and a release or transfer, or a detainer lodged and lifted, are due for review', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const jail = { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: '2026-11-06T10:00:00-06:00' };
    const [moved, once, rebooked, neverReleased, relodged] = [
      // The last one stated without a detainer: a lift before a statement of one is refused (EVENT_BEFORE_CUSTODY_STATED).
      // The third not stated (unknown) at intake: a release before a statement of a jail is refused.
      await create({ status: 'ice_detention', state: 'TX' }), await create({ status: 'ice_detention', state: 'TX' }), await create({ ...jail, status: 'unknown' }),
      await create(jail), await create({ ...jail, detainerLodged: false }),
    ];
    const record = (id: string, body: object) => t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body).expect(201);
    const setting = { type: 'hearing_scheduled', hearingType: 'bond', scheduledAt: '2026-12-15T13:00:00-06:00' };
    await record(moved, { ...setting, occurredAt: '2026-11-20T08:00:00-06:00' });
    await record(moved, { ...setting, occurredAt: '2026-11-21' });
    await record(once, { ...setting, occurredAt: '2026-11-20T08:00:00-06:00' });
    // Released, then booked again (the custody corrected back to the jail).
    await record(rebooked, { type: 'released', occurredAt: '2026-11-07', from: 'jail' });
    await t.http.patch(`/api/cases/${rebooked}`).set(coordinator.auth).send({ custody: { status: 'local_jail' } }).expect(200);
    await record(relodged, { type: 'detainer_lifted', occurredAt: '2026-11-20T10:00:00-06:00' });
    await record(relodged, { type: 'detainer_lodged', occurredAt: '2026-11-20' });
    const ids = [moved, once, rebooked, neverReleased, relodged];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await run(new HearingNoticesAndRebookingReviews1764003600000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at IS NOT NULL ORDER BY id`, [ids]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([moved, rebooked, relodged].sort());
  });
  it('1764004100000: the custody is taken as stated when the case was opened where no event changed it since', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const jail = { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true };
    const [untouched, released, lifted, notHeld, unknown] = [
      await create(jail), await create(jail), await create({ ...jail, detainerLodged: false }), await create({ status: 'not_detained', state: 'TX' }),
      await create({ status: 'unknown', state: 'TX' }),
    ];
    const today = new Date().toLocaleDateString('en-CA', { timeZone: 'America/Chicago' }); // the cases' day (Harris County)
    await t.http.post(`/api/cases/${released}/events`).set(coordinator.auth).send({ type: 'released', occurredAt: today, from: 'jail' }).expect(201);
    await t.http.post(`/api/cases/${lifted}/events`).set(coordinator.auth).send({ type: 'detainer_lodged', occurredAt: today }).expect(201);
    await t.db.query(`ALTER TABLE cases DROP COLUMN custody_stated_at, DROP COLUMN detainer_stated_at`);
    await run(new CustodyStatements1764004100000());
    const rows = await t.db.query(
      `SELECT id, custody_stated_at = created_at AS custody, detainer_stated_at = created_at AS detainer FROM cases WHERE id = ANY($1)`,
      [[untouched, released, lifted, notHeld, unknown]],
    );
    const of = (id: string) => rows.find((r: { id: string }) => r.id === id);
    expect([of(untouched), of(released), of(lifted), of(notHeld), of(unknown)]).toEqual([
      { id: untouched, custody: true, detainer: true },
      // An event changed it: what the row holds is not only what was stated.
      { id: released, custody: null, detainer: true },
      { id: lifted, custody: true, detainer: null },
      { id: notHeld, custody: true, detainer: null },
      { id: unknown, custody: null, detainer: null },
    ]);
  });

  it('1764004500000: open cases with a missed deadline are due for the urgency review, and a case missed long ago is high', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
    const [old, none] = [await create(), await create()];
    await t.http.post(`/api/cases/${old}/events`).set(coordinator.auth).send({ type: 'entered_us', occurredAt: '2016-05-03', manner: 'ewi' }).expect(201);
    // As the old grading stored it: critical, with nothing ahead to review.
    await t.db.query(`UPDATE cases SET urgency_level = 'critical', urgency_review_at = NULL WHERE id = ANY($1)`, [[old, none]]);
    await run(new MissedDeadlineReviews1764004500000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [[old, none]]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([old]);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect((await t.db.query(`SELECT urgency_level FROM cases WHERE id = $1`, [old]))[0].urgency_level).not.toBe('critical');
  });

  it('1764004600000: open cases in ICE detention with a release from ICE recorded are due for review, and lose the request after release', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
    const [redetained, stillOut] = [await create(), await create()];
    // Seconds ago, the intake's day (an earlier day's release would contradict its statement of the custody).
    const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const id of [redetained, stillOut]) {
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'released', occurredAt: secondsAgo(20), from: 'ice' }).expect(201);
    }
    await t.http.post(`/api/cases/${redetained}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: secondsAgo(10), facilityCode: 'HOUICDF' }).expect(201);
    const request = async (id: string) => (await t.db.query(
      `SELECT status FROM deadlines WHERE case_id = $1 AND rule = 'bond_request_after_release' AND superseded_at IS NULL`, [id])).map((r: { status: string }) => r.status);
    expect(await request(redetained)).toEqual([]); // computed under 2026.7 already
    expect(await request(stillOut)).toEqual(['open']);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [[redetained, stillOut]]);
    await run(new RedetentionReviews1764004600000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [[redetained, stillOut]]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([redetained]);
  });

  it('1764004700000: open cases are ordered by their next deadline, and those with a missed one are due for review, which orders them by it', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const held = (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: {
      status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true, releaseEligibleAt: eightDaysAgo } }).expect(201)).body.id as string;
    const hearing = async (inMs: number) => {
      const id = (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({
        // Set two days ago (a hearing is set before its time).
        type: 'hearing_scheduled', occurredAt: new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'), hearingType: 'bond',
        scheduledAt: new Date(Date.now() + inMs).toISOString().replace(/\.\d+Z$/, 'Z') }).expect(201);
      return id;
    };
    const heard = await hearing(2 * 86_400_000);
    // A hearing an hour ago, in its grace: ordered by the end of the grace, which the next deadline is not.
    const inGrace = await hearing(-3600_000);
    // As a case was before the column: no order, and a review time only where something ahead will change.
    await t.db.query(`UPDATE cases SET urgency_order_at = NULL, urgency_review_at = NULL WHERE id = ANY($1)`, [[held, heard, inGrace]]);
    await run(new UrgencyOrder1764004700000());
    const rows = async () => Object.fromEntries((await t.db.query(
      `SELECT id, urgency_order_at, next_deadline_at, urgency_review_at <= now() AS due FROM cases WHERE id = ANY($1)`, [[held, heard, inGrace]]))
      .map((r: { id: string }) => [r.id, r]));
    const before = await rows();
    expect(before[heard]).toMatchObject({ urgency_order_at: before[heard].next_deadline_at, due: null });
    expect(before[heard].urgency_order_at).not.toBeNull();
    // The held case, whose only deadline is its missed hold, is ordered at once (not when the review's backlog reaches it).
    const [{ due_at: holdDueAt }] = await t.db.query(`SELECT due_at FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [held]);
    expect(before[held]).toMatchObject({ urgency_order_at: holdDueAt, due: true });
    expect(before[inGrace]).toMatchObject({ due: true });
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect((await rows())[inGrace].urgency_order_at.getTime()).toBe(before[inGrace].next_deadline_at.getTime() + 24 * 3600_000);
    const [{ due_at: holdDue }] = await t.db.query(`SELECT due_at FROM deadlines WHERE case_id = $1 AND rule = 'detainer_hold' AND superseded_at IS NULL`, [held]);
    expect((await rows())[held].urgency_order_at).toEqual(holdDue);
  });

  it('1764004800000: open cases with a bond hearing open or missed and a release from ICE recorded are due for review, and lose the hearing', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
    const [released, held, missed] = [await create(), await create(), await create()];
    const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const id of [released, held, missed]) {
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({
        type: 'hearing_scheduled', occurredAt: secondsAgo(30), hearingType: 'bond', scheduledAt: new Date(Date.now() + 5 * 86_400_000).toISOString() }).expect(201);
    }
    for (const id of [released, missed]) {
      await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'released', occurredAt: secondsAgo(20), from: 'ice' }).expect(201);
    }
    // As 2026.7 left them: the hearing open beside the release, or already swept missed (and the case critical).
    await t.db.query(`UPDATE deadlines SET superseded_at = NULL, status = 'open' WHERE case_id = $1 AND rule = 'bond_hearing'`, [released]);
    await t.db.query(`UPDATE deadlines SET superseded_at = NULL, status = 'missed' WHERE case_id = $1 AND rule = 'bond_hearing'`, [missed]);
    const ids = [released, held, missed];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await run(new ReleasedHearingReviews1764004800000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(new Set(due.map((r: { id: string }) => r.id))).toEqual(new Set([released, missed]));
    await t.app.get(DeadlineJobsService).reviewUrgency();
    // The open hearing goes; the missed one stays on the record (history), and no longer makes the case urgent.
    expect(await t.db.query(`SELECT 1 FROM deadlines WHERE case_id = $1 AND rule = 'bond_hearing' AND superseded_at IS NULL`, [released])).toEqual([]);
    const [{ urgency_reasons: reasons }] = await t.db.query(`SELECT urgency_reasons FROM cases WHERE id = $1`, [missed]);
    expect(reasons.filter((r: string) => /Bond hearing/.test(r))).toEqual([]);
  });

  it('1764005500000: open cases with two bond decisions are due for review, and get the earlier decision\'s appeal back', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
    const [twice, once, closed, longAgo] = [await create(), await create(), await create(), await create()];
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const decide = async (id: string, days: number) =>
      (await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ type: 'bond_decision', occurredAt: daysAgo(days), outcome: 'denied' }).expect(201)).body;
    await decide(twice, 10);
    await decide(twice, 2);
    await decide(once, 10);
    await decide(closed, 10);
    await decide(closed, 2);
    await decide(longAgo, 400);
    await decide(longAgo, 390);
    await t.http.post(`/api/cases/${closed}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    // As 2026.8 left them: the latest decision's appeal alone.
    const [{ id: first }] = await t.db.query(`SELECT id FROM case_events WHERE case_id = $1 AND type = 'bond_decision' ORDER BY occurred_at LIMIT 1`, [twice]);
    await t.db.query(`UPDATE deadlines SET superseded_at = now() WHERE case_id = $1 AND trigger_event_id = $2`, [twice, first]);
    // A year ago: the first appeal written then, open, and superseded by the second decision ten days later.
    const [{ id: oldFirst }] = await t.db.query(`SELECT id FROM case_events WHERE case_id = $1 AND type = 'bond_decision' ORDER BY occurred_at LIMIT 1`, [longAgo]);
    await t.db.query(
      `UPDATE deadlines SET superseded_at = now(), status = 'open', status_changed_at = NULL, created_at = now() - interval '400 days'
        WHERE case_id = $1 AND trigger_event_id = $2`, [longAgo, oldFirst]);
    await t.db.query(`DELETE FROM notifications WHERE case_id = $1`, [longAgo]);
    const ids = [twice, once, closed, longAgo];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await run(new BondDecisionReviews1764005500000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(new Set(due.map((r: { id: string }) => r.id))).toEqual(new Set([twice, longAgo]));
    await t.app.get(DeadlineJobsService).reviewUrgency();
    const appeals = await t.db.query(
      `SELECT trigger_event_id, status, rule_version FROM deadlines WHERE case_id = $1 AND rule = 'bond_appeal' AND superseded_at IS NULL ORDER BY due_at`, [twice]);
    expect(appeals).toEqual([
      // Under the rule set in force now (the app's clock is the wall clock here).
      { trigger_event_id: first, status: 'open', rule_version: ruleSetFor(new Date()).version },
      expect.objectContaining({ status: 'open' }),
    ]);
    // The appeal of a year ago comes back as what it is, missed long ago: on the record, not emailed as news.
    const [old] = await t.db.query(`SELECT status FROM deadlines WHERE case_id = $1 AND trigger_event_id = $2 AND superseded_at IS NULL`, [longAgo, oldFirst]);
    expect(old.status).toBe('missed');
    expect(await t.db.query(`SELECT kind FROM notifications WHERE case_id = $1 AND kind = 'deadline.missed'`, [longAgo])).toEqual([]);
  });

  it('1764006600000: open cases with two one-a-day entries, one read where its day is uncertain, or with a DACA window open or missed, are due for review; a critical DACA case is high after it', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async (custody: object) => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const [nashville, harris, daca] = [await create({ status: 'released', state: 'TN', county: 'Nashville' }), await create({ status: 'released', state: 'TX', county: 'Harris' }), await create({ status: 'released', state: 'TX' })];
    const record = (id: string, body: object) => t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body).expect(201);
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
    for (const id of [nashville, harris]) {
      await record(id, { type: 'address_changed', occurredAt: daysAgo(2) });
      await record(id, { type: 'address_changed', occurredAt: daysAgo(1) });
    }
    // A DACA expiring in 110 days: its window (closing 120 days before) missed ten days ago, graded critical before.
    await record(daca, { type: 'daca_expires', occurredAt: new Date(Date.now() + 110 * 86_400_000).toISOString().slice(0, 10) });
    await t.db.query(`UPDATE deadlines SET status = 'missed' WHERE case_id = $1 AND rule = 'daca_renewal'`, [daca]);
    const ids = [nashville, harris, daca];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL, urgency_level = CASE WHEN id = $2 THEN 'critical' ELSE urgency_level END WHERE id = ANY($1)`, [ids, daca]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM case_events WHERE case_id = $1 AND data ? 'dayZone'`, [nashville]))[0].n).toBe(2);
    await run(new CountedDayReviews1764006600000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(new Set(due.map((r: { id: string }) => r.id))).toEqual(new Set([nashville, daca]));
    await t.app.get(DeadlineJobsService).reviewUrgency();
    expect((await t.db.query(`SELECT urgency_level FROM cases WHERE id = $1`, [daca]))[0].urgency_level).toBe('high');
  });

  it('1764006700000: open cases with a release-eligible time and a release or transfer recorded are due for review; others, closed ones and retracted entries are not', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true } }).expect(201)).body.id as string;
    const [rebooked, eligibleOnly, retracted, closed] = [await create(), await create(), await create(), await create()];
    const record = async (id: string, body: object) => {
      const res = await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send(body);
      expect([res.status, res.body.message]).toEqual([201, undefined]);
      return res.body.event.id as string;
    };
    // Today in Harris County (a release before the intake stated the custody would contradict it).
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(new Date());
    for (const id of [rebooked, eligibleOnly, retracted, closed]) await record(id, { type: 'release_eligible', occurredAt: `${day}T00:30:00-06:00` });
    for (const id of [rebooked, closed]) await record(id, { type: 'released', from: 'jail', occurredAt: day });
    const wrong = await record(retracted, { type: 'transferred', facilityCode: 'ELZICDF', occurredAt: day });
    await t.http.post(`/api/cases/${retracted}/events/${wrong}/retract`).set(coordinator.auth).expect(200);
    await t.http.post(`/api/cases/${closed}/close`).set(coordinator.auth).send({ outcome: 'other' }).expect(200);
    const ids = [rebooked, eligibleOnly, retracted, closed];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await run(new SameDayRebookingReviews1764006700000());
    // Due once 2026.13 is in force (at once, after it took effect).
    const due = await t.db.query(
      `SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= GREATEST(now(), timestamptz '2026-11-28 00:00:00 America/New_York')`, [ids]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([rebooked]);
    // Not before 2026.13's start (a review then would count under 2026.12).
    const [{ early }] = await t.db.query(
      `SELECT count(*)::int AS early FROM cases WHERE id = $1 AND urgency_review_at < timestamptz '2026-11-28 00:00:00 America/New_York'`, [rebooked]);
    expect(early).toBe(0);
  });

  it('1764005700000: open cases with a ruling on a motion entered twice are due for review, and keep one deadline, filed when either was', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    const create = async () => (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody: { status: 'ice_detention', state: 'TX' } }).expect(201)).body.id as string;
    const [twice, once] = [await create(), await create()];
    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10);
    const ruling = { type: 'motion_decided', issuedBy: 'bia', outcome: 'denied', motion: 'reopen' };
    const record = async (id: string, occurredAt: string) =>
      (await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth).send({ ...ruling, occurredAt }).expect(201)).body.event.id as string;
    const byDate = await record(twice, day);
    // The other motion's ruling that day: a petition of its own, open (not the one to take the filing).
    const reconsider = (await t.http.post(`/api/cases/${twice}/events`).set(coordinator.auth).send({ ...ruling, motion: 'reconsider', occurredAt: day }).expect(201)).body.event.id as string;
    const withTime = await record(twice, `${day}T15:00:00Z`);
    await record(once, day);
    // As 2026.9 left them: a petition for each entry, the first marked filed.
    await t.db.query(
      `UPDATE deadlines SET superseded_at = NULL, status = 'met', status_note = 'Petition filed', status_changed_by = $3, status_changed_at = now()
        WHERE case_id = $1 AND trigger_event_id = $2 AND rule = 'petition_for_review_of_motion'`, [twice, byDate, coordinator.userId]);
    const petitions = () => t.db.query(
      `SELECT trigger_event_id, status, status_note FROM deadlines WHERE case_id = $1 AND rule = 'petition_for_review_of_motion' AND superseded_at IS NULL
        AND trigger_event_id <> $2 ORDER BY trigger_event_id = $3`, [twice, reconsider, withTime]);
    const reconsidered = async () => (await t.db.query(
      `SELECT status FROM deadlines WHERE case_id = $1 AND trigger_event_id = $2 AND superseded_at IS NULL`, [twice, reconsider])).map((r: { status: string }) => r.status);
    expect(await petitions()).toEqual([
      { trigger_event_id: byDate, status: 'met', status_note: 'Petition filed' },
      { trigger_event_id: withTime, status: 'open', status_note: null },
    ]);
    expect(await reconsidered()).toEqual(['open']);
    const ids = [twice, once];
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await run(new DuplicateRulingReviews1764005700000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(due.map((r: { id: string }) => r.id)).toEqual([twice]);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    // One petition, the entry counted now's, filed as its twin was: not left open to be swept missed.
    expect(await petitions()).toEqual([{ trigger_event_id: withTime, status: 'met', status_note: 'Petition filed' }]);
    expect(await reconsidered()).toEqual(['open']);
  });

  it('1764005800000: a release on request before the reason was kept takes it from its audit event (a conflict then bars the attorney)', async () => {
    const first = await offered({ firstName: 'Soltada', lastName: `Ejemplo${Date.now()}` });
    await t.http.post(`/api/referrals/${first.offer.body.id}/accept`).set(first.attorney.auth).expect(200);
    await t.http.post(`/api/cases/${first.c.body.id}/release`).set(first.attorney.auth).send({ reason: 'conflict' }).expect(204);
    const second = await offered({ firstName: 'Dejada', lastName: `Ejemplo${Date.now()}` });
    await t.http.post(`/api/referrals/${second.offer.body.id}/accept`).set(second.attorney.auth).expect(200);
    await t.http.post(`/api/cases/${second.c.body.id}/release`).set(second.coordinator.auth).send({ reason: 'capacity' }).expect(204);
    // A third, released for a conflict and then given back to that attorney by name, who accepted it again (as the
    // release before allowed): the conflict had been cleared, and is not taken from the trail.
    const third = await offered({ firstName: 'Devuelta', lastName: `Ejemplo${Date.now()}` });
    await t.http.post(`/api/referrals/${third.offer.body.id}/accept`).set(third.attorney.auth).expect(200);
    await t.http.post(`/api/cases/${third.c.body.id}/release`).set(third.coordinator.auth).send({ reason: 'conflict' }).expect(204);
    await t.db.query(`UPDATE referrals SET release_reason = NULL WHERE id = $1`, [third.offer.body.id]);
    const again = await t.http.post(`/api/cases/${third.c.body.id}/referrals`).set(third.coordinator.auth).send({ attorneyId: third.attorney.userId }).expect(201);
    await t.http.post(`/api/referrals/${again.body.id}/accept`).set(third.attorney.auth).expect(200);
    // Released again, for another reason: that release takes its own event's reason, not the first one's.
    await t.http.post(`/api/cases/${third.c.body.id}/release`).set(third.attorney.auth).send({ reason: 'capacity' }).expect(204);
    const ids = [first.offer.body.id, second.offer.body.id, third.offer.body.id, again.body.id];
    // As stored before: the reason in the audit trail only.
    await t.db.query(`UPDATE referrals SET release_reason = NULL WHERE id = ANY($1)`, [ids]);
    const named = () => t.http.post(`/api/cases/${first.c.body.id}/referrals`).set(first.coordinator.auth).send({ attorneyId: first.attorney.userId });
    const before = await named().expect(201);
    await t.http.post(`/api/referrals/${before.body.id}/withdraw`).set(first.coordinator.auth).expect(200);
    await t.db.query(`ALTER TABLE referrals DROP COLUMN release_reason`);
    await run(new ReleaseReasons1764005800000());
    const reasons = await t.db.query(`SELECT id, release_reason FROM referrals WHERE id = ANY($1)`, [ids]);
    expect(Object.fromEntries(reasons.map((r: { id: string; release_reason: string }) => [r.id, r.release_reason])))
      .toEqual({ [first.offer.body.id]: 'conflict', [second.offer.body.id]: 'capacity', [third.offer.body.id]: null, [again.body.id]: 'capacity' });
    expect((await named().expect(422)).body.message).toMatch(/conflict of interest/);
  });

  it('1764005900000: open cases in unknown custody with a detainer are due for review, and read as detained without counsel', async () => {
    const create = async (custody: object) =>
      (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
    const held = await create({ status: 'unknown', state: 'TX', detainerLodged: true });
    const inIce = await create({ status: 'ice_detention', state: 'TX' });
    // In unknown custody with no detainer, or in a jail with one (2026.10 counted that already): nothing 2026.11
    // changes, not queued ahead of those it does.
    const unknown = await create({ status: 'unknown', state: 'TX' });
    const jailed = await create({ status: 'local_jail', state: 'TX', county: 'Harris', detainerLodged: true });
    // A detainer recorded as an event only (the column as an older release left it), and one whose review was due.
    const byEvent = await create({ status: 'unknown', state: 'TX' });
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    await t.http.post(`/api/cases/${byEvent}/events`).set(coordinator.auth).send({ type: 'detainer_lodged', occurredAt: new Date().toISOString() }).expect(201);
    const overdue = await create({ status: 'unknown', state: 'TX', detainerLodged: true });
    const ids = [held, inIce, unknown, jailed, byEvent, overdue];
    // As 2026.10 left them: no flag, low.
    await t.db.query(`UPDATE cases SET flags = '[]', urgency_level = 'low', urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await t.db.query(`UPDATE cases SET detainer_lodged = false WHERE id = $1`, [byEvent]);
    await t.db.query(`UPDATE cases SET urgency_review_at = now() - interval '1 hour' WHERE id = $1`, [overdue]);
    const [{ urgency_review_at: wasDue }] = await t.db.query(`SELECT urgency_review_at FROM cases WHERE id = $1`, [overdue]);
    await run(new UnknownCustodyDetainerReviews1764005900000());
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(new Set(due.map((r: { id: string }) => r.id))).toEqual(new Set([held, byEvent, overdue]));
    // A review already overdue keeps its place.
    expect((await t.db.query(`SELECT urgency_review_at FROM cases WHERE id = $1`, [overdue]))[0].urgency_review_at).toEqual(wasDue);
    await t.app.get(DeadlineJobsService).reviewUrgency();
    const [row] = await t.db.query(`SELECT urgency_level, flags FROM cases WHERE id = $1`, [held]);
    expect([row.urgency_level, row.flags.map((f: { code: string }) => f.code)]).toEqual(['high', expect.arrayContaining(['detained_without_counsel'])]);
  });

  it('1764006000000 and 1764006100000: the events of open cases at a place in Tennessee or Oregon it cannot put in a zone read their days where the day starts last, and the cases are recounted', async () => {
    const coordinator = await createUser(t.http, await loginAdmin(t.http), 'coordinator');
    // Two evenings ago, 11:30 PM in Nashville: its bond request deadline is ahead (open, so a review recounts it).
    const evening = new Date(Date.now() - 2 * 86_400_000).toLocaleDateString('en-CA', { timeZone: 'America/Chicago' });
    const create = async (custody: object, released = true) => {
      const id = (await t.http.post('/api/cases').set(intake.auth).send({ ...intakeBody(), custody }).expect(201)).body.id as string;
      if (released) {
        await t.http.post(`/api/cases/${id}/events`).set(coordinator.auth)
          .send({ type: 'released', occurredAt: `${evening}T23:30:00-06:00`, from: 'ice' }).expect(201);
      }
      return id;
    };
    const tennessee = await create({ status: 'released', state: 'TN' });
    const nashville = await create({ status: 'released', state: 'TN', county: 'Nashville' });
    const portland = await create({ status: 'released', state: 'OR', county: 'Portland' });
    // Placed (a county on the tables), or with nothing recorded to count from: not queued.
    const davidson = await create({ status: 'released', state: 'TN', county: 'Davidson' });
    const oregon = await create({ status: 'released', state: 'OR' }, false);
    const ids = [tennessee, nashville, portland, davidson, oregon];
    const bondRequest = async (id: string) => ((await t.db.query(
      `SELECT due_at FROM deadlines WHERE case_id = $1 AND rule = 'bond_request_after_release' AND superseded_at IS NULL`, [id]))[0].due_at as Date).getTime();
    // The same day in Davidson County, counted to Central midnight: an hour later than at an uncertain place.
    const right = (await bondRequest(davidson)) - 3_600_000;
    for (const id of [tennessee, nashville]) expect(await bondRequest(id)).toBe(right);
    // As the earlier release left them: no day zone with the events, the day read in Eastern time, the next.
    await t.db.query(`UPDATE case_events SET data = data - 'dayZone' WHERE case_id = ANY($1)`, [ids]);
    await t.db.query(`UPDATE cases SET urgency_review_at = NULL WHERE id = ANY($1)`, [ids]);
    await t.db.query(`UPDATE deadlines SET due_at = due_at + interval '1 day' WHERE case_id = ANY($1) AND rule = 'bond_request_after_release'`, [[tennessee, nashville]]);
    await run(new UncertainPlaceReviews1764006000000());
    await run(new CountyZonesReread1764006100000());
    await t.app.get(CountyKeyBackfill).run();
    const due = await t.db.query(`SELECT id FROM cases WHERE id = ANY($1) AND urgency_review_at <= now()`, [ids]);
    expect(new Set(due.map((r: { id: string }) => r.id))).toEqual(new Set([tennessee, nashville, portland]));
    const dayZones = await t.db.query(`SELECT case_id, data->>'dayZone' AS zone FROM case_events WHERE case_id = ANY($1)`, [ids]);
    expect(Object.fromEntries(dayZones.map((e: { case_id: string; zone: string | null }) => [e.case_id, e.zone]))).toEqual({
      [tennessee]: 'America/Chicago', [nashville]: 'America/Chicago', [portland]: 'America/Los_Angeles', [davidson]: null,
    });
    await t.app.get(DeadlineJobsService).reviewUrgency();
    for (const id of [tennessee, nashville]) expect(await bondRequest(id)).toBe(right);
  });

  it('1764004300000: the purge finds a case\'s stored answers by an index, not by reading every intake\'s key', async () => {
    const plan = await t.db.transaction(async (tx) => {
      // The planner reads a small table whole whatever its indexes: the question is whether one can serve this.
      await tx.query('SET LOCAL enable_seqscan = off');
      return (await tx.query(
        `EXPLAIN UPDATE idempotency_keys SET response = NULL, request_hash = '\\x' WHERE case_id = '00000000-0000-4000-8000-000000000001'`,
      )).map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toContain('idempotency_keys_case_idx');
  });
  it('1764005100000: addresses stored with an invisible character or accents decomposed are rewritten, unless an account has that form already', async () => {
    const admin = await loginAdmin(t.http);
    const stamp = Date.now();
    const [a, b, c] = [await createUser(t.http, admin, 'intake'), await createUser(t.http, admin, 'intake'), await createUser(t.http, admin, 'intake')];
    // As stored before: trimmed and lower-cased only.
    const stored = { [a.userId]: `ana-${stamp}@example.org\u200b`, [b.userId]: `jose\u0301-${stamp}@example.org`, [c.userId]: `\u202eana-${stamp}@example.org` };
    for (const [id, email] of Object.entries(stored)) await t.db.query(`UPDATE users SET email = $2, created_at = now() - interval '1 day' + make_interval(secs => $3) WHERE id = $1`, [id, email, id === c.userId ? 1 : 0]);
    const runner = t.db.createQueryRunner();
    try {
      await new CanonicalEmails1764005100000().up(runner);
    } finally {
      await runner.release();
    }
    const emails = Object.fromEntries((await t.db.query(`SELECT id, email FROM users WHERE id = ANY($1)`, [[a.userId, b.userId, c.userId]])).map((u: { id: string; email: string }) => [u.id, u.email]));
    // The first look-alike takes the canonical form; the second keeps its own (the operator decides), and signs in as stored.
    expect(emails).toEqual({ [a.userId]: `ana-${stamp}@example.org`, [b.userId]: `jos\u00e9-${stamp}@example.org`, [c.userId]: stored[c.userId] });
    await t.http.post('/api/auth/login').send({ email: `ana-${stamp}@example.org`, password: a.password }).expect(200);
    await t.http.post('/api/auth/login').send({ email: `JOSÉ-${stamp}@example.org`, password: b.password }).expect(200);
    await t.http.post('/api/auth/login').send({ email: stored[c.userId], password: c.password }).expect(200);
  });
});
