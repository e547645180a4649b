import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { KeyRotationService, PurgeService } from '@amparo/cases';
import { AuditService } from '@amparo/audit';
import { TEMPORARY_PASSWORD_HOURS, UsersService } from '@amparo/auth';
import { ConfigError, loadConfig } from '@amparo/config';
import { DEFAULT_287G_FILE, DEFAULT_FACILITIES_FILE, ReferenceService } from '@amparo/reference';
import { AppModule } from './app.module';
import { embeddedPgLog, prepareSchema, resolveDatabase } from './database-url';
import { forgetKeyChecks, keyProblems, missingKeysMessage, wrongKeysMessage } from './key-check';

const USAGE = `Usage: npm run cli -- <command>

Commands:
  keys:status                      how many case data keys each key id of AMPARO_KEYS wraps
  keys:rotate                      re-wrap every data key under the active (first) key of AMPARO_KEYS
  keys:reindex                     recompute every case's blind indexes under AMPARO_INDEX_KEY (to rotate that key;
                                   run it with the API stopped)
  keys:forget                      forget the keys earlier starts recorded, while no case is stored (keys changed on
                                   purpose before going live); run it with the API stopped
  purge                            crypto-shred closed cases past the retention period, now
  import-reference [facilities.csv] [287g.csv] [--accept-rejected-rows] [--accept-unlisting]
                                   load a newer facilities / 287(g) file of the same shape (no file: both of data/;
                                   a facilities file alone keeps the stored 287(g) agreements); a file
                                   with rejected rows is refused unless --accept-rejected-rows; facilities the file
                                   lacks are no longer offered (unlisted), and a file that lacks more than 10 of them
                                   (or 5%, when fewer) is refused unless --accept-unlisting
  import-reference --agreements-only <287g.csv> [--accept-rejected-rows]
                                   load a newer 287(g) file alone: the facilities stay as they are, their 287(g)
                                   flags follow the new agreements
  migrate                          apply pending database migrations (as DATABASE_OWNER_URL's role when set) and
                                   grant DATABASE_URL's role its privileges
  users:reset-password <email>     give a user (e.g. a lost first admin) a new random password, printed once; ends
                                   their sessions
`;

/** Applies migrations and grants (every command does first), and nothing else. */
const MIGRATE = 'migrate';

/** Commands that write under the keys: refused with generated development keys on a database of one's own. */
const KEY_COMMANDS = new Set(['keys:rotate', 'keys:reindex']);
/** Commands to run with every API instance stopped (their help says so). */
const STOPPED_API_COMMANDS = new Set(['keys:reindex', 'keys:forget']);

type Command = (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>, args: string[]) => Promise<unknown>;

/** Commands that need the database only (no application: its keys are what they are about). */
const DATABASE_COMMANDS: Record<string, (databaseUrl: string) => Promise<unknown>> = {
  'keys:forget': forgetKeyChecks,
};

const COMMANDS: Record<string, Command> = {
  'keys:status': (app) => app.get(KeyRotationService).status(),
  'keys:rotate': (app) => app.get(KeyRotationService).rotate(),
  'keys:reindex': (app) => app.get(KeyRotationService).reindex(),
  purge: async (app) => ({ purged: await app.get(PurgeService).purgeDue() }),
  'import-reference': async (app, args) => {
    const acceptRejectedRows = args.includes('--accept-rejected-rows');
    const acceptUnlisting = args.includes('--accept-unlisting');
    const files = args.filter((a) => !a.startsWith('--'));
    // Only a 287(g) file: the stored facilities stay as the last facilities file left them.
    const agreementsOnly = args.includes('--agreements-only');
    // No file: the shipped snapshot, both files. A facilities file alone: the stored agreements stay (the shipped ones
    // may be older than those imported since).
    const [facilities, agreements] = agreementsOnly ? [null, files[0]] : files.length === 0 ? [DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE] : [files[0], files[1] ?? null];
    const report = await app.get(ReferenceService).importFiles(
      facilities === null ? null : resolve(facilities),
      agreements === null ? null : resolve(agreements),
      { acceptRejectedRows, acceptUnlisting },
    );
    return { ...report, errors: report.errors.slice(0, 50), errorCount: report.errors.length, warningRows: report.warningRows.slice(0, 50) };
  },
  'users:reset-password': async (app, args) => {
    if (!args[0]) throw new Error('users:reset-password needs the email of the user');
    // Audited in the reset's transaction: a reset the trail cannot record is not made (it had ended the user's
    // access, and the command stopped before printing the new password).
    const audit = app.get(AuditService);
    const reset = await app.get(UsersService).resetPassword(args[0], (tx, { userId, organizationId }) =>
      audit.record(tx, { organizationId, actorId: null, actorRole: 'system', action: 'user.password_reset', details: { userId, by: 'operator (CLI)' } }));
    if (!reset) throw new Error(`no user has the email ${args[0]}`);
    return { email: reset.email, password: reset.password, note: `shown once: give it to the user. It is temporary: signed in with it, they must change it before anything else (POST /api/auth/password), and it stops signing in after ${TEMPORARY_PASSWORD_HOURS} hours unchanged` };
  },
};

/**
 * What each command takes after its name: its flags, and how many other arguments (files, an email). Anything else is
 * refused before the command runs: `purge --dry-run` purged, and `--agreements-only=<file>` imported the shipped files.
 */
const ARGUMENTS: Record<string, { flags: readonly string[]; positional: readonly [number, number]; check?: (args: string[]) => string | null }> = {
  'keys:status': { flags: [], positional: [0, 0] },
  'keys:rotate': { flags: [], positional: [0, 0] },
  'keys:reindex': { flags: [], positional: [0, 0] },
  'keys:forget': { flags: [], positional: [0, 0] },
  purge: { flags: [], positional: [0, 0] },
  'import-reference': {
    flags: ['--accept-rejected-rows', '--accept-unlisting', '--agreements-only'],
    positional: [0, Infinity],
    check: (args) => {
      const files = args.filter((arg) => !arg.startsWith('-'));
      if (!args.includes('--agreements-only')) {
        return files.length > 2 ? 'import-reference takes at most two files: the facilities, then the 287(g) agreements' : null;
      }
      if (files.length !== 1) return 'import-reference --agreements-only takes one file: the 287(g) agreements';
      return args.includes('--accept-unlisting') ? 'import-reference --agreements-only unlists nothing: --accept-unlisting does not apply' : null;
    },
  },
  migrate: { flags: [], positional: [0, 0] },
  'users:reset-password': { flags: [], positional: [1, 1] },
};

/** Why the arguments are not the command's, or null. */
function argumentProblem(name: string, args: string[]): string | null {
  const allowed = ARGUMENTS[name] ?? { flags: [], positional: [0, 0] };
  const unknown = args.filter((arg) => arg.startsWith('-') && !allowed.flags.includes(arg));
  if (unknown.length) {
    return `${name} does not take ${unknown.map((arg) => `"${arg}"`).join(', ')}` + (allowed.flags.length ? ` (its options: ${allowed.flags.join(' ')})` : ' (it takes no options)');
  }
  const count = args.filter((arg) => !arg.startsWith('-')).length;
  const [min, max] = allowed.positional;
  if (count < min || count > max) {
    const takes = max === 0 ? 'no argument' : min === max ? `${min} argument${min === 1 ? '' : 's'}` : min === 0 ? `at most ${max} argument${max === 1 ? '' : 's'}` : `${min} to ${max} arguments`;
    return `${name} takes ${takes} besides its options, got ${count}`;
  }
  return allowed.check?.(args) ?? null;
}

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  const databaseCommand = DATABASE_COMMANDS[name];
  if (!command && !databaseCommand && name !== MIGRATE) {
    process.stderr.write(`Unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  const problem = argumentProblem(name, args);
  if (problem) {
    process.stderr.write(`${problem}\n\n${USAGE}`);
    return 2;
  }
  const loaded = loadConfig();
  // The generated development keys belong to the embedded development database. Against a database of one's own
  // (DATABASE_URL), re-wrapping or re-indexing under them would silently make every case unreadable to the real API.
  if (KEY_COMMANDS.has(name!) && loaded.secrets.generated && loaded.databaseUrl) {
    process.stderr.write(
      `${name} refused: AMPARO_KEYS, AMPARO_INDEX_KEY or AMPARO_JWT_SECRET is not set, so the generated development keys ` +
        `(${loaded.dataDir}/keys.json) would be used on the database of DATABASE_URL. Set the keys the API uses.\n`,
    );
    return 2;
  }
  // No first admin from a command: a generated password shown in a one-off command's output (`docker compose run`)
  // would be missed where the docs look for it, the API's log; the API creates it on its first start.
  const config = { ...loaded, logLevel: 'warn', jobs: { ...loaded.jobs, enabled: false }, admin: { ...loaded.admin, bootstrap: false } };
  // The API may be running on the same embedded server: the command uses it and leaves it running.
  const database = await resolveDatabase(config, embeddedPgLog, { shareRunning: true });
  // What must run with the API stopped, refused when it plainly runs (its process keeps the embedded server): a case it
  // writes during a re-index is indexed under the old key, and no A-number lookup or conflict check finds it after.
  if (STOPPED_API_COMMANDS.has(name!) && database.keptBy !== undefined) {
    process.stderr.write(
      `${name} refused: the API (process ${database.keptBy}) is running on this data directory's database. Stop it first, then run the command again: ` +
        'what it writes meanwhile would be left out.\n',
    );
    return 2;
  }
  try {
    const applied = await prepareSchema(database);
    // Migrating needs no application: in particular not the first-admin bootstrap, whose generated password belongs
    // in the API's log (docker-compose.yml runs this as a one-off service before the API).
    if (databaseCommand) {
      process.stdout.write(`${JSON.stringify(await databaseCommand(database.url), null, 2)}\n`);
      return 0;
    }
    if (!command) {
      process.stdout.write(`${JSON.stringify({ ok: true, applied }, null, 2)}\n`);
      return 0;
    }
    if (applied.length) process.stderr.write(`Applied migrations: ${applied.join(', ')}\n`);
    // Re-wrapping or re-indexing with a key that is not the data's would make cases unreadable, or index them under
    // nothing: the keys are checked as the API's boot checks them (the index key aside: a re-index brings a new one).
    if (KEY_COMMANDS.has(name!)) {
      const problems = await keyProblems(database.url, config.secrets.keyring, config.secrets.indexKey, { checkIndexKey: false });
      // A key missing too: its cases would fail one by one (a re-index would leave them under the old index key).
      if (problems.missingKeyIds.length > 0 || problems.wrongKeyIds.length > 0) {
        const why = problems.missingKeyIds.length > 0 ? missingKeysMessage(problems.missingKeyIds) : wrongKeysMessage(problems.wrongKeyIds);
        process.stderr.write(`${name} refused: AMPARO_KEYS ${why}\n`);
        return 2;
      }
    }
    const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config, databaseUrl: database.url }), {
      logger: ['error', 'warn'],
    });
    let result: unknown;
    try {
      result = await command(app, args);
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await app.close();
    }
    // Cases a key command could not handle (tampered, say): the run did the others, and did not succeed.
    // And cases re-indexed whose conflict review failed (logged): a correction of each reviews it again. Each said.
    const { failed, reviewFailed } = (result ?? {}) as { failed?: unknown; reviewFailed?: unknown };
    let code = 0;
    if (Array.isArray(failed) && failed.length > 0) {
      process.stderr.write(`${name}: ${failed.length} case(s) failed (listed in "failed"): they did not decrypt; see docs/security.md\n`);
      code = 1;
    }
    if (Array.isArray(reviewFailed) && reviewFailed.length > 0) {
      process.stderr.write(`${name}: the conflict review of ${reviewFailed.length} case(s) failed (listed in "reviewFailed", errors logged)\n`);
      code = 1;
    }
    return code;
  } finally {
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
