import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiProcess, REPO_ROOT, apiEnv, freePort, startApi, stopAllApis } from '../support/api-process';
import { createTestDatabase } from '../support/test-app';

/**
 * docs/api.md's walkthrough is run as written, against the built API on a fresh database, in bash with curl and jq:
 * only its two settings (where the API is, the first admin's password) are filled in. What the docs say each step
 * shows is checked on the output. An example that no longer runs fails here, not in a reader's shell.
 */

const haveTools = ['curl', 'jq'].every((tool) => (process.env.PATH ?? '').split(':').some((dir) => {
  try {
    readFileSync(join(dir, tool));
    return true;
  } catch {
    return false;
  }
}));

/** The one `sh` block of the walkthrough section. */
function walkthrough(): string {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('run the\nsteps below'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('docs/api.md: the walkthrough has no sh block');
  return match[1];
}

if (!haveTools) process.stderr.write('docs/api.md walkthrough test SKIPPED: it needs curl and jq on the PATH\n');

(haveTools ? describe : describe.skip)('docs/api.md walkthrough, run as written (process e2e)', () => {
  let api: ApiProcess;
  const password = 'walkthrough-admin-password-7';

  beforeAll(async () => {
    const port = await freePort();
    // The walkthrough signs in as the default first admin (ADMIN_EMAIL unset: admin@amparo.local).
    const { ADMIN_EMAIL: _default, ...env } = apiEnv(await createTestDatabase(), {
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      ADMIN_PASSWORD: password,
    });
    api = await startApi(env);
  }, 90_000);
  afterAll(() => stopAllApis());

  it('every step runs and shows what the docs say it shows', async () => {
    const script = walkthrough()
      .replace(/^API=.*$/m, `API=${api.url}`)
      .replace(/^ADMIN_PASSWORD=.*$/m, `ADMIN_PASSWORD='${password}'`);
    expect(script).toContain(`API=${api.url}`);
    const { stdout } = await promisify(execFile)('bash', ['-c', `set -euo pipefail\n${script}`], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LC_ALL: 'C' },
      timeout: 60_000,
    });
    // jq prints one JSON document per step (compact or pretty); the calendar's SUMMARY lines come last.
    const [documents, calendar] = splitOutput(stdout);
    const [users, created, readBack, event, board, profile, referral, summary, accepted, assigned] =
      [documents.slice(0, 3), ...documents.slice(3)];

    expect(users.map((u) => u.role)).toEqual(['intake', 'coordinator', 'attorney']);
    // 3. Unplaced (nobody has a profile yet), which the intake volunteer reads as new; critical for the hold and for
    // no counsel, the hold in Texas's zone.
    expect(created).toMatchObject({ reference: expect.stringMatching(/^AMP-/), status: 'new', urgency: { level: 'critical' } });
    // The outer limit is said when a weekend or a holiday falls in the 48 hours (later than them).
    expect(created.urgency.reasons.join(' ')).toMatch(/48-hour hold ends .* at Travis County Jail(; outer limit under 8 CFR 287\.7\(d\): .*)?/);
    expect(created.urgency.reasons).toContain('Detained with no attorney on record');
    expect(created.deadlines).toEqual([expect.objectContaining({ rule: 'detainer_hold', status: 'open', dueAt: expect.stringMatching(/-0[56]:00$/) })]);
    // 4. The volunteer's full view.
    expect(readBack).toMatchObject({ view: 'full', status: 'new', client: { lastName: 'Ejemplo' }, caller: { name: 'Lucia Ejemplo' } });
    // 5. The event, and the hearing's deadline beside the hold: 15:00 UTC shown in the case's zone.
    expect(Object.keys(event.event)).toEqual(expect.arrayContaining(['id', 'type', 'occurredAt', 'hearingType', 'scheduledAt']));
    expect(event.deadlines.map((d: { rule: string }) => d.rule).sort()).toEqual(['bond_hearing', 'detainer_hold']);
    // (…T10:00:00-05:00 while Central daylight time is in force.)
    const hearing = event.deadlines.find((d: { rule: string }) => d.rule === 'bond_hearing').dueAt as string;
    expect(hearing).toMatch(/T09:00:00-06:00$|T10:00:00-05:00$/);
    expect(new Date(hearing).getUTCHours()).toBe(15);
    // 6. The board.
    expect(board).toMatchObject({ hasMore: false });
    expect(board.items.map((d: { rule: string; caseUrgency: string }) => [d.rule, d.caseUrgency]).sort())
      .toEqual([['bond_hearing', 'critical'], ['detainer_hold', 'critical']]);
    // 7. The profile.
    expect(profile).toMatchObject({ activeCases: 0, openOffers: 0, languages: ['spa', 'eng'] });
    // 8. The offer: two hours for a critical case; an interpreter is needed, so Mam is only a score factor.
    expect(referral).toMatchObject({ status: 'offered', match: { score: 70 } });
    expect(Date.parse(referral.respondBy) - Date.parse(referral.offeredAt)).toBe(2 * 3600_000);
    // 9. The de-identified summary: urgency and why, flags, deadlines; nothing that names the client.
    expect(summary).toMatchObject({ urgency: 'critical', language: 'mam', county: 'Travis', state: 'TX' });
    expect(summary.urgencyReasons).toEqual(expect.arrayContaining([...created.urgency.reasons, expect.stringMatching(/^Bond hearing: due /)]));
    expect(summary.deadlines.map((d: { rule: string }) => d.rule).sort()).toEqual(['bond_hearing', 'detainer_hold']);
    for (const needle of ['Ejemplo', 'Mateo', '555', 'bail']) expect(JSON.stringify(summary)).not.toContain(needle);
    expect(accepted).toMatchObject({ status: 'accepted', respondedAt: expect.any(String) });
    // 10. The attorney's full view, and the calendar with references and rules only.
    expect(assigned).toEqual({ view: 'full', status: 'assigned', client: 'Ejemplo' });
    expect(calendar).toEqual([
      expect.stringMatching(/^SUMMARY:AMP-\w+: ICE detainer 48-hour hold\r?$/),
      expect.stringMatching(/^SUMMARY:AMP-\w+: Bond hearing\r?$/),
    ]);
  }, 90_000);
});

/** The JSON documents printed one after another, and the lines that are not JSON (the calendar's). */
function splitOutput(stdout: string): [any[], string[]] {
  const documents: any[] = [];
  const rest: string[] = [];
  let buffer = '';
  for (const line of stdout.split('\n')) {
    if (!buffer && !/^[{[]/.test(line)) {
      if (line.trim()) rest.push(line);
      continue;
    }
    buffer += `${line}\n`;
    try {
      documents.push(JSON.parse(buffer));
      buffer = '';
    } catch {
      // not complete yet
    }
  }
  if (buffer.trim()) throw new Error(`unfinished JSON in the walkthrough's output:\n${buffer}`);
  return [documents, rest];
}
