import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AuditSealService } from '@amparo/audit';
import { CaseCipher, KeyRotationService } from '@amparo/cases';
import { CLI_JS, MAIN_JS, REPO_ROOT, apiEnv, freePort, startApi, stopAllApis } from '../support/api-process';
import { minimalBody } from '../support/cases';
import { TEST_KEYS, createTestApp } from '../support/test-app';
import { createUser, loginAdmin } from '../support/users';

/**
 * A key-encryption key removed from AMPARO_KEYS while data keys in the database still use it (retired too early, or a
 * backup from before a rotation restored): the API must refuse to start, naming the key, rather than serve 500s for
 * those cases, and nothing must prompt the operator to destroy the key for good.
 */
describe('boot check: every key id that wraps a case data key is in the keyring, with its own key (process e2e)', () => {
  afterAll(() => stopAllApis());

  const db = async (url: string, sql: string, params: unknown[] = []) => {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const base = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PORT|NODE_ENV|AMPARO_.*|ADMIN_.*)$/.test(k)));
  /** Runs the API to its exit (expected: a refusal at boot). */
  const refused = async (databaseUrl: string, extra: Record<string, string>) => promisify(execFile)(process.execPath, [MAIN_JS], {
    cwd: REPO_ROOT,
    env: { ...base(), ...apiEnv(databaseUrl, { ...extra, PORT: String(await freePort()) }) },
    timeout: 30_000,
  });

  it('refuses to start without a key still in use, naming it; starts once it is back', async () => {
    const t = await createTestApp();
    try {
      const admin = await loginAdmin(t.http);
      const intake = await createUser(t.http, admin, 'intake');
      await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    } finally {
      await t.close();
    }
    const [usedId] = TEST_KEYS.keyring.split(':');
    const newKey = `k9:${randomBytes(32).toString('base64')}`;
    await expect(refused(t.databaseUrl, { AMPARO_KEYS: newKey })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`AMPARO_KEYS lacks the key id(s) "${usedId}"`) });
    // With the old key beside the new one (a rotation in progress), it starts.
    const api = await startApi(apiEnv(t.databaseUrl, { AMPARO_KEYS: `${newKey},${TEST_KEYS.keyring}` }));
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  }, 90_000);

  it('refuses a key id given another key (a mistyped value), and an index key the stored indexes were not computed with', async () => {
    const t = await createTestApp();
    let ids: string[];
    try {
      const admin = await loginAdmin(t.http);
      const intake = await createUser(t.http, admin, 'intake');
      ids = [];
      for (let i = 0; i < 3; i++) ids.push((await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201)).body.id);
    } finally {
      await t.close();
    }
    const [usedId] = TEST_KEYS.keyring.split(':');
    const wrongKek = `${usedId}:${randomBytes(32).toString('base64')}`;
    const wrongIndex = randomBytes(32).toString('base64');
    const keyError = `AMPARO_KEYS key(s) "${usedId}" are not the keys stored data keys were wrapped with`;
    const indexError = 'AMPARO_INDEX_KEY is not the key the blind indexes';
    // Nothing is recorded yet. Another environment's file (both keys wrong): refused for the keyring, and its index
    // key is not recorded as the right one.
    await expect(refused(t.databaseUrl, { AMPARO_KEYS: wrongKek, AMPARO_INDEX_KEY: wrongIndex })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(keyError) });
    // Another index key alone, still before any record: it computes none of the stored indexes.
    await expect(refused(t.databaseUrl, { AMPARO_INDEX_KEY: wrongIndex })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(indexError) });
    expect((await db(t.databaseUrl, `SELECT count(*)::int AS n FROM key_checks`))[0].n).toBe(0);
    // One tampered row (a data key copied from another case) does not make the right keyring wrong.
    await db(t.databaseUrl, `UPDATE case_keys SET wrapped_key = (SELECT wrapped_key FROM case_keys WHERE case_id = $1) WHERE case_id = $2`, [ids![0], ids![1]]);
    // The right keys start, and they are recorded (the keyring's by id, and the index key).
    const first = await startApi(apiEnv(t.databaseUrl));
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    await stopAllApis();
    expect(await db(t.databaseUrl, `SELECT name FROM key_checks ORDER BY name`)).toEqual([{ name: 'audit:a1' }, { name: 'index_key' }, { name: `kek:${usedId}` }]);
    await expect(refused(t.databaseUrl, { AMPARO_KEYS: wrongKek })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(keyError) });
    await expect(refused(t.databaseUrl, { AMPARO_INDEX_KEY: wrongIndex })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(indexError) });
    const again = await startApi(apiEnv(t.databaseUrl));
    expect((await fetch(`${again.url}/health`)).status).toBe(200);
    await stopAllApis();

    // A rotation's new key, started with (and recorded), then typed otherwise for keys:rotate: refused, nothing re-wrapped.
    const newKey = `k9:${randomBytes(32).toString('base64')}`;
    const rotating = await startApi(apiEnv(t.databaseUrl, { AMPARO_KEYS: `${newKey},${TEST_KEYS.keyring}` }));
    expect((await fetch(`${rotating.url}/health`)).status).toBe(200);
    await stopAllApis();
    const rotate = promisify(execFile)(process.execPath, [CLI_JS, 'keys:rotate'], {
      cwd: REPO_ROOT,
      env: { ...base(), ...apiEnv(t.databaseUrl, { AMPARO_KEYS: `k9:${randomBytes(32).toString('base64')},${TEST_KEYS.keyring}` }) },
      timeout: 60_000,
    });
    await expect(rotate).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('keys:rotate refused: AMPARO_KEYS key(s) "k9"') });
    expect(await db(t.databaseUrl, `SELECT DISTINCT kek_id FROM case_keys`)).toEqual([{ kek_id: usedId }]);
    // The old key left out: refused before anything changes (a re-index would leave its cases under the old index key).
    const cli = (command: string, keys: string, extra: Record<string, string> = {}) => promisify(execFile)(process.execPath, [CLI_JS, command], {
      cwd: REPO_ROOT, env: { ...base(), ...apiEnv(t.databaseUrl, { AMPARO_KEYS: keys, ...extra }) }, timeout: 60_000,
    });
    const newIndex = randomBytes(32).toString('base64');
    for (const command of ['keys:rotate', 'keys:reindex']) {
      await expect(cli(command, newKey, { AMPARO_INDEX_KEY: newIndex })).rejects.toMatchObject({
        code: 2, stderr: expect.stringContaining(`${command} refused: AMPARO_KEYS lacks the key id(s) "${usedId}"`),
      });
    }
    expect(await db(t.databaseUrl, `SELECT DISTINCT kek_id FROM case_keys`)).toEqual([{ kek_id: usedId }]);
    // With the whole keyring: the tampered case fails, the others are re-wrapped, and the run does not claim success.
    const partial = cli('keys:rotate', `${newKey},${TEST_KEYS.keyring}`);
    await expect(partial).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('keys:rotate: 1 case(s) failed') });
    const answer = JSON.parse(((await partial.catch((error: { stdout: string }) => error)) as { stdout: string }).stdout);
    expect(answer.failed).toHaveLength(1);
    expect(answer.rewrapped).toBeGreaterThan(0);
  }, 180_000);

  it('refuses an audit key id given another key (a mistyped value): by the seals made under it, then by its record; a new id first starts', async () => {
    const t = await createTestApp();
    try {
      const admin = await loginAdmin(t.http);
      await createUser(t.http, admin, 'intake');
      expect(await t.app.get(AuditSealService).sealChains()).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
    const [auditId] = TEST_KEYS.auditKeys.split(':');
    const wrong = `${auditId}:${randomBytes(32).toString('base64')}`;
    const auditError = `AMPARO_AUDIT_KEYS key(s) "${auditId}" are not the keys used before under those ids`;
    // Not recorded yet: the seals made under that id do not check out with it.
    await expect(refused(t.databaseUrl, { AMPARO_AUDIT_KEYS: wrong })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(auditError) });
    expect(await db(t.databaseUrl, `SELECT name FROM key_checks`)).toEqual([]);
    // Rows the API's own role may append under that id (of no organization, dated ahead) are not taken as its seals.
    for (let seq = 1; seq <= 5; seq++) {
      await db(t.databaseUrl,
        `INSERT INTO audit_seals (organization_id, chain, seq, prev_mac, event_id, event_hash, sealed_at, key_id, mac)
         VALUES ($1, 0, $2, '\\x00', 1, '\\x00', '9999-01-01', $3, '\\x00')`, [randomUUID(), seq, auditId]);
    }
    const right = await startApi(apiEnv(t.databaseUrl));
    expect((await fetch(`${right.url}/health`)).status).toBe(200);
    await stopAllApis();
    expect(await db(t.databaseUrl, `SELECT name FROM key_checks WHERE name LIKE 'audit:%'`)).toEqual([{ name: `audit:${auditId}` }]);
    // Recorded: refused by the record from now on.
    await expect(refused(t.databaseUrl, { AMPARO_AUDIT_KEYS: wrong })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(auditError) });
    // A new key under a new id, first, with the old one: starts.
    const rotated = await startApi(apiEnv(t.databaseUrl, { AMPARO_AUDIT_KEYS: `a2:${randomBytes(32).toString('base64')},${TEST_KEYS.auditKeys}` }));
    expect((await fetch(`${rotated.url}/health`)).status).toBe(200);
  }, 90_000);

  it('a keys:reindex that stopped midway: neither index key starts the API (each misses some cases) until it is run again', async () => {
    const t = await createTestApp();
    try {
      const admin = await loginAdmin(t.http);
      const intake = await createUser(t.http, admin, 'intake');
      for (let i = 0; i < 2; i++) await t.http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    } finally {
      await t.close();
    }
    await startApi(apiEnv(t.databaseUrl)); // records the index key
    await stopAllApis();
    const newIndex = randomBytes(32).toString('base64');
    const rotating = await createTestApp({ databaseUrl: t.databaseUrl, env: { AMPARO_INDEX_KEY: newIndex } });
    try {
      // Killed after it began (here: its first batch fails, as a lost connection would).
      const data = rotating.app.get(DataSource);
      jest.spyOn(data, 'transaction').mockRejectedValueOnce(new Error('connection lost'));
      await expect(rotating.app.get(KeyRotationService).reindex()).rejects.toThrow('connection lost');
    } finally {
      jest.restoreAllMocks();
      await rotating.close();
    }
    const unfinished = 'a re-index (keys:reindex) started and did not finish';
    await expect(refused(t.databaseUrl, {})).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(unfinished) });
    await expect(refused(t.databaseUrl, { AMPARO_INDEX_KEY: newIndex })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(unfinished) });
    // Run again to its end, though a case's stored values cannot be indexed (reported, not the end of the run): the
    // new key is recorded, and starts; the old one is refused.
    const again = await createTestApp({ databaseUrl: t.databaseUrl, env: { AMPARO_INDEX_KEY: newIndex } });
    try {
      jest.spyOn(again.app.get(CaseCipher), 'blindIndexes').mockImplementationOnce(() => { throw new TypeError('cannot read a value'); });
      const result = await again.app.get(KeyRotationService).reindex();
      expect([result.failed.length, result.reindexed]).toEqual([1, 1]);
    } finally {
      jest.restoreAllMocks();
      await again.close();
    }
    expect(await db(t.databaseUrl, `SELECT name FROM key_checks WHERE name LIKE 'index_key%'`)).toEqual([{ name: 'index_key' }]);
    const api = await startApi(apiEnv(t.databaseUrl, { AMPARO_INDEX_KEY: newIndex }));
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    await stopAllApis();
    await expect(refused(t.databaseUrl, {})).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('AMPARO_INDEX_KEY is not the key the blind indexes') });
  }, 180_000);

  it('keys changed before any case is stored are refused, saying keys:forget may forget them; that is refused once a case is stored', async () => {
    const t = await createTestApp();
    await t.close();
    const [usedId] = TEST_KEYS.keyring.split(':');
    const tried = { AMPARO_KEYS: `${usedId}:${randomBytes(32).toString('base64')}`, AMPARO_INDEX_KEY: randomBytes(32).toString('base64') };
    const first = await startApi(apiEnv(t.databaseUrl, tried));
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
    await stopAllApis();
    // The keys meant for production, under the same id: refused (another instance may be serving with the first ones),
    // and told how to forget them, since no case is stored.
    await expect(refused(t.databaseUrl, {})).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No case is stored yet: .*keys:forget/) });
    const cli = (env: Record<string, string>) => promisify(execFile)(process.execPath, [CLI_JS, 'keys:forget'], {
      cwd: REPO_ROOT, env: { ...base(), ...apiEnv(t.databaseUrl, env) }, timeout: 60_000,
    });
    expect(JSON.parse((await cli({})).stdout)).toEqual({ forgotten: ['audit:a1', 'index_key', `kek:${usedId}`] });
    const live = await startApi(apiEnv(t.databaseUrl));
    const http = (await import('supertest')).default(live.url);
    const intake = await createUser(http, await loginAdmin(http), 'intake');
    await http.post('/api/cases').set(intake.auth).send(minimalBody()).expect(201);
    await stopAllApis();
    // A case is stored: the first keys are wrong now, with no hint to forget anything, and nothing may be forgotten.
    const wrong = refused(t.databaseUrl, { AMPARO_KEYS: tried.AMPARO_KEYS });
    await expect(wrong).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`AMPARO_KEYS key(s) "${usedId}"`) });
    await expect(wrong).rejects.toMatchObject({ stderr: expect.not.stringContaining('keys:forget') });
    await expect(refused(t.databaseUrl, { AMPARO_INDEX_KEY: tried.AMPARO_INDEX_KEY })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('AMPARO_INDEX_KEY is not the key') });
    await expect(cli({})).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('keys:forget refused: cases are stored') });
    expect(await db(t.databaseUrl, `SELECT name FROM key_checks ORDER BY name`)).toEqual([{ name: 'audit:a1' }, { name: 'index_key' }, { name: `kek:${usedId}` }]);
  }, 120_000);
});
