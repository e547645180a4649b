import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { MAIN_JS, REPO_ROOT, apiEnv, freePort, startApi, stopAllApis } from '../support/api-process';
import { minimalBody } from '../support/cases';
import { TEST_KEYS, createTestApp } from '../support/test-app';
import { createUser, loginAdmin } from '../support/users';

/**
 * A key-encryption key removed from AMPARO_KEYS while data keys in the database still use it (retired too early, or a
 * backup from before a rotation restored): the API must refuse to start, naming the key, rather than serve 500s for
 * those cases, and nothing must prompt the operator to destroy the key for good.
 */
describe('boot check: every key id that wraps a case data key is in the keyring (process e2e)', () => {
  afterAll(() => stopAllApis());

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
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PORT|NODE_ENV|AMPARO_.*|ADMIN_.*)$/.test(k)));
    const run = promisify(execFile)(process.execPath, [MAIN_JS], {
      cwd: REPO_ROOT,
      env: { ...base, ...apiEnv(t.databaseUrl, { AMPARO_KEYS: newKey, PORT: String(await freePort()) }) },
      timeout: 30_000,
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining(`AMPARO_KEYS lacks the key id(s) "${usedId}"`) });
    // With the old key beside the new one (a rotation in progress), it starts.
    const api = await startApi(apiEnv(t.databaseUrl, { AMPARO_KEYS: `${newKey},${TEST_KEYS.keyring}` }));
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
  }, 90_000);
});
