import { createHash } from 'node:crypto';
import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { BootstrapService } from '../libs/auth/src/bootstrap.service';
import { AuthHousekeeping, LoginThrottleService, PasswordService, UsersService, deviceTokenHash } from '@amparo/auth';
import { DeadlinesService } from '@amparo/deadlines';
import { FixedClock, SystemClock } from '@amparo/common';
import { TestApp, createTestApp, createTestDatabase, ADMIN } from './support/test-app';
import { Session, choosePassword, createUser, login, loginAdmin } from './support/users';

const b64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function signJwt(header: object, payload: object, secret: Buffer): string {
  const body = `${b64url(header)}.${b64url(payload)}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

describe('auth (e2e)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await loginAdmin(t.http);
  });
  afterAll(() => t.close());

  it('logs in the bootstrapped admin and returns the documented shape', async () => {
    const res = await t.http.post('/api/auth/login').send({ email: ADMIN.email.toUpperCase(), password: ADMIN.password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
      user: { id: expect.any(String), email: ADMIN.email, name: 'Administrator', role: 'admin', organizationId: expect.any(String), passwordChangeRequired: false },
      deviceToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    // Only its hash is stored.
    expect(await t.db.query(`SELECT 1 FROM sign_in_devices WHERE token_hash = $1`, [Buffer.from(res.body.deviceToken)])).toEqual([]);
    expect(await t.db.query(`SELECT 1 FROM sign_in_devices WHERE token_hash = $1`, [deviceTokenHash(res.body.deviceToken)])).toHaveLength(1);
    const me = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${res.body.accessToken}`);
    expect(me.status).toBe(200);
    expect(me.body.email).toBe(ADMIN.email);
    expect(me.body).not.toHaveProperty('passwordHash');
    // The space a phone keyboard adds after an email suggestion, or one pasted before it, is not part of the address.
    for (const email of [`${ADMIN.email} `, ` ${ADMIN.email}`, `\u00a0${ADMIN.email}\u00a0`]) {
      const spaced = await t.http.post('/api/auth/login').send({ email, password: ADMIN.password });
      expect([JSON.stringify(email), spaced.status]).toEqual([JSON.stringify(email), 200]);
    }
  });

  it('a user created with a space around the email signs in without it', async () => {
    const admin = await loginAdmin(t.http);
    const email = `spaced-${Date.now()}@example.org`;
    // A role as a phone keyboard sends it (capitalized, a space after) is the role.
    const made = await t.http.post('/api/users').set(admin.auth).send({ email: ` ${email} `, name: 'Espacio Ejemplo', role: 'Intake ', password: 'a-long-unguessable-passphrase-9' }).expect(201);
    expect(made.body.role).toBe('intake');
    await t.http.post('/api/auth/login').send({ email, password: 'a-long-unguessable-passphrase-9' }).expect(200);
  });

  it('an email typed with an invisible character, or with its accents composed otherwise, is the same address: one account, which signs in as typed', async () => {
    const admin = await loginAdmin(t.http);
    const stamp = Date.now();
    const password = 'a-long-unguessable-passphrase-9';
    const create = (email: string) => t.http.post('/api/users').set(admin.auth).send({ email, name: 'Correo Ejemplo', role: 'intake', password });
    const plain = `maria-${stamp}@example.org`;
    await create(plain).expect(201);
    for (const lookalike of [`${plain}\u200b`, `\u202e${plain}`, `MARIA-${stamp}@example.org\u200e`]) {
      const res = await create(lookalike);
      expect([JSON.stringify(lookalike), res.status, res.body.code]).toEqual([JSON.stringify(lookalike), 409, 'EMAIL_TAKEN']);
    }
    const accented = `jose\u0301-${stamp}@example.org`; // e and a combining accent
    await create(accented).expect(201);
    await create(accented.normalize('NFC')).expect(409);
    for (const email of [accented, accented.normalize('NFC'), `${plain}\u200b`]) {
      await t.http.post('/api/auth/login').send({ email, password }).expect(200);
    }
    // Other characters Unicode says to ignore (a variation selector, the combining grapheme joiner, a Hangul filler).
    for (const lookalike of [`${plain}\ufe0f`, `mar\u034fia-${stamp}@example.org`, `\u3164${plain}`]) {
      expect((await create(lookalike)).status).toBe(409);
    }
    // A row an older release stored with an invisible character (before the migration rewrote such rows, or one it
    // left because its canonical form was taken) still signs in typed as stored, and the operator's reset finds it.
    const legacy = `luis-${stamp}@example.org\u200e`;
    await create(`luis-${stamp}@example.org`).expect(201);
    await t.db.query(`UPDATE users SET email = $1 WHERE email = $2`, [legacy, `luis-${stamp}@example.org`]);
    await t.http.post('/api/auth/login').send({ email: legacy, password }).expect(200);
    expect(await t.app.get(UsersService).resetPassword(legacy)).toMatchObject({ email: legacy });
    // A look-alike pair is two accounts, two counters: a success on one does not clear the guesses at the other.
    const canonical = `luis-${stamp}@example.org`;
    await create(canonical).expect(201);
    const guess = (email: string, pw: string, ip: string) => t.http.post('/api/auth/login').set('X-Forwarded-For', ip).send({ email, password: pw });
    const statuses: number[] = [];
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 3; i++) statuses.push((await guess(legacy, 'not the password at all', `203.0.113.${10 + round * 3 + i}`)).status);
      expect((await guess(canonical, password, `203.0.113.${40 + round}`)).status).toBe(200);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // A long address with an invisible character signs in as account creation reads it (without it).
    const long = `${'l'.repeat(62)}-${String(stamp).slice(-1)}@example.org`;
    await create(long).expect(201);
    await t.http.post('/api/auth/login').send({ email: long.replace('@', '\u200b@'), password }).expect(200);
  });

  it('answers a wrong password and an unknown user identically', async () => {
    const wrong = await t.http.post('/api/auth/login').send({ email: ADMIN.email, password: 'not-the-password' });
    const unknown = await t.http.post('/api/auth/login').send({ email: 'nobody@test.amparo.example', password: 'x' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
  });

  describe('tokens', () => {
    const claims = () => {
      const [, payload] = admin.token.split('.');
      return JSON.parse(Buffer.from(payload, 'base64url').toString());
    };
    const secret = () => Buffer.from(t.config.secrets.jwtSecret, 'base64');

    it('accepts a genuine token', async () => {
      expect((await t.http.get('/api/auth/me').set(admin.auth)).status).toBe(200);
    });

    it.each([
      ['alg none', () => `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`],
      ['wrong signature', () => signJwt({ alg: 'HS256', typ: 'JWT' }, claims(), Buffer.alloc(32, 7))],
      ['expired', () => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, secret())],
      ['wrong audience', () => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), aud: 'someone-else' }, secret())],
      ['wrong issuer', () => signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), iss: 'someone-else' }, secret())],
      ['garbage', () => 'not.a.token'],
    ])('rejects a token with %s (401)', async (name, make) => {
      const res = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${make()}`);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'Unauthorized', code: 'UNAUTHENTICATED' });
      // A genuine token that lapsed says so, and how to go on; anything else says nothing of why.
      expect(res.body.message).toBe(name === 'expired'
        ? 'Your access token has expired: get a new one with POST /api/auth/refresh (your refresh token), or sign in again'
        : 'Authentication required');
    });

    it('says nothing of expiry for a lapsed token signed with another key', async () => {
      const forged = signJwt({ alg: 'HS256', typ: 'JWT' }, { ...claims(), exp: Math.floor(Date.now() / 1000) - 60 }, Buffer.alloc(32, 7));
      const res = await t.http.get('/api/auth/me').set('Authorization', `Bearer ${forged}`);
      expect([res.status, res.body.message]).toEqual([401, 'Authentication required']);
    });

    it('rejects a request without a token (401)', async () => {
      expect((await t.http.get('/api/auth/me')).status).toBe(401);
    });
  });

  it('logout ends the session at once: the access and the refresh token stop working', async () => {
    const session = await loginAdmin(t.http);
    expect((await t.http.post('/api/auth/logout').set(session.auth)).status).toBe(204);
    expect((await t.http.get('/api/auth/me').set(session.auth)).status).toBe(401);
    expect((await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken })).status).toBe(401);
    // Other sessions of the same user are untouched.
    expect((await t.http.get('/api/auth/me').set(admin.auth)).status).toBe(200);
  });

  it('a refresh token works once; reusing it revokes the whole family', async () => {
    const session = await loginAdmin(t.http);
    const first = await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(session.refreshToken);
    const rotatedAuth = { Authorization: `Bearer ${first.body.accessToken}` };
    expect((await t.http.get('/api/auth/me').set(rotatedAuth)).status).toBe(200);

    const replay = await t.http.post('/api/auth/refresh').send({ refreshToken: session.refreshToken });
    expect(replay.status).toBe(401);
    // The legitimate descendant is revoked too: the thief and the owner are both signed out.
    expect((await t.http.post('/api/auth/refresh').send({ refreshToken: first.body.refreshToken })).status).toBe(401);
    expect((await t.http.get('/api/auth/me').set(rotatedAuth)).status).toBe(401);
  });

  it('deactivating a user ends their sessions and refuses new logins', async () => {
    const coordinator = await createUser(t.http, admin, 'coordinator');
    expect((await t.http.get('/api/users').set(coordinator.auth)).status).toBe(200);
    const res = await t.http.patch(`/api/users/${coordinator.userId}`).set(admin.auth).send({ active: false });
    expect(res.status).toBe(200);
    expect(res.body.active).toBe(false);
    expect((await t.http.get('/api/users').set(coordinator.auth)).status).toBe(401);
    expect((await t.http.post('/api/auth/refresh').send({ refreshToken: coordinator.refreshToken })).status).toBe(401);
    await expect(login(t.http, coordinator.email, 'whatever')).rejects.toThrow(/401/);
  });

  /**
   * The next password check is held once it has its answer, until released: a request caught between its check and
   * what it does with the account (`reached` once it is there). `restore` releases it and puts the check back.
   */
  function holdNextPasswordCheck(): { reached: Promise<void>; release(): void; restore(): void } {
    const passwords = t.app.get(PasswordService);
    const verify = passwords.verify.bind(passwords);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let checked!: () => void;
    const reached = new Promise<void>((resolve) => (checked = resolve));
    const spy = jest.spyOn(passwords, 'verify').mockImplementationOnce(async (hash, password) => {
      const ok = await verify(hash, password);
      checked();
      await gate;
      return ok;
    });
    return { reached, release, restore: () => { release(); spy.mockRestore(); } };
  }

  describe('passwords', () => {
    it('a user changes their password: the current one is checked, other sessions and the calendar feed end, this one goes on', async () => {
      const user = await createUser(t.http, admin, 'coordinator');
      const other = await login(t.http, user.email, user.password);
      const change = (body: object) => t.http.post('/api/auth/password').set(user.auth).send(body);
      const wrong = await change({ currentPassword: 'not-the-password', newPassword: 'a brand new passphrase' });
      expect([wrong.status, Object.keys(wrong.body.fields ?? {})]).toEqual([400, ['currentPassword']]);
      const same = await change({ currentPassword: user.password, newPassword: user.password });
      expect([same.status, Object.keys(same.body.fields ?? {})]).toEqual([400, ['newPassword']]);
      expect((await change({ currentPassword: user.password, newPassword: 'short' })).body.fields).toHaveProperty('newPassword');
      const calendar = await t.http.post('/api/calendar/token').set(user.auth).expect(201);
      await t.http.get(`/api/calendar/${calendar.body.token}.ics`).expect(200);
      await change({ currentPassword: user.password, newPassword: 'a brand new passphrase' }).expect(204);
      await t.http.get('/api/auth/me').set(user.auth).expect(200);
      await t.http.get('/api/auth/me').set(other.auth).expect(401);
      await t.http.get(`/api/calendar/${calendar.body.token}.ics`).expect(404);
      expect((await t.http.post('/api/auth/login').send({ email: user.email, password: user.password })).status).toBe(401);
      await login(t.http, user.email, 'a brand new passphrase');
      // On the record, by the user themself, once (the refused attempts changed nothing); never the password.
      const audit = await t.db.query(`SELECT actor_id, fields, details FROM audit_events WHERE action = 'user.update' AND details->>'userId' = $1 ORDER BY id`, [user.userId]);
      const state = { role: 'coordinator', active: true };
      // The first: the one they chose for the admin's temporary one (createUser).
      const byThemself = { actor_id: user.userId, fields: ['password'], details: { userId: user.userId, before: state, after: state } };
      expect(audit).toEqual([byThemself, byThemself]);
    });

    it('a sign-in whose password check overlapped a password change gets no session; nor does a feed token asked by a session revoked meanwhile', async () => {
      const user = await createUser(t.http, admin, 'coordinator');
      const other = await login(t.http, user.email, user.password);
      // The thief's sign-in, held after its password check (the old password, right then) until the change is made.
      const held = holdNextPasswordCheck();
      try {
        const thief = t.http.post('/api/auth/login').send({ email: user.email, password: user.password }).then((res) => res);
        await held.reached;
        await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: user.password, newPassword: 'Quetzal-Marzo-Velero-8812' }).expect(204);
        held.release();
        expect((await thief).status).toBe(401);
      } finally {
        held.restore();
      }
      expect(await t.db.query(`SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1 AND revoked_at IS NULL`, [user.userId])).toEqual([{ n: 1 }]);
      // A feed token asked by the other session, revoked by the change while its request was on its way (past the guard).
      const [revoked] = await t.db.query(
        `SELECT s.id, u.organization_id FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE s.user_id = $1 AND s.revoked_reason = 'password changed'`, [user.userId]);
      expect((await t.http.get('/api/auth/me').set(other.auth)).status).toBe(401);
      const principal = { userId: user.userId, role: 'coordinator' as const, organizationId: revoked.organization_id, sessionId: revoked.id };
      await expect(t.app.get(DeadlinesService).issueCalendarToken(principal)).rejects.toThrow();
      expect(await t.db.query(`SELECT 1 FROM calendar_tokens WHERE user_id = $1`, [user.userId])).toEqual([]);
    });

    it('a password change whose check overlapped the operator\'s reset does not overwrite the reset password', async () => {
      const user = await createUser(t.http, admin, 'attorney');
      const thief = await login(t.http, user.email, user.password);
      const held = holdNextPasswordCheck();
      try {
        const change = t.http.post('/api/auth/password').set(thief.auth).send({ currentPassword: user.password, newPassword: 'Tlacuache-Brisa-Oyamel-4417' }).then((res) => res);
        await held.reached;
        const reset = await t.app.get(UsersService).resetPassword(user.email);
        held.release();
        expect((await change).status).toBe(401);
        await login(t.http, user.email, reset!.password);
        expect((await t.http.post('/api/auth/login').send({ email: user.email, password: 'Tlacuache-Brisa-Oyamel-4417' })).status).toBe(401);
      } finally {
        held.restore();
      }
    });

    it('the operator\'s password reset lifts the lock of failed attempts: the new password signs in at once', async () => {
      const locked = await createUser(t.http, admin, 'intake');
      for (let i = 0; i < 6; i++) await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': `203.0.113.${60 + i}` }).send({ email: locked.email, password: `guess-${i}` });
      const elsewhere = { 'X-Forwarded-For': '198.51.100.70' }; // an address the account never signed in from
      expect((await t.http.post('/api/auth/login').set(elsewhere).send({ email: locked.email, password: locked.password })).status).toBe(429);
      const reset = await t.app.get(UsersService).resetPassword(locked.email.toUpperCase());
      expect((await t.http.post('/api/auth/login').set(elsewhere).send({ email: locked.email, password: reset!.password })).status).toBe(200);
    });

    it('a password easy to guess is refused (400 naming it) on creation and on change, and a refused change costs no attempt', async () => {
      for (const password of ['123456789012', 'passwordpassword', 'qwertyuiop123', 'lucia.guessable1']) {
        const res = await t.http.post('/api/users').set(admin.auth)
          .send({ email: 'lucia.guessable@test.amparo.example', name: 'Lucia Guessable', role: 'coordinator', password });
        expect([password, res.status, Object.keys(res.body.fields ?? {})]).toEqual([password, 400, ['password']]);
      }
      expect(await t.db.query(`SELECT 1 FROM users WHERE email = 'lucia.guessable@test.amparo.example'`)).toEqual([]);
      const user = await createUser(t.http, admin, 'intake');
      // More refusals than the sign-in throttle allows attempts: none of them counts.
      for (let i = 0; i < 6; i++) {
        const weak = await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: user.password, newPassword: '123456789012' });
        expect([weak.status, Object.keys(weak.body.fields ?? {})]).toEqual([400, ['newPassword']]);
      }
      await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: user.password, newPassword: 'tamales de elote y mole' }).expect(204);
      // How often one user may have passwords judged is limited (each judgement holds the event loop).
      const tries = [];
      for (let i = 0; i < 20; i++) tries.push((await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: 'tamales de elote y mole', newPassword: '1'.repeat(200) })).status);
      // 20 in 15 minutes: the helper's first choice, the 6 refused and the change above leave 12.
      expect(tries.slice(0, 12).every((s) => s === 400)).toBe(true);
      expect(tries[tries.length - 1]).toBe(429);
      // Counted per session: another session of the user (a stolen one, which does not know the current password) that
      // spent its own allowance does not keep the owner from changing the password on theirs.
      const thief = await login(t.http, user.email, 'tamales de elote y mole');
      const owner = await login(t.http, user.email, 'tamales de elote y mole');
      let last = 0;
      for (let i = 0; i < 21; i++) last = (await t.http.post('/api/auth/password').set(thief.auth).send({ currentPassword: 'a wrong guess', newPassword: '1'.repeat(200) })).status;
      expect(last).toBe(429);
      await t.http.post('/api/auth/password').set(owner.auth).send({ currentPassword: 'tamales de elote y mole', newPassword: 'huipiles bordados en marzo' }).expect(204);
      expect((await t.http.get('/api/auth/me').set(thief.auth)).status).toBe(401);
    });

    it('a password\'s length is counted, and the current one recognized, in the form it is hashed in (composed)', async () => {
      // Eleven accented letters, typed decomposed (22 UTF-16 units): still eleven characters.
      const short = 'ÁéÍóÚñÑüÜéá'.normalize('NFD');
      const res = await t.http.post('/api/users').set(admin.auth).send({ email: `corto-${Date.now()}@example.org`, name: 'Corto Ejemplo', role: 'intake', password: short });
      expect([res.status, Object.keys(res.body.fields ?? {})]).toEqual([400, ['password']]);
      const user = await createUser(t.http, admin, 'intake');
      const composed = 'Contraseña del cañón 2026 azul';
      await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: user.password, newPassword: composed }).expect(204);
      const same = await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: composed, newPassword: composed.normalize('NFD') });
      expect([same.status, same.body.fields?.newPassword]).toEqual([400, ['must differ from the current password']]);
    });

    it('a first start with an ADMIN_PASSWORD easy to guess fails, saying why, and creates nothing', async () => {
      const db = await new DataSource({ type: 'postgres', url: await createTestDatabase(), extra: { max: 1 } }).initialize();
      try {
        const config = { ...t.config, admin: { email: 'first.admin@test.amparo.example', password: 'first.admin2026' } };
        await expect(new BootstrapService(db, config, new PasswordService(), new SystemClock()).onApplicationBootstrap()).rejects.toThrow(/^Configuration error: ADMIN_PASSWORD is too easy to guess/);
        expect(await db.query(`SELECT count(*)::int AS n FROM organizations`)).toEqual([{ n: 0 }]);
      } finally {
        await db.destroy();
      }
    });

    it('a user name of spaces alone is refused, on creation and on change', async () => {
      const blank = await t.http.post('/api/users').set(admin.auth).send({ email: 'blank.name@test.amparo.example', name: '   ', role: 'intake', password: 'a long enough passphrase' });
      expect([blank.status, Object.keys(blank.body.fields ?? {})]).toEqual([400, ['name']]);
      const user = await createUser(t.http, admin, 'intake');
      const renamed = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ name: ' \t ' });
      expect([renamed.status, Object.keys(renamed.body.fields ?? {})]).toEqual([400, ['name']]);
      const trimmed = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ name: '  Vera Ejemplo ' }).expect(200);
      expect(trimmed.body.name).toBe('Vera Ejemplo');
      // A change naming nothing to change is a mistake, not a 200 that did nothing.
      const empty = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({});
      expect([empty.status, empty.body.fields]).toEqual([400, { body: ['send at least one field to change: name, role, active or password'] }]);
      // Beside a field's own error, it is not said: something was sent.
      const unknown = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ nickname: 'Vera' });
      expect([unknown.status, Object.keys(unknown.body.fields ?? {})]).toEqual([400, ['nickname']]);
    });

    it('a new password made of the organization\'s name is refused on change, as it is on creation', async () => {
      const [{ id, name }] = await t.db.query(`SELECT o.id, o.name FROM organizations o JOIN users u ON u.organization_id = o.id WHERE u.id = $1`, [admin.userId]);
      await t.db.query(`UPDATE organizations SET name = 'Refugio Quetzalcoatl Defensa' WHERE id = $1`, [id]);
      try {
        const user = await createUser(t.http, admin, 'intake');
        const res = await t.http.post('/api/auth/password').set(user.auth).send({ currentPassword: user.password, newPassword: 'quetzalcoatlrefugio' });
        expect([res.status, Object.keys(res.body.fields ?? {})]).toEqual([400, ['newPassword']]);
      } finally {
        await t.db.query(`UPDATE organizations SET name = $2 WHERE id = $1`, [id, name]);
      }
    });

    it('an admin cannot set a password the user chose (they could then sign in as them and read their cases)', async () => {
      const user = await createUser(t.http, admin, 'attorney');
      const res = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ password: 'set by the admin today' });
      expect([res.status, res.body.code]).toEqual([409, 'PASSWORD_SET_BY_USER']);
      await t.http.get('/api/auth/me').set(user.auth).expect(200);
      await login(t.http, user.email, user.password);
    });

    it('after the operator resets a password the user had chosen, an admin still cannot set it (they would take the account over)', async () => {
      const user = await createUser(t.http, admin, 'attorney');
      const reset = await t.app.get(UsersService).resetPassword(user.email);
      const signedIn = await login(t.http, user.email, reset!.password);
      const res = await t.http.patch(`/api/users/${user.userId}`).set(admin.auth).send({ password: 'set by the admin today' });
      expect([res.status, res.body.code]).toEqual([409, 'PASSWORD_SET_BY_USER']);
      // The user's session and the operator's password stand.
      await t.http.get('/api/auth/me').set(signedIn.auth).expect(200);
      await login(t.http, user.email, reset!.password);
    });

    it('the password an admin chose is temporary: the user must choose their own first; the admin may set it again until then, not after', async () => {
      const email = `temporal-${Date.now()}@test.amparo.example`;
      const created = await t.http.post('/api/users').set(admin.auth).send({ email, name: 'Temporal Ejemplo', role: 'intake', password: 'elegida por la admin 1' }).expect(201);
      expect(created.body.passwordChangeRequired).toBe(true);
      const first = await login(t.http, email, 'elegida por la admin 1');
      const refused = await t.http.get('/api/cases').set(first.auth);
      expect([refused.status, refused.body.code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
      // Sent to the volunteer and lost: the admin sets another, which ends the sessions of the first.
      const again = await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ password: 'otra elegida por la admin 2' }).expect(200);
      expect(again.body.passwordChangeRequired).toBe(true);
      await t.http.get('/api/auth/me').set(first.auth).expect(401);
      expect((await t.http.post('/api/auth/login').send({ email, password: 'elegida por la admin 1' })).status).toBe(401);
      // Judged as the user's own would be.
      const weak = await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ password: '123456789012' });
      expect([weak.status, Object.keys(weak.body.fields ?? {})]).toEqual([400, ['password']]);
      // Unchanged past its time, it no longer signs in.
      await t.db.query(`UPDATE users SET password_expires_at = now() - interval '1 minute' WHERE id = $1`, [created.body.id]);
      const expired = await t.http.post('/api/auth/login').send({ email, password: 'otra elegida por la admin 2' });
      expect([expired.status, expired.body.code, expired.body.message]).toEqual([401, 'PASSWORD_EXPIRED', expect.stringContaining('ask an admin')]);
      await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ password: 'la tercera de la admin 3' }).expect(200);
      const second = await login(t.http, email, 'la tercera de la admin 3');
      const own = await choosePassword(t.http, second, 'la mía, que nadie más sabe');
      await t.http.get('/api/cases').set(own.auth).expect(200);
      expect((await t.http.get('/api/auth/me').set(own.auth).expect(200)).body.passwordChangeRequired).toBe(false);
      // Theirs now: the admin can no longer set it, nor sign in with the one they chose.
      const late = await t.http.patch(`/api/users/${created.body.id}`).set(admin.auth).send({ password: 'la cuarta de la admin 4' });
      expect([late.status, late.body.code]).toEqual([409, 'PASSWORD_SET_BY_USER']);
      expect((await t.http.post('/api/auth/login').send({ email, password: 'la tercera de la admin 3' })).status).toBe(401);
      // Each setting on the record, by the admin, never the password.
      const audit = await t.db.query(`SELECT actor_id, fields FROM audit_events WHERE action = 'user.update' AND details->>'userId' = $1 ORDER BY id`, [created.body.id]);
      expect(audit).toEqual([
        { actor_id: admin.userId, fields: ['password'] }, { actor_id: admin.userId, fields: ['password'] }, { actor_id: created.body.id, fields: ['password'] },
      ]);
    });
  });

  it('housekeeping removes spent sign-in and rate-limit counters and sessions ended 30 days ago, and keeps what still counts', async () => {
    const now = t.clock.now().getTime();
    const ago = (seconds: number) => new Date(now - seconds * 1000);
    const user = await createUser(t.http, admin, 'intake');
    await t.db.query(
      `INSERT INTO login_throttle (scope, key_hash, window_started_at, failures, locked_until) VALUES
         ('ip', '\\x01', $1, 3, NULL), ('ip', '\\x02', $1, 30, $3), ('ip', '\\x03', $2, 1, NULL)`,
      [ago(3600), ago(60), new Date(now + 600_000)],
    );
    // Device tokens: one last used 31 days ago (no longer counts), one 29 days ago.
    await t.db.query(
      `INSERT INTO sign_in_devices (token_hash, user_id, created_at, last_used_at) VALUES ('\\x04', $1, $2, $2), ('\\x05', $1, $3, $3)`,
      [user.userId, ago(31 * 86_400), ago(29 * 86_400)],
    );
    await t.db.query(`INSERT INTO rate_limits (key, window_started_at, hits) VALUES ('housekeeping:old', $1, 3), ('housekeeping:new', $2, 3)`, [ago(2 * 86_400), ago(60)]);
    const sessions = await t.db.query(
      `INSERT INTO auth_sessions (user_id, created_at, expires_at, revoked_at) VALUES
         ($1, $2, $3, NULL), ($1, $2, $4, $3), ($1, $2, $4, $5) RETURNING id`,
      [user.userId, ago(60 * 86_400), ago(31 * 86_400), new Date(now + 86_400_000), ago(86_400)],
    );
    const before = await t.db.query(`SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1`, [user.userId]);
    await t.app.get(AuthHousekeeping).sweep();
    expect((await t.db.query(`SELECT key_hash FROM login_throttle WHERE key_hash IN ('\\x01', '\\x02', '\\x03') ORDER BY key_hash`)).map((r: { key_hash: Buffer }) => r.key_hash.toString('hex'))).toEqual(['02', '03']);
    expect((await t.db.query(`SELECT token_hash FROM sign_in_devices WHERE token_hash IN ('\\x04', '\\x05')`)).map((r: { token_hash: Buffer }) => r.token_hash.toString('hex'))).toEqual(['05']);
    expect((await t.db.query(`SELECT key FROM rate_limits WHERE key LIKE 'housekeeping:%'`)).map((r: { key: string }) => r.key)).toEqual(['housekeeping:new']);
    // The expired one and the one revoked a month ago go; the one revoked yesterday stays, and so does the live one.
    const left = await t.db.query(`SELECT id FROM auth_sessions WHERE id = ANY($1::uuid[])`, [sessions.map((r: { id: string }) => r.id)]);
    expect(left.map((r: { id: string }) => r.id)).toEqual([sessions[2].id]);
    expect((await t.db.query(`SELECT count(*)::int AS n FROM auth_sessions WHERE user_id = $1`, [user.userId]))[0].n).toBe(before[0].n - 2);
    await t.http.get('/api/auth/me').set(user.auth).expect(200);
  });

  describe('admins', () => {
    it('two admins demoting, or deactivating, each other at the same moment: one wins, the organization keeps an admin', async () => {
      for (const change of [{ role: 'coordinator' }, { active: false }]) {
        const first = await createUser(t.http, admin, 'admin');
        const second = await createUser(t.http, admin, 'admin');
        const answers = await Promise.all([
          t.http.patch(`/api/users/${second.userId}`).set(first.auth).send(change),
          t.http.patch(`/api/users/${first.userId}`).set(second.auth).send(change),
        ]);
        // The loser either finds itself no longer an admin (403) or its session already ended (401).
        expect(answers.map((res) => res.status).sort()).toEqual([200, expect.any(Number)]);
        expect([401, 403]).toContain(answers.map((res) => res.status).sort()[1]);
        const left = await t.db.query(`SELECT id FROM users WHERE id IN ($1, $2) AND role = 'admin' AND active`, [first.userId, second.userId]);
        expect(left).toHaveLength(1);
      }
    });
  });

  describe('brute force', () => {
    it('sign-in activity is in the log: who, from where, how it ended, a lock of an address, a refresh token used twice; never an email or a password', async () => {
      const user = await createUser(t.http, admin, 'coordinator');
      const logged = jest.spyOn(Logger.prototype, 'log');
      const warned = jest.spyOn(Logger.prototype, 'warn');
      const lines = (event: string) => [...logged.mock.calls, ...warned.mock.calls]
        .map(([fields]) => fields as Record<string, unknown>)
        .filter((fields) => typeof fields === 'object' && fields !== null && fields.event === event);
      const from = (ip: string) => ({ 'X-Forwarded-For': ip });
      try {
        const signedIn = await t.http.post('/api/auth/login').set(from('192.0.2.77')).send({ email: user.email, password: user.password }).expect(200);
        expect(lines('sign_in')).toEqual([expect.objectContaining({ userId: user.userId, ip: '192.0.2.77', counter: 'account', sessionId: expect.any(String) })]);
        await t.http.post('/api/auth/login').set(from('192.0.2.78')).send({ email: user.email, password: 'not the password' }).expect(401);
        await t.http.post('/api/auth/login').set(from('192.0.2.78')).send({ email: 'nobody.here@test.amparo.example', password: 'not the password' }).expect(401);
        expect(lines('sign_in_refused').map((f) => [f.userId, f.reason, f.ip])).toEqual([
          [user.userId, 'wrong password', '192.0.2.78'],
          [null, 'no such account', '192.0.2.78'],
        ]);
        // Thirty failures from one address lock it: said once, with the address.
        for (let i = 0; i < 28; i++) {
          await t.http.post('/api/auth/login').set(from('192.0.2.78')).send({ email: `guess-${Math.floor(i / 4)}@test.amparo.example`, password: 'not the password' }).expect(401);
        }
        expect(lines('sign_in_locked').filter((f) => f.scope === 'ip')).toEqual([expect.objectContaining({ ip: '192.0.2.78' })]);
        // A refresh token used twice: the session ends, and the log says whose.
        const refreshToken = signedIn.body.refreshToken;
        await t.http.post('/api/auth/refresh').send({ refreshToken }).expect(200);
        await t.http.post('/api/auth/refresh').send({ refreshToken }).expect(401);
        expect(lines('refresh_token_reuse')).toEqual([expect.objectContaining({ userId: user.userId, sessionId: lines('sign_in')[0].sessionId })]);
        await t.http.post('/api/auth/logout').set(user.auth).expect(204);
        expect(lines('sign_out')).toEqual([expect.objectContaining({ userId: user.userId })]);
        const all = JSON.stringify([...logged.mock.calls, ...warned.mock.calls]);
        for (const secret of [user.email, user.password, 'not the password', 'nobody.here', refreshToken]) expect(all).not.toContain(secret);
      } finally {
        logged.mockRestore();
        warned.mockRestore();
      }
    });

    it('locks an account after 5 failures (429), even for the right password', async () => {
      const victim = await createUser(t.http, admin, 'intake');
      const ip = { 'X-Forwarded-For': '203.0.113.10' };
      for (let i = 0; i < 5; i++) {
        const res = await t.http.post('/api/auth/login').set(ip).send({ email: victim.email, password: `guess-${i}` });
        expect(res.status).toBe(401);
      }
      const locked = await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '203.0.113.11' }).send({ email: victim.email, password: 'guess-5' });
      expect(locked.status).toBe(429);
      expect(locked.headers['retry-after']).toBeDefined();
      // The right password from an address the account never signed in from is refused too.
      const real = await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '198.51.100.10' }).send({ email: victim.email, password: victim.password });
      expect(real.status).toBe(429);
    });

    it('a stranger renewing the lock does not keep the owner out on a device they signed in on; guesses from it are counted too', async () => {
      const owner = await createUser(t.http, admin, 'coordinator');
      const stranger = await createUser(t.http, admin, 'intake');
      const attacker = { 'X-Forwarded-For': '203.0.113.200' };
      // A second instance on the same database, with a clock of its own to move; what it warns of, read.
      const clock = new FixedClock(new Date());
      const other = await createTestApp({ databaseUrl: t.databaseUrl, clock });
      const warned = jest.spyOn(Logger.prototype, 'warn');
      const locks = (counter: string) => warned.mock.calls
        .filter(([fields, message]) => String(message).startsWith('Sign-in locked') && (fields as { userId?: string }).userId === owner.userId
          && (fields as { counter?: string }).counter === counter).length;
      const signIn = (body: object, from: Record<string, string> = { 'X-Forwarded-For': '192.0.2.40' }) => other.http.post('/api/auth/login').set(from).send(body);
      try {
        const first = await signIn({ email: owner.email, password: owner.password }).expect(200);
        const deviceToken = first.body.deviceToken as string;
        expect(deviceToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
        // Another account's device token counts for nothing here.
        const theirs = (await signIn({ email: stranger.email, password: stranger.password }, attacker).expect(200)).body.deviceToken;
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 5; i++) await signIn({ email: owner.email, password: `guess-${round}-${i}`, deviceToken: theirs }, attacker).expect(401);
          expect((await signIn({ email: owner.email, password: owner.password }, attacker)).status).toBe(429);
          expect((await signIn({ email: owner.email, password: owner.password })).status).toBe(429); // no token
          // On the device: signed in, with the same token; the stranger's lock stays (the owner's success is not theirs).
          const again = await signIn({ email: owner.email, password: owner.password, deviceToken }).expect(200);
          expect(again.body.deviceToken).toBe(deviceToken);
          expect((await signIn({ email: owner.email, password: 'one more guess' }, attacker)).status).toBe(429);
          clock.advance(16 * 60_000);
        }
        // Each renewal of the lock is in the log (by user id, never the email), though none of its guesses was refused.
        expect(locks('account')).toBe(3);
        expect(JSON.stringify(warned.mock.calls)).not.toContain(owner.email);
        // Guesses from the device are counted on their own: five lock the device out too.
        for (let i = 0; i < 5; i++) await signIn({ email: owner.email, password: `device-${i}`, deviceToken }).expect(401);
        expect((await signIn({ email: owner.email, password: owner.password, deviceToken })).status).toBe(429);
        expect(locks('device')).toBe(1);
        // Good 30 days from its last sign-in: then a stranger's device again.
        clock.advance(16 * 60_000);
        await signIn({ email: owner.email, password: owner.password, deviceToken }).expect(200);
        clock.advance(31 * 86_400_000);
        for (let i = 0; i < 5; i++) await signIn({ email: owner.email, password: `later-${i}` }, attacker);
        expect((await signIn({ email: owner.email, password: owner.password, deviceToken })).status).toBe(429);
      } finally {
        warned.mockRestore();
        await other.close();
      }
    });

    it('a stranger who locks the shared address (guest Wi-Fi, a shelter) keeps nobody out of an account on a device it signed in on, nor from changing a password', async () => {
      const owner = await createUser(t.http, admin, 'attorney');
      const shared = { 'X-Forwarded-For': '203.0.113.240' };
      const signIn = (body: object) => t.http.post('/api/auth/login').set(shared).send(body);
      const device = (await signIn({ email: owner.email, password: owner.password }).expect(200)).body;
      // 30 guesses at made-up accounts: the address is locked.
      for (let i = 0; i < 30; i++) await signIn({ email: `made-up-${i}@example.org`, password: 'guess' }).expect(401);
      expect((await signIn({ email: owner.email, password: owner.password })).status).toBe(429);
      // On the device it signed in on: in, and the password changed.
      const again = await signIn({ email: owner.email, password: owner.password, deviceToken: device.deviceToken }).expect(200);
      await t.http.post('/api/auth/password').set(shared).set({ Authorization: `Bearer ${again.body.accessToken}` })
        .send({ currentPassword: owner.password, newPassword: 'a fresh and unusual passphrase 41' }).expect(204);
      // The counters are keyed: neither the address nor an email is found by hashing a guess.
      const plain = [createHash('sha256').update('203.0.113.240').digest(), createHash('sha256').update('made-up-0@example.org').digest()];
      expect(await t.db.query(`SELECT 1 FROM login_throttle WHERE key_hash = ANY($1)`, [plain])).toEqual([]);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM login_throttle WHERE scope = 'ip'`))[0].n).toBeGreaterThan(0);
    });

    it('a password change ends the tokens of the account\'s other devices, the operator\'s reset all of them; a role change none', async () => {
      const owner = await createUser(t.http, admin, 'intake');
      const lockOut = async (tag: string) => {
        for (let i = 0; i < 5; i++) await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '203.0.113.210' }).send({ email: owner.email, password: `${tag}-${i}` });
      };
      const signIn = (password: string, deviceToken?: string) => t.http.post('/api/auth/login').send({ email: owner.email, password, deviceToken });
      const phone = (await signIn(owner.password).expect(200)).body;
      const thief = (await signIn(owner.password).expect(200)).body;
      // A role change says nothing about who signed in: the tokens stay.
      await t.http.patch(`/api/users/${owner.userId}`).set(admin.auth).send({ role: 'coordinator' }).expect(200);
      await lockOut('after-role');
      await signIn(owner.password, phone.deviceToken).expect(200);
      await signIn(owner.password, thief.deviceToken).expect(200);
      // Changed on the phone (perhaps because of the lock): the phone keeps its token, the thief's device loses its own.
      const onPhone = (await signIn(owner.password, phone.deviceToken).expect(200)).body;
      const newPassword = 'a fresh and unusual passphrase 77';
      await t.http.post('/api/auth/password').set({ Authorization: `Bearer ${onPhone.accessToken}` })
        .send({ currentPassword: owner.password, newPassword }).expect(204);
      expect((await signIn(newPassword, phone.deviceToken).expect(200)).body.deviceToken).toBe(phone.deviceToken);
      expect((await signIn(newPassword, thief.deviceToken)).status).toBe(429);
      // The operator's reset: every token goes.
      const reset = await t.app.get(UsersService).resetPassword(owner.email);
      await lockOut('after-reset');
      expect((await signIn(reset!.password, phone.deviceToken)).status).toBe(429);
    });

    it('a new device keeps the token it is given when the account has its 20 already; a token gone meanwhile is not answered back', async () => {
      const owner = await createUser(t.http, admin, 'intake');
      const stored = async (token: string) => (await t.db.query(`SELECT 1 FROM sign_in_devices WHERE token_hash = $1`, [deviceTokenHash(token)])).length === 1;
      // Twenty devices, each of which sent its token back since (used after it was made).
      await t.db.query(
        `INSERT INTO sign_in_devices (token_hash, user_id, created_at, last_used_at)
         SELECT sha256(convert_to('device-' || g, 'UTF8')), $1, now() - interval '1 day', now() FROM generate_series(1, 20) g`, [owner.userId]);
      const fresh = (await t.http.post('/api/auth/login').send({ email: owner.email, password: owner.password }).expect(200)).body.deviceToken;
      expect(await stored(fresh)).toBe(true);
      expect((await t.db.query(`SELECT count(*)::int AS n FROM sign_in_devices WHERE user_id = $1`, [owner.userId]))[0].n).toBe(20);
      // Checked, then deleted before the sign-in is made (a trim by another sign-in): a new token, stored, is answered.
      const throttle = t.app.get(LoginThrottleService);
      const check = throttle.deviceOf.bind(throttle);
      const spy = jest.spyOn(throttle, 'deviceOf').mockImplementation(async (email, token) => {
        const hash = await check(email, token);
        await t.db.query(`DELETE FROM sign_in_devices WHERE token_hash = $1`, [hash]);
        return hash;
      });
      try {
        const again = (await t.http.post('/api/auth/login').send({ email: owner.email, password: owner.password, deviceToken: fresh }).expect(200)).body.deviceToken;
        expect(again).not.toBe(fresh);
        expect(await stored(again)).toBe(true);
      } finally {
        spy.mockRestore();
      }
    });

    it('the operator\'s reset gives a temporary password: signed in with it, the user may only change it, and unchanged it expires', async () => {
      const user = await createUser(t.http, admin, 'intake');
      const reset = await t.app.get(UsersService).resetPassword(user.email);
      const signedIn = (await t.http.post('/api/auth/login').send({ email: user.email, password: reset!.password }).expect(200)).body;
      expect(signedIn.user.passwordChangeRequired).toBe(true);
      const auth = { Authorization: `Bearer ${signedIn.accessToken}` };
      // Before, the operator's (or the chat's) copy of it stayed the user's password for good.
      const refused = await t.http.get('/api/cases').set(auth);
      expect([refused.status, refused.body.code]).toEqual([403, 'PASSWORD_CHANGE_REQUIRED']);
      expect(refused.body.message).toMatch(/POST \/api\/auth\/password/);
      expect((await t.http.get('/api/auth/me').set(auth).expect(200)).body.passwordChangeRequired).toBe(true);
      // The admin's list says whose password is still the temporary one.
      const listed = (await t.http.get('/api/users').set(admin.auth).expect(200)).body.find((u: { id: string }) => u.id === user.userId);
      expect(listed.passwordChangeRequired).toBe(true);
      await t.http.post('/api/auth/password').set(auth).send({ currentPassword: reset!.password, newPassword: 'a passphrase of my very own 58' }).expect(204);
      await t.http.get('/api/cases').set(auth).expect(200);
      expect((await t.http.get('/api/auth/me').set(auth).expect(200)).body.passwordChangeRequired).toBe(false);

      // Unchanged past its time: no sign-in, said only to whoever typed it right; a wrong password is told as before.
      const late = await createUser(t.http, admin, 'attorney');
      const again = await t.app.get(UsersService).resetPassword(late.email);
      await t.db.query(`UPDATE users SET password_expires_at = now() - interval '1 minute' WHERE id = $1`, [late.userId]);
      const expired = await t.http.post('/api/auth/login').send({ email: late.email, password: again!.password });
      expect([expired.status, expired.body.code]).toEqual([401, 'PASSWORD_EXPIRED']);
      const wrong = await t.http.post('/api/auth/login').send({ email: late.email, password: 'not the password at all 1' });
      expect([wrong.status, wrong.body.code, wrong.body.message]).toEqual([401, 'UNAUTHENTICATED', 'Invalid email or password']);
      // A session signed in before the time: it ends with the password (no refresh, no request, not even the change).
      const early = await createUser(t.http, admin, 'intake');
      const third = await t.app.get(UsersService).resetPassword(early.email);
      const open = (await t.http.post('/api/auth/login').send({ email: early.email, password: third!.password }).expect(200)).body;
      await t.db.query(`UPDATE users SET password_expires_at = now() - interval '1 minute' WHERE id = $1`, [early.userId]);
      const refreshed = await t.http.post('/api/auth/refresh').send({ refreshToken: open.refreshToken });
      expect([refreshed.status, refreshed.body.code]).toEqual([401, 'PASSWORD_EXPIRED']);
      for (const res of [
        await t.http.get('/api/auth/me').set({ Authorization: `Bearer ${open.accessToken}` }),
        await t.http.post('/api/auth/password').set({ Authorization: `Bearer ${open.accessToken}` }).send({ currentPassword: third!.password, newPassword: 'a passphrase of my very own 61' }),
      ]) expect([res.status, res.body.code]).toEqual([401, 'PASSWORD_EXPIRED']);
      // Changed, it is the user's own: it expires no more.
      expect(await t.db.query(`SELECT password_expires_at FROM users WHERE id = $1`, [user.userId])).toEqual([{ password_expires_at: null }]);
    });

    it('a first admin whose password was generated must change it at the first sign-in; one given in ADMIN_PASSWORD need not', async () => {
      for (const password of [null, 'a chosen first admin passphrase 64']) {
        const db = await new DataSource({ type: 'postgres', url: await createTestDatabase(), extra: { max: 1 } }).initialize();
        try {
          const config = { ...t.config, admin: { email: 'first.admin@test.amparo.example', password } };
          const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
          try {
            await new BootstrapService(db, config, new PasswordService(), new SystemClock()).onApplicationBootstrap();
          } finally {
            write.mockRestore();
          }
          const [admin1] = await db.query(`SELECT password_expires_at > now() + interval '71 hours' AS temporary FROM users`);
          expect([password, admin1.temporary ?? false]).toEqual([password, password === null]);
        } finally {
          await db.destroy();
        }
      }
    });

    it('the operator\'s reset finds an account by its email in any case, accented capitals included', async () => {
      const email = 'élodie.reset@test.amparo.example';
      await t.http.post('/api/users').set(admin.auth).send({ email, name: 'Élodie Example', role: 'intake', password: 'a long and unusual passphrase 42' }).expect(201);
      const reset = await t.app.get(UsersService).resetPassword('ÉLODIE.Reset@TEST.amparo.example ');
      expect(reset?.email).toBe(email);
      await login(t.http, email, reset!.password);
    });

    it('a signed-in owner may change the password while a stranger holds the account locked', async () => {
      const owner = await createUser(t.http, admin, 'coordinator');
      for (let i = 0; i < 5; i++) await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '203.0.113.220' }).send({ email: owner.email, password: `guess-${i}` });
      expect((await t.http.post('/api/auth/login').send({ email: owner.email, password: owner.password })).status).toBe(429);
      await t.http.post('/api/auth/password').set(owner.auth).send({ currentPassword: owner.password, newPassword: 'another unusual passphrase 31' }).expect(204);
    });

    it('attempts sent at once cannot all reach the password check: 5 at most, then locked', async () => {
      const victim = await createUser(t.http, admin, 'intake');
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          t.http.post('/api/auth/login').set({ 'X-Forwarded-For': `203.0.113.${100 + i}` }).send({ email: victim.email, password: `burst-${i}` })),
      );
      const statuses = burst.map((res) => res.status).sort();
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
      expect((await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '198.51.100.11' }).send({ email: victim.email, password: victim.password })).status).toBe(429);
    });

    it('successful sign-ins from one office address do not use up its attempts', async () => {
      const office = { 'X-Forwarded-For': '192.0.2.77' };
      const colleague = await createUser(t.http, admin, 'intake');
      for (let i = 0; i < 35; i++) {
        await t.http.post('/api/auth/login').set(office).send({ email: colleague.email, password: colleague.password }).expect(200);
      }
    });

    it('retries at a locked account do not use up the attempts of the address they come from', async () => {
      const office = { 'X-Forwarded-For': '192.0.2.88' };
      const locked = await createUser(t.http, admin, 'coordinator');
      const colleague = await createUser(t.http, admin, 'intake');
      for (let i = 0; i < 40; i++) {
        const res = await t.http.post('/api/auth/login').set(office).send({ email: locked.email, password: `wrong-${i}` });
        expect(res.status).toBe(i < 5 ? 401 : 429);
      }
      await t.http.post('/api/auth/login').set(office).send({ email: colleague.email, password: colleague.password }).expect(200);
    });

    it('answers an unknown account the same way (no enumeration)', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await t.http.post('/api/auth/login').set({ 'X-Forwarded-For': '203.0.113.20' }).send({ email: 'ghost@test.amparo.example', password: `g${i}` })).status);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('throttles one IP that tries many accounts', async () => {
      const ip = { 'X-Forwarded-For': '198.51.100.7' };
      // A second instance on the same database: the counters live in PostgreSQL and are shared.
      const other = await createTestApp({ databaseUrl: t.databaseUrl });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 31; i++) {
          const agent = i % 2 === 0 ? t.http : other.http;
          statuses.push((await agent.post('/api/auth/login').set(ip).send({ email: `spray${i}@test.amparo.example`, password: 'x' })).status);
        }
        expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
        expect(statuses[30]).toBe(429);
      } finally {
        await other.close();
      }
    });
  });
});
