import { chainFor } from '@amparo/audit';
import { KeyRotationService } from '@amparo/cases';
import { TestApp, createTestApp, untilBlockedBy } from './support/test-app';
import { attorneyProfile, routingTeam } from './support/attorneys';
import { routableBody } from './support/cases';
import { Session, createUser, login, withoutCoordinators } from './support/users';

/**
 * Accepting an offer opens the client's record to the attorney, so consent and the conflict check must hold when the
 * attorney accepts, not only when the offer was made: a correction of the intake can withdraw consent or name a new
 * adverse party, and the attorney can take another case in the meantime.
 */
describe('an open offer after the case or the attorney changed (e2e)', () => {
  let t: TestApp;
  let coordinator: Session;
  let intake: Session;
  let attorney: Session;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp();
    ({ admin, coordinator, intake, attorney } = await routingTeam(t.http));
  });
  afterAll(() => t.close());

  /** A case for the attorney's profile (Spanish, detention bond, Texas), offered to them by the coordinator. */
  async function offered(client: { firstName: string; lastName: string }, extra: Record<string, unknown> = {}) {
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client, extra)).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    return { caseId: c.body.id as string, referralId: offer.body.id as string };
  }
  /** Another attorney of the organization, with this profile. */
  async function newAttorney(profile: Record<string, unknown>) {
    const other = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile(profile)).expect(200);
    return other;
  }
  const accept = (referralId: string) => t.http.post(`/api/referrals/${referralId}/accept`).set(attorney.auth);
  const caseStatus = async (caseId: string) => (await t.db.query(`SELECT status FROM cases WHERE id = $1`, [caseId]))[0].status;
  const withdrawals = (caseId: string) =>
    t.db.query(`SELECT details->>'why' AS why FROM audit_events WHERE case_id = $1 AND action = 'referral.withdraw'`, [caseId]);

  it('consent withdrawn by a correction: the offer is withdrawn, the case is new again, and accepting is refused', async () => {
    const { caseId, referralId } = await offered({ firstName: 'Consuelo', lastName: 'Retractada' });
    await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    expect(await caseStatus(caseId)).toBe('new');
    expect(await withdrawals(caseId)).toEqual([{ why: 'NO_CONSENT' }]);
    // The coordinators are told (nothing else would notice: no job offers a new case), with no client data.
    const told = await t.db.query(`SELECT recipient_id, subject, body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [caseId]);
    expect(told.map((n: { recipient_id: string }) => n.recipient_id)).toContain(coordinator.userId);
    expect(told[0].body).toMatch(/consent .* was withdrawn/);
    expect(JSON.stringify(told)).not.toMatch(/Consuelo|Retractada/);
    const res = await accept(referralId);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('REFERRAL_NOT_OPEN');
    expect((await t.http.get(`/api/cases/${caseId}`).set(attorney.auth)).status).toBe(404);
  });

  it('consent withdrawn and given again: the attorney whose offer the system withdrew may be offered the case again', async () => {
    const sole = await newAttorney({ languages: ['ixl'], maxActiveCases: 20 });
    const body = routableBody({ firstName: 'Consentida', lastName: 'Ejemplo' });
    const c = await t.http.post('/api/cases').set(intake.auth).send({ ...body, client: { ...body.client, preferredLanguage: 'ixl' } }).expect(201);
    const route = () => t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({});
    expect((await route().expect(201)).body.attorneyId).toBe(sole.userId);
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: false } }).expect(200);
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ consent: { shareWithAttorney: true } }).expect(200);
    expect((await route().expect(201)).body.attorneyId).toBe(sole.userId);
  });

  it('an adverse party added by a correction who is the attorney\'s client: the offer is withdrawn', async () => {
    const mine = await offered({ firstName: 'Benedicta', lastName: 'Ejemplar' });
    await accept(mine.referralId).expect(200);
    const { caseId, referralId } = await offered({ firstName: 'Other', lastName: 'Cliente' });
    await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Benedicta Ejemplar' }] }).expect(200);
    expect(await caseStatus(caseId)).toBe('new');
    expect(await withdrawals(caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
    expect((await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [caseId]))[0].body).toMatch(/conflict of interest/);
    expect((await accept(referralId)).status).toBe(409);
  });

  it('an adverse party added to one of a client\'s intakes who is the attorney\'s client: the offer of the client\'s other intake is withdrawn', async () => {
    const mine = await offered({ firstName: 'Gertrudis', lastName: 'Vecina' });
    await accept(mine.referralId).expect(200);
    const pedro = { firstName: 'Pedrito', lastName: 'Dosveces', dateOfBirth: '1984-03-09', preferredLanguage: 'spa' };
    const first = await offered(pedro, { client: pedro });
    await t.http.post(`/api/referrals/${first.referralId}/withdraw`).set(coordinator.auth).expect(200);
    // His second intake, offered to the attorney; then the first one names Gertrudis as the other side.
    const second = await offered(pedro, { client: pedro });
    await t.http.patch(`/api/cases/${first.caseId}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Gertrudis Vecina' }] }).expect(200);
    expect(await caseStatus(second.caseId)).toBe('new');
    expect(await withdrawals(second.caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
    const [withdrawal] = await t.db.query(`SELECT actor_role FROM audit_events WHERE case_id = $1 AND action = 'referral.withdraw'`, [second.caseId]);
    expect(withdrawal.actor_role).toBe('system');
    expect((await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [second.caseId]))[0].body).toMatch(/conflict of interest/);
    expect((await accept(second.referralId)).status).toBe(409);
    // The attorney's room back for the tests after (their profile takes 20 cases).
    await t.http.post(`/api/cases/${mine.caseId}/release`).set(coordinator.auth).send({ reason: 'other' }).expect(204);
  });

  it('an intake volunteer reads their case as new until an attorney accepts it: a name they add that bars the offered attorney tells them nothing', async () => {
    const mine = await offered({ firstName: 'Oraculina', lastName: 'Reservada' });
    await accept(mine.referralId).expect(200);
    // Two of the volunteer's cases offered to the attorney: one corrected to name the attorney's client, one a stranger.
    const view = async (caseId: string) => (await t.http.get(`/api/cases/${caseId}`).set(intake.auth).expect(200)).body;
    // Nor does the case's version move when it is offered, or the offer withdrawn (`updatedAt`, its ETag).
    const madeBefore = (await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Version', lastName: 'Quieta' })).expect(201)).body;
    const before = await t.http.get(`/api/cases/${madeBefore.id}`).set(intake.auth).expect(200);
    const offer = await t.http.post(`/api/cases/${madeBefore.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201);
    const whileOffered = await t.http.get(`/api/cases/${madeBefore.id}`).set(intake.auth).expect(200);
    await t.http.post(`/api/referrals/${offer.body.id}/withdraw`).set(coordinator.auth).expect(200);
    const afterWithdrawal = await t.http.get(`/api/cases/${madeBefore.id}`).set(intake.auth).expect(200);
    expect([whileOffered.body, afterWithdrawal.body]).toEqual([before.body, before.body]);
    expect([whileOffered.headers.etag, afterWithdrawal.headers.etag]).toEqual([before.headers.etag, before.headers.etag]);
    const guessed = await offered({ firstName: 'Curiosa', lastName: 'Pregunta' });
    const control = await offered({ firstName: 'Control', lastName: 'Testigo' });
    expect([(await view(guessed.caseId)).view, (await view(guessed.caseId)).status]).toEqual(['full', 'new']);
    const hit = await t.http.patch(`/api/cases/${guessed.caseId}`).set(intake.auth).send({ adverseParties: [{ name: 'Oraculina Reservada' }] }).expect(200);
    const miss = await t.http.patch(`/api/cases/${control.caseId}`).set(intake.auth).send({ adverseParties: [{ name: 'Nadie Conocido' }] }).expect(200);
    // The offer was withdrawn on one, stands on the other: the volunteer reads the same on both.
    expect([await caseStatus(guessed.caseId), await caseStatus(control.caseId)]).toEqual(['new', 'offered']);
    expect([hit.body.status, miss.body.status, (await view(guessed.caseId)).status, (await view(control.caseId)).status]).toEqual(['new', 'new', 'new', 'new']);
    // Their list too, by any filter: `new` finds both, `offered` neither.
    const listed = async (status: string, reference: string) =>
      (await t.http.get('/api/cases').query({ status, reference }).set(intake.auth).expect(200)).body.items.map((c: { status: string }) => c.status);
    for (const c of [guessed, control]) {
      const { reference } = (await t.db.query(`SELECT reference FROM cases WHERE id = $1`, [c.caseId]))[0];
      expect([await listed('new', reference), await listed('offered', reference), await listed('unplaced', reference)]).toEqual([['new'], [], []]);
    }
    // The coordinators read what is so.
    expect((await t.http.get(`/api/cases/${control.caseId}`).set(coordinator.auth).expect(200)).body.status).toBe('offered');
    await t.http.post(`/api/cases/${mine.caseId}/release`).set(coordinator.auth).send({ reason: 'other' }).expect(204);
    await t.http.post(`/api/referrals/${control.referralId}/withdraw`).set(coordinator.auth).expect(200);
  });

  it('a conflict that arose after the offer (the attorney took the other side): the offer is withdrawn, and accepting grants nothing', async () => {
    // Offered a case whose adverse party is "Rosalba Muestra", then offered and accepting Rosalba's own case.
    const against = await offered({ firstName: 'Fulano', lastName: 'Demandante' }, { adverseParties: [{ name: 'Rosalba Muestra' }] });
    const rosalba = await offered({ firstName: 'Rosalba', lastName: 'Muestra' });
    await accept(rosalba.referralId).expect(200);
    // Withdrawn at once (it waited for the attorney's answer or its answer time), and the coordinators told.
    expect(await caseStatus(against.caseId)).toBe('new');
    expect(await withdrawals(against.caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
    const [told] = await t.db.query(`SELECT subject, body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [against.caseId]);
    expect(told.body).toMatch(/conflict of interest/);
    expect(JSON.stringify(told)).not.toMatch(/Rosalba|Muestra|Fulano|Demandante/);
    const res = await accept(against.referralId);
    expect([res.status, res.body.code]).toEqual([409, 'REFERRAL_NOT_OPEN']);
    expect((await t.http.get(`/api/cases/${against.caseId}`).set(attorney.auth)).status).toBe(404);
    // An offer it does not bar stands.
    const unrelated = await offered({ firstName: 'Neutra', lastName: 'Ajena' });
    const another = await offered({ firstName: 'Otra', lastName: 'Cualquiera' });
    await accept(another.referralId).expect(200);
    expect(await caseStatus(unrelated.caseId)).toBe('offered');
  });

  it('a correction of the attorney\'s own case that names the client of a case they are offered: that offer is withdrawn', async () => {
    const mine = await offered({ firstName: 'Propia', lastName: 'Ejemplo' });
    await accept(mine.referralId).expect(200);
    const pending = await offered({ firstName: 'Pendiente', lastName: 'Contraria' });
    await t.http.patch(`/api/cases/${mine.caseId}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Pendiente Contraria' }] }).expect(200);
    expect(await caseStatus(pending.caseId)).toBe('new');
    expect(await withdrawals(pending.caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
    // Withdrawn by the system: the coordinator corrected another case (nor may the author of a correction see this one).
    const [withdrawal] = await t.db.query(`SELECT actor_id, actor_role FROM audit_events WHERE case_id = $1 AND action = 'referral.withdraw'`, [pending.caseId]);
    expect(withdrawal).toEqual({ actor_id: null, actor_role: 'system' });
  });

  it('keys:reindex reviews the cases offered and assigned: a conflict its new indexes reveal withdraws the offer and alerts on the holder', async () => {
    // The attorney holds a case naming "Reindexa Contraria" as the other side; that index is missing (as an older
    // release computed another value for a name typed with an invisible character).
    const held = await offered({ firstName: 'Sostenida', lastName: 'Reindex' }, { adverseParties: [{ name: 'Reindexa Contraria' }] });
    await accept(held.referralId).expect(200);
    await t.db.query(`DELETE FROM case_blind_indexes WHERE case_id = $1 AND kind = 'adverse_party'`, [held.caseId]);
    // So the other side's case is offered to them, unseen.
    const pending = await offered({ firstName: 'Reindexa', lastName: 'Contraria' });
    const result = await t.app.get(KeyRotationService).reindex();
    expect(result).toMatchObject({ failed: [], offersWithdrawn: 1, conflictsReviewed: expect.any(Number) });
    expect(await caseStatus(pending.caseId)).toBe('new');
    expect(await withdrawals(pending.caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
    const [withdrawal] = await t.db.query(`SELECT actor_role FROM audit_events WHERE case_id = $1 AND action = 'referral.withdraw'`, [pending.caseId]);
    expect(withdrawal.actor_role).toBe('system');
    expect((await accept(pending.referralId)).status).toBe(409);
    // Run again, nothing more is withdrawn.
    expect((await t.app.get(KeyRotationService).reindex()).offersWithdrawn).toBe(0);
    // A conflict the coordinators were told of (a correction named the other side) is not told again by a re-index
    // under a new index key, which gives every digest anew (imitated: the stored alert's key and the key check
    // changed), nor by the next correction; a holder never alerted on for the case is.
    const mine = await offered({ firstName: 'Alertada', lastName: 'Una' });
    await accept(mine.referralId).expect(200);
    const other = await offered({ firstName: 'Alertada', lastName: 'Dos' });
    await accept(other.referralId).expect(200);
    await t.http.patch(`/api/cases/${other.caseId}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Alertada Una' }] }).expect(200);
    const told = async (caseId: string) =>
      (await t.db.query(`SELECT count(*)::int AS n FROM notifications WHERE kind = 'case.conflict' AND case_id = $1 AND cancelled_at IS NULL`, [caseId]))[0].n;
    const before = await told(other.caseId);
    expect(before).toBeGreaterThan(0);
    await t.db.query(`UPDATE notifications SET dedupe_key = dedupe_key || 'x' WHERE kind = 'case.conflict' AND case_id = $1`, [other.caseId]);
    const [{ digest }] = await t.db.query(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
    await t.db.query(`UPDATE key_checks SET digest = $1 WHERE name = 'index_key'`, [Buffer.alloc(digest.length, 7)]);
    const rerun = await t.app.get(KeyRotationService).reindex();
    expect(rerun.reviewFailed).toEqual([]);
    expect(await told(other.caseId)).toBe(before);
    await t.http.patch(`/api/cases/${other.caseId}`).set(coordinator.auth).send({ client: { phone: '+1 512 555 0177' } }).expect(200);
    expect(await told(other.caseId)).toBe(before);
    const [first] = await t.db.query(`SELECT body FROM notifications WHERE kind = 'case.conflict' AND case_id = $1 AND cancelled_at IS NULL LIMIT 1`, [mine.caseId]);
    expect(first.body).toMatch(/After the names were indexed again/);
  });

  it('keys:reindex under the same key tells of a conflict with another client of the holder, one the case\'s alerts did not name', async () => {
    const first = await offered({ firstName: 'Primera', lastName: 'Clienta' });
    await accept(first.referralId).expect(200);
    const second = await offered({ firstName: 'Segunda', lastName: 'Clienta' });
    await accept(second.referralId).expect(200);
    // Their case against both (as a case assigned before the conflict check knew the names).
    const made = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Contra', lastName: 'Ambas' }, { adverseParties: [{ name: 'Primera Clienta' }, { name: 'Segunda Clienta' }] })).expect(201);
    const against = { caseId: made.body.id as string };
    await t.db.query(`UPDATE cases SET status = 'assigned', assigned_attorney_id = $2 WHERE id = $1`, [against.caseId, attorney.userId]);
    // Told of the first only (the second's index missing, as an older release computed another value).
    const [secondIndex] = await t.db.query(`SELECT value FROM case_blind_indexes WHERE case_id = $1 AND kind = 'party_name'`, [second.caseId]);
    await t.db.query(`DELETE FROM case_blind_indexes WHERE case_id = $1 AND kind = 'party_name'`, [second.caseId]);
    await t.http.patch(`/api/cases/${against.caseId}`).set(coordinator.auth).send({ narrative: 'a correction' }).expect(200);
    const digests = async () => new Set((await t.db.query(`SELECT split_part(dedupe_key, ':', 4) AS d FROM notifications WHERE kind = 'case.conflict' AND case_id = $1`, [against.caseId])).map((r: { d: string }) => r.d));
    expect((await digests()).size).toBe(1);
    expect(secondIndex).toBeDefined();
    await t.app.get(KeyRotationService).reindex();
    expect((await digests()).size).toBe(2);
  });

  it('keys:reindex under a new key cancels the conflict alert told before to an admin standing in for the coordinators too', async () => {
    const holder = await newAttorney({ maxActiveCases: 20 });
    const held = async (client: { firstName: string; lastName: string }) => {
      const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody(client)).expect(201);
      const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: holder.userId }).expect(201);
      await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(holder.auth).expect(200);
      return { caseId: c.body.id as string };
    };
    await held({ firstName: 'Suplente', lastName: 'Una' });
    const other = await held({ firstName: 'Suplente', lastName: 'Dos' });
    try {
      await withoutCoordinators(t, admin, async () => {
        // The attorney's own correction names their other client: the admins are told, standing in.
        await t.http.patch(`/api/cases/${other.caseId}`).set(holder.auth).send({ adverseParties: [{ name: 'Suplente Una' }] }).expect(200);
        const pending = () => t.db.query(
          `SELECT dedupe_key FROM notifications WHERE kind = 'case.conflict' AND case_id = $1 AND dedupe_key LIKE '%:stand-in' AND sent_at IS NULL AND cancelled_at IS NULL`,
          [other.caseId]);
        expect(await pending()).toHaveLength(1);
        // A new index key (every digest another): the conflict already told is written under its new digest, cancelled.
        await t.db.query(`UPDATE notifications SET dedupe_key = regexp_replace(dedupe_key, '^(conflict:[^:]+:[^:]+:)([^:]+)', '\\1old\\2')
                           WHERE kind = 'case.conflict' AND case_id = $1`, [other.caseId]);
        const [{ digest }] = await t.db.query(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
        await t.db.query(`UPDATE key_checks SET digest = $1 WHERE name = 'index_key'`, [Buffer.alloc(digest.length, 7)]);
        await t.app.get(KeyRotationService).reindex();
        // Before, the admin's new copy was left to send: told twice.
        expect(await pending()).toHaveLength(1);
      });
    } finally {
      coordinator = await login(t.http, coordinator.email, coordinator.password);
      // Out of the later tests' routings (they expect the one attorney of the team to be the only fit).
      await t.http.patch(`/api/users/${holder.userId}`).set(admin.auth).send({ active: false }).expect(200);
    }
  });

  it('two offers on opposite sides accepted at once: one is accepted, the other refused for the conflict', async () => {
    const left = await offered({ firstName: 'Casimira', lastName: 'Izquierda' }, { adverseParties: [{ name: 'Leandro Derecho' }] });
    const right = await offered({ firstName: 'Leandro', lastName: 'Derecho' }, { adverseParties: [{ name: 'Casimira Izquierda' }] });
    // Hold the organization's audit heads (appended last in each accept), so that both accepts run their checks
    // before either commits: without the attorney's lock, both saw the other case unassigned.
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM audit_heads WHERE organization_id = (SELECT organization_id FROM users WHERE id = $1) FOR UPDATE`, [attorney.userId]);
      const both = Promise.all([accept(left.referralId), accept(right.referralId)]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder.commitTransaction();
      const answers = await both;
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(answers.find((a) => a.status === 409)!.body.code).toBe('CONFLICT_OF_INTEREST');
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('a correction naming the other side while the attorney accepts it: the accept is refused, or the coordinators are told', async () => {
    const held = await offered({ firstName: 'Yolanda', lastName: 'Sostenida' });
    await accept(held.referralId).expect(200);
    const other = await offered({ firstName: 'Xavier', lastName: 'Dosmil' });
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      // Both run their checks before either commits (each appends to the audit trail last).
      await holder.query(`SELECT 1 FROM audit_heads WHERE organization_id = (SELECT organization_id FROM users WHERE id = $1) FOR UPDATE`, [attorney.userId]);
      const both = Promise.all([
        accept(other.referralId),
        t.http.patch(`/api/cases/${held.caseId}`).set(coordinator.auth).send({ adverseParties: [{ name: 'Xavier Dosmil' }] }),
      ]);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder.commitTransaction();
      const [accepted, corrected] = await both;
      expect(corrected.status).toBe(200);
      const alerts = await t.db.query(`SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.conflict'`, [held.caseId]);
      // Before, both went through unseen: the attorney held both sides and nobody was told.
      expect(accepted.status === 409 || alerts.length > 0).toBe(true);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('a case routed while the attorney accepts its other side: the routing, which read no conflict, passes them over', async () => {
    for (const explicit of [false, true]) {
      const suffix = explicit ? 'Elegida' : 'Ruteada';
      const mine = await offered({ firstName: 'Ramona', lastName: `Carrasquilla${suffix}` });
      const against = await t.http.post('/api/cases').set(intake.auth)
        .send(routableBody({ firstName: 'Wenceslao', lastName: `Opuesto${suffix}` }, { adverseParties: [{ name: `Ramona Carrasquilla${suffix}` }] })).expect(201);
      const holder = t.db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        // The routing has read the case's conflicts (none yet) and waits for the attorney's user row (which a change of
        // their account holds a moment, as it does their profile); meanwhile they accept the other side's case, whose
        // review of their open offers finds none.
        await holder.query(`SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE`, [attorney.userId]);
        const [{ pid }] = await holder.query(`SELECT pg_backend_pid() AS pid`);
        const routed = Promise.resolve(t.http.post(`/api/cases/${against.body.id}/referrals`).set(coordinator.auth).send(explicit ? { attorneyId: attorney.userId } : {}));
        await untilBlockedBy(t.db, pid, 'the routing');
        await accept(mine.referralId).expect(200);
        await holder.commitTransaction();
        const res = await routed;
        // Before, the case was offered to them: an offer they could not accept, open for its whole window, unseen.
        expect([explicit, res.status, res.body.code]).toEqual([explicit, 422, explicit ? 'NOT_ELIGIBLE' : 'NO_ELIGIBLE_ATTORNEY']);
        expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1 AND status = 'offered'`, [against.body.id])).toEqual([]);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
    }
  });

  it('a decline or a step-down for a conflict while the same client\'s other case is routed to that attorney: that offer is withdrawn', async () => {
    const waiting = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const [{ count }] = await t.db.query(`SELECT count(*)::int AS count FROM pg_locks WHERE NOT granted AND cardinality(pg_blocking_pids(pid)) > 0`);
        if (count >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      throw new Error(`never ${n} waiting`);
    };
    for (const how of ['decline', 'step down'] as const) {
      const client = { firstName: 'Eustaquia', lastName: how === 'decline' ? 'Carrera' : 'Ribera', dateOfBirth: '1987-03-09' };
      const intakeOf = async () => (await t.http.post('/api/cases').set(intake.auth).send(routableBody(client, { client: { ...client, preferredLanguage: 'spa' } })).expect(201)).body.id as string;
      const first = await intakeOf();
      const offer = (await t.http.post(`/api/cases/${first}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }).expect(201)).body.id;
      if (how === 'step down') await accept(offer).expect(200);
      // The same client's other intake, on another of the organization's audit chains.
      let second = await intakeOf();
      while (chainFor(second) === chainFor(first)) second = await intakeOf();
      const holder = t.db.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        // The routing appends to the audit trail last, after it has read the attorney's conflicts (none yet): held there.
        await holder.query(`SELECT 1 FROM audit_heads WHERE organization_id = (SELECT organization_id FROM cases WHERE id = $1) AND chain = $2 FOR UPDATE`, [second, chainFor(second)]);
        const [{ pid }] = await holder.query(`SELECT pg_backend_pid() AS pid`);
        const routed = Promise.resolve(t.http.post(`/api/cases/${second}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }));
        await untilBlockedBy(t.db, pid, 'the routing');
        // Meanwhile the attorney tells the conflict: it waits for the routing, whose offer its review then finds.
        const told = Promise.resolve(how === 'decline'
          ? t.http.post(`/api/referrals/${offer}/decline`).set(attorney.auth).send({ reason: 'conflict' })
          : t.http.post(`/api/cases/${first}/release`).set(attorney.auth).send({ reason: 'conflict' }));
        await waiting(2);
        await holder.commitTransaction();
        const [routing, telling] = await Promise.all([routed, told]);
        expect([how, routing.status, telling.status]).toEqual([how, 201, how === 'decline' ? 200 : 204]);
        // Before, the offer stayed open to an attorney who could not accept it (409), its whole window, nobody told.
        expect([how, (await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [routing.body.id]))[0].status]).toEqual([how, 'withdrawn']);
        expect(await withdrawals(second)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
    }
  });

  it('a birth date corrected that makes a case declined for a conflict the same client as one offered to that attorney: the offer is withdrawn', async () => {
    const declined = await offered({ firstName: 'Remedios', lastName: 'Quiroga' }, { client: { firstName: 'Remedios', lastName: 'Quiroga', dateOfBirth: '1970-01-01', preferredLanguage: 'spa' } });
    await t.http.post(`/api/referrals/${declined.referralId}/decline`).set(attorney.auth).send({ reason: 'conflict' }).expect(200);
    // The same woman's other intake, her birth date typed right there, offered to the same attorney.
    const other = await offered({ firstName: 'Remedios', lastName: 'Quiroga' }, { client: { firstName: 'Remedios', lastName: 'Quiroga', dateOfBirth: '1971-02-02', preferredLanguage: 'spa' } });
    await t.http.patch(`/api/cases/${declined.caseId}`).set(coordinator.auth).send({ client: { dateOfBirth: '1971-02-02' } }).expect(200);
    expect((await t.db.query(`SELECT status FROM referrals WHERE id = $1`, [other.referralId]))[0].status).toBe('withdrawn');
    expect(await withdrawals(other.caseId)).toEqual([{ why: 'CONFLICT_OF_INTEREST' }]);
  });

  it('a coordinator\'s choice and a best match of the same attorney, at once, do not deadlock (they lock in one order)', async () => {
    const chosen = (await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Equis', lastName: 'Elegida' })).expect(201)).body.id;
    const ranked = (await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Zeta', lastName: 'Ranqueada' })).expect(201)).body.id;
    const deadlocks = async () => Number((await t.db.query(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`))[0].deadlocks);
    const before = await deadlocks();
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      // The attorney's accept lock held (an accept under way): the first routing waits in it, the second behind.
      await holder.query(`SELECT pg_advisory_xact_lock(7264003, hashtext($1))`, [attorney.userId]);
      const [{ pid }] = await holder.query(`SELECT pg_backend_pid() AS pid`);
      const byChoice = Promise.resolve(t.http.post(`/api/cases/${chosen}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId }));
      await untilBlockedBy(t.db, pid, 'the coordinator\'s choice');
      const byRank = Promise.resolve(t.http.post(`/api/cases/${ranked}/referrals`).set(coordinator.auth).send({}));
      await new Promise((resolve) => setTimeout(resolve, 300));
      await holder.commitTransaction();
      const answers = await Promise.all([byChoice, byRank]);
      expect(answers.map((a) => a.status)).toEqual([201, 201]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    // Before, PostgreSQL found a cycle (profile, then accept lock; accept lock, then profile) and aborted one of them.
    await new Promise((resolve) => setTimeout(resolve, 1200)); // the statistics are sent on the next report
    expect(await deadlocks()).toBe(before);
  });

  it('an offer past its answer time cannot be declined either: it expired', async () => {
    const late = await offered({ firstName: 'Tardia', lastName: 'Ejemplo' });
    await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [late.referralId]);
    const declined = await t.http.post(`/api/referrals/${late.referralId}/decline`).set(attorney.auth).send({ reason: 'capacity' });
    expect([declined.status, declined.body.code]).toEqual([409, 'OFFER_EXPIRED']);
  });

  it('an attorney who stops taking referrals while a routing waits for their profile is not offered the case', async () => {
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Ausencia', lastName: 'Ejemplo' })).expect(201);
    const holder = t.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`UPDATE attorney_profiles SET accepting_referrals = false WHERE user_id = $1`, [attorney.userId]);
      // (A supertest request goes out when awaited: Promise.resolve sends it now.)
      const routed = Promise.resolve(t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}));
      await new Promise((resolve) => setTimeout(resolve, 500));
      await holder.commitTransaction();
      const res = await routed;
      // Nobody else fits: unplaced, not an offer the attorney said they would not take.
      expect([res.status, res.body.code]).toEqual([422, 'NO_ELIGIBLE_ATTORNEY']);
      expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1`, [c.body.id])).toEqual([]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
      await t.db.query(`UPDATE attorney_profiles SET accepting_referrals = true WHERE user_id = $1`, [attorney.userId]);
    }
  });

  it('a former client counts: released from a case by a deactivation, the attorney cannot take the other side', async () => {
    const former = await offered({ firstName: 'Elena', lastName: 'Quintana' }, { adverseParties: [{ name: 'Fabio Sextante' }] });
    await accept(former.referralId).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: false }).expect(200);
    await t.http.patch(`/api/users/${attorney.userId}`).set(admin.auth).send({ active: true }).expect(200);
    expect(await caseStatus(former.caseId)).toBe('new');
    const other = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Fabio', lastName: 'Sextante' })).expect(201);
    const offer = await t.http.post(`/api/cases/${other.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: attorney.userId });
    expect(offer.status).toBe(422);
    // The attorney signs in again for the tests after this one.
    attorney = await login(t.http, attorney.email, attorney.password);
  });

  it('a referral the attorney declined keeps no view of the case in their list; an open or accepted one does', async () => {
    const declined = await offered({ firstName: 'Declinada', lastName: 'Ejemplo' });
    const open = await offered({ firstName: 'Abierta', lastName: 'Ejemplo' });
    const taken = await offered({ firstName: 'Tomada', lastName: 'Ejemplo' });
    await t.http.post(`/api/referrals/${declined.referralId}/decline`).set(attorney.auth).send({ reason: 'capacity' }).expect(200);
    await accept(taken.referralId).expect(200);
    const list = await t.http.get('/api/referrals?limit=100').set(attorney.auth).expect(200);
    const byId = new Map(list.body.items.map((r: { id: string; case: unknown }) => [r.id, r.case]));
    expect(byId.get(declined.referralId)).toBeNull();
    expect(byId.get(open.referralId)).toMatchObject({ custodyStatus: 'ice_detention', state: 'TX' });
    expect(byId.get(taken.referralId)).toMatchObject({ custodyStatus: 'ice_detention' });
    // Coordinators see every referral's case summary.
    const all = await t.http.get('/api/referrals?status=declined&limit=100').set(coordinator.auth).expect(200);
    expect(all.body.items.find((r: { id: string }) => r.id === declined.referralId).case).toMatchObject({ state: 'TX' });
  });

  it('an offer whose answer window has passed shows no case, even before the expiry job has moved it on', async () => {
    const lapsed = await offered({ firstName: 'Vencida', lastName: 'Ejemplo' });
    await t.db.query(`UPDATE referrals SET respond_by = now() - interval '1 minute' WHERE id = $1`, [lapsed.referralId]);
    const list = await t.http.get('/api/referrals?limit=100').set(attorney.auth).expect(200);
    const item = list.body.items.find((r: { id: string }) => r.id === lapsed.referralId);
    expect(item).toMatchObject({ status: 'offered', case: null });
    expect((await accept(lapsed.referralId)).body).toMatchObject({ code: 'OFFER_EXPIRED' });
  });

  it('a decline note or a deadline note with an A-number or a phone is a 400 naming it, and nothing is done', async () => {
    const { caseId, referralId } = await offered({ firstName: 'Notada', lastName: 'Ejemplo' });
    const decline = await t.http.post(`/api/referrals/${referralId}/decline`).set(attorney.auth).send({ reason: 'other', note: 'client A-123-456-789 is my cousin' });
    expect(decline.status).toBe(400);
    expect(Object.keys(decline.body.fields)).toEqual(['note']);
    expect(await caseStatus(caseId)).toBe('offered');
    const moved = await t.http.post(`/api/cases/${caseId}/events`).set(coordinator.auth).send({ type: 'address_changed', occurredAt: new Date().toLocaleDateString('en-CA', { timeZone: 'America/Chicago' }) }).expect(201);
    const eoir33 = moved.body.deadlines.find((d: { rule: string }) => d.rule === 'eoir33_change_of_address');
    const patch = await t.http.patch(`/api/deadlines/${eoir33.id}`).set(coordinator.auth).send({ status: 'met', note: 'faxed, call 512 555 0142' });
    expect(patch.status).toBe(400);
    expect(Object.keys(patch.body.fields)).toEqual(['note']);
    await t.http.post(`/api/referrals/${referralId}/decline`).set(attorney.auth).send({ reason: 'other', note: 'filed 2026-11-20, see the court' }).expect(200);
  });

  it('a case already before an immigration court (an in absentia order) needs an EOIR-registered attorney', async () => {
    const unregistered = await newAttorney({ practiceAreas: ['asylum'], eoirRegistered: false, maxActiveCases: 5 });
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Ausente', lastName: 'Ejemplo' }, { custody: { status: 'not_detained', state: 'TX', county: 'Harris' }, practiceAreas: ['asylum'] })).expect(201);
    // The best match while nothing is before a court; a coordinator's override afterwards says what it overrides.
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(offer.body.attorneyId).toBe(unregistered.userId);
    await t.http.post(`/api/referrals/${offer.body.id}/withdraw`).set(coordinator.auth).expect(200);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth).send({ type: 'in_absentia_order', occurredAt: '2026-10-01' }).expect(201);
    const again = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: unregistered.userId }).expect(201);
    expect(again.body.match.reasons.join(' ')).toMatch(/override: not registered with EOIR/);
    expect(offer.body.match.reasons.join(' ')).not.toMatch(/EOIR/);
  });

  it('an open offer to an attorney not registered with EOIR is withdrawn when the case becomes a court matter', async () => {
    const unregistered = await newAttorney({ practiceAreas: ['u_visa'], eoirRegistered: false, maxActiveCases: 5 });
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Citada', lastName: 'Ejemplo' }, { custody: { status: 'not_detained', state: 'TX', county: 'Harris' }, practiceAreas: ['u_visa'] })).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(offer.body.attorneyId).toBe(unregistered.userId);
    await t.http.post(`/api/cases/${c.body.id}/events`).set(coordinator.auth)
      .send({ type: 'hearing_scheduled', occurredAt: '2026-11-20', hearingType: 'master', scheduledAt: '2027-02-01T09:00:00-06:00' }).expect(201);
    expect(await caseStatus(c.body.id)).toBe('new');
    expect(await withdrawals(c.body.id)).toEqual([{ why: 'NO_LONGER_ELIGIBLE' }]);
  });

  it('a case in ICE detention is a court matter whatever its practice areas: routing passes over an attorney not registered with EOIR', async () => {
    const unregistered = await newAttorney({ practiceAreas: ['u_visa'], languages: ['mam'], eoirRegistered: false, maxActiveCases: 5 });
    const body = (status: string) => routableBody({ firstName: 'Detenida', lastName: 'Ejemplo' }, {
      client: { firstName: 'Detenida', lastName: 'Ejemplo', preferredLanguage: 'mam' },
      custody: { status, state: 'TX', county: 'Harris' }, practiceAreas: [],
    });
    const free = await t.http.post('/api/cases').set(intake.auth).send(body('not_detained')).expect(201);
    expect((await t.http.post(`/api/cases/${free.body.id}/referrals`).set(coordinator.auth).send({}).expect(201)).body.attorneyId).toBe(unregistered.userId);
    const detained = await t.http.post('/api/cases').set(intake.auth).send(body('ice_detention')).expect(201);
    // Nobody else here speaks Mam: without registration the detained client has no eligible attorney.
    const routed = await t.http.post(`/api/cases/${detained.body.id}/referrals`).set(coordinator.auth).send({}).expect(422);
    expect(routed.body.code).toBe('NO_ELIGIBLE_ATTORNEY');
    const forced = await t.http.post(`/api/cases/${detained.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: unregistered.userId }).expect(201);
    expect(forced.body.match.reasons.join(' ')).toMatch(/override: not registered with EOIR/);
  });

  it('an open offer to an attorney not registered with EOIR is withdrawn when a correction says the client is in ICE detention', async () => {
    const unregistered = await newAttorney({ practiceAreas: ['t_visa'], eoirRegistered: false, maxActiveCases: 5 });
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Trasladada', lastName: 'Ejemplo' }, { custody: { status: 'not_detained', state: 'TX', county: 'Harris' }, practiceAreas: ['t_visa'] })).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}).expect(201);
    expect(offer.body.attorneyId).toBe(unregistered.userId);
    await t.http.patch(`/api/cases/${c.body.id}`).set(coordinator.auth).send({ custody: { status: 'ice_detention' } }).expect(200);
    expect(await caseStatus(c.body.id)).toBe('new');
    expect(await withdrawals(c.body.id)).toEqual([{ why: 'NO_LONGER_ELIGIBLE' }]);
  });

  it('an offer on a case whose stored events no longer compute is accepted all the same, the case left to the urgency review', async () => {
    const { caseId, referralId } = await offered({ firstName: 'Aceptada', lastName: 'Ejemplo' });
    // An event the deadline engine refuses (written around the API, as by an older release).
    await t.db.query(`INSERT INTO case_events (id, case_id, type, occurred_at, data) VALUES (gen_random_uuid(), $1, 'bond_decision', 'not a date', '{"outcome":"denied"}')`, [caseId]);
    await accept(referralId).expect(200);
    expect(await caseStatus(caseId)).toBe('assigned');
    const [row] = await t.db.query(`SELECT urgency_review_at FROM cases WHERE id = $1`, [caseId]);
    expect(row.urgency_review_at).not.toBeNull();
  });

  it('a correction that sends the values the case already has re-checks nothing (the attorney\'s fit is not its concern)', async () => {
    const { caseId } = await offered({ firstName: 'Igualada', lastName: 'Ejemplo' });
    // The attorney no longer covers Texas (written straight to the table: through the API, the profile change itself
    // reviews the offer, below); a correction repeating the case's values is not the cause and re-checks nothing.
    await t.db.query(`UPDATE attorney_profiles SET states = '{NM}', bar_states = '{NM}' WHERE user_id = $1`, [attorney.userId]);
    try {
      await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth)
        .send({ practiceAreas: ['detention_bond'], client: { preferredLanguage: 'spa' }, custody: { state: 'TX', county: 'Harris' } }).expect(200);
      expect(await caseStatus(caseId)).toBe('offered');
      expect(await withdrawals(caseId)).toEqual([]);
    } finally {
      await t.http.put('/api/attorneys/me/profile').set(attorney.auth).send(attorneyProfile({ maxActiveCases: 20 })).expect(200);
    }
  });

  it('a corrected language the attorney does not speak withdraws the offer and tells the coordinators why; one they fit leaves it', async () => {
    const fits = await offered({ firstName: 'Cupertina', lastName: 'Ejemplo' });
    await t.http.patch(`/api/cases/${fits.caseId}`).set(coordinator.auth).send({ practiceAreas: ['removal_defense'] }).expect(200);
    expect(await caseStatus(fits.caseId)).toBe('offered');
    const { caseId, referralId } = await offered({ firstName: 'Macaria', lastName: 'Ejemplo' });
    await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth).send({ client: { preferredLanguage: 'mam' } }).expect(200);
    expect(await caseStatus(caseId)).toBe('new');
    expect(await withdrawals(caseId)).toEqual([{ why: 'NO_LONGER_ELIGIBLE' }]);
    const [told] = await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [caseId]);
    expect(told.body).toMatch(/no longer fits it \(does not speak/);
    expect((await accept(referralId)).status).toBe(409);
  });

  it('a transfer out of the attorney\'s states withdraws the offer; an offer a coordinator made setting a filter aside stands', async () => {
    const outOfState = (await t.db.query(`SELECT code FROM facilities WHERE state = 'CA' ORDER BY code LIMIT 1`))[0].code;
    const { caseId } = await offered({ firstName: 'Trasladada', lastName: 'Ejemplo' });
    await t.http.post(`/api/cases/${caseId}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: outOfState }).expect(201);
    expect(await caseStatus(caseId)).toBe('new');
    expect(await withdrawals(caseId)).toEqual([{ why: 'NO_LONGER_ELIGIBLE' }]);
    // The trail reads as it happened: the transfer, then the withdrawal it caused.
    const trail = await t.db.query(`SELECT action FROM audit_events WHERE case_id = $1 AND action IN ('case.event', 'referral.withdraw') ORDER BY id`, [caseId]);
    expect(trail.map((e: { action: string }) => e.action)).toEqual(['case.event', 'referral.withdraw']);
    // Offered knowingly to an attorney who does not speak the language (an override): a later correction keeps it.
    const chosen = await offered({ firstName: 'Escogida', lastName: 'Ejemplo' }, { client: { firstName: 'Escogida', lastName: 'Ejemplo', preferredLanguage: 'quc' } });
    await t.http.patch(`/api/cases/${chosen.caseId}`).set(coordinator.auth).send({ practiceAreas: ['detention_bond', 'removal_defense'] }).expect(200);
    expect(await caseStatus(chosen.caseId)).toBe('offered');
    expect(await withdrawals(chosen.caseId)).toEqual([]);
    // What was set aside was the language, not the place: a transfer out of the attorney's states withdraws it.
    await t.http.post(`/api/cases/${chosen.caseId}/events`).set(coordinator.auth).send({ type: 'transferred', occurredAt: new Date().toISOString(), facilityCode: outOfState }).expect(201);
    expect(await withdrawals(chosen.caseId)).toEqual([{ why: 'NO_LONGER_ELIGIBLE' }]);
  });

  it('a correction that bars nobody leaves the offer open', async () => {
    const { caseId, referralId } = await offered({ firstName: 'Sinforosa', lastName: 'Intacta' });
    await t.http.patch(`/api/cases/${caseId}`).set(coordinator.auth).send({ narrative: 'corrected narrative', consent: { shareWithAttorney: true } }).expect(200);
    expect(await caseStatus(caseId)).toBe('offered');
    expect(await withdrawals(caseId)).toEqual([]);
    await accept(referralId).expect(200);
  });

  it('an attorney whose own profile no longer fits an open offer (a language dropped) has it withdrawn; not accepting withdraws nothing', async () => {
    const other = await createUser(t.http, admin, 'attorney');
    const profile = (over: Record<string, unknown> = {}) => t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20, ...over }));
    await profile().expect(200);
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Perfil', lastName: 'Cambiado' })).expect(201);
    const offer = await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: other.userId }).expect(201);
    // No longer taking new referrals: the offer made stays theirs to answer.
    await profile({ acceptingReferrals: false }).expect(200);
    expect(await caseStatus(c.body.id)).toBe('offered');
    // No longer speaking the client's language (Spanish): withdrawn, and the coordinators told why.
    await profile({ languages: ['eng'] }).expect(200);
    expect(await caseStatus(c.body.id)).toBe('new');
    expect(await withdrawals(c.body.id)).toEqual([{ why: 'PROFILE_CHANGED' }]);
    const [told] = await t.db.query(`SELECT body FROM notifications WHERE case_id = $1 AND kind = 'case.unassigned'`, [c.body.id]);
    expect(told.body).toMatch(/profile changed/);
    expect(told.body).not.toMatch(/Perfil|Cambiado/);
    expect((await t.http.post(`/api/referrals/${offer.body.id}/accept`).set(other.auth)).status).toBe(409);
  });

  it('an offer whose language a coordinator set aside stays when the attorney\'s languages change again', async () => {
    const other = await createUser(t.http, admin, 'attorney');
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20, languages: ['eng'] })).expect(200);
    const c = await t.http.post('/api/cases').set(intake.auth).send(routableBody({ firstName: 'Idioma', lastName: 'Apartado' })).expect(201);
    await t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({ attorneyId: other.userId }).expect(201);
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20, languages: ['eng', 'fra'] })).expect(200);
    expect(await caseStatus(c.body.id)).toBe('offered');
  });

  it('a profile change committed while a routing waits for the attorney\'s lock: the routing judges the new profile', async () => {
    const other = await createUser(t.http, admin, 'attorney');
    // The only attorney speaking Haitian Creole, so the routing's only candidate.
    await t.http.put('/api/attorneys/me/profile').set(other.auth).send(attorneyProfile({ maxActiveCases: 20, languages: ['hat'] })).expect(200);
    const c = await t.http.post('/api/cases').set(intake.auth)
      .send(routableBody({ firstName: 'Carrera', lastName: 'Perfil' }, { client: { firstName: 'Carrera', lastName: 'Perfil', preferredLanguage: 'hat' } })).expect(201);
    // The profile change, holding the profile row as the API's would, not yet committed.
    const change = t.db.createQueryRunner();
    await change.startTransaction();
    try {
      await change.query(`UPDATE attorney_profiles SET languages = '{eng}' WHERE user_id = $1`, [other.userId]);
      const routing = t.http.post(`/api/cases/${c.body.id}/referrals`).set(coordinator.auth).send({}).then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 500)); // the routing has its candidates and waits on the lock
      await change.commitTransaction();
      const res = await routing;
      // Judged on the committed profile: no longer speaking the client's language, not offered the case.
      expect(res.status).toBe(422);
      expect(await caseStatus(c.body.id)).toBe('unplaced');
      expect(await t.db.query(`SELECT 1 FROM referrals WHERE case_id = $1`, [c.body.id])).toEqual([]);
    } finally {
      if (change.isTransactionActive) await change.rollbackTransaction();
      await change.release();
    }
  });
});
