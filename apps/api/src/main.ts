import 'reflect-metadata';
import cluster, { type Worker } from 'node:cluster';
import { createServer } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, ConfigError, loadConfig } from '@amparo/config';
import { StartupError, canRewriteAuditTrail, embeddedShutdownHooked, takeOverShutdownSignals } from '@amparo/database';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { cliCommand, keyProblems, missingKeysMessage, wrongKeysMessage } from './key-check';
import { embeddedPgLog, prepareSchema, ResolvedDatabase, resolveDatabase } from './database-url';

/** How long workers get to finish their requests on shutdown before they are killed. */
const WORKER_STOP_MS = 15_000;
const RESTART_DELAY_MS = 1000;
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

/**
 * Set when a signal asks this process to stop. A stop while the app is still starting (a cluster's other worker failed
 * to bind, and the main process stops them all; Ctrl-C during the boot) closes the database pool under the boot's own
 * queries: their failure ("Connection terminated") is the stop, not a failed start to report with its stack.
 */
let stopRequested = false;

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  if (cluster.isWorker) return serve(config, null);
  await expectPortFree(config.port);
  const booted = stopQuietlyWhileBooting();
  const database = await prepareDatabase(config);
  booted();
  // Asked to stop while it was prepared, and nothing failed for it: stopped here rather than started.
  if (stopRequested) {
    await database.stop();
    process.exit(0);
  }
  // SIGINT and SIGTERM close the app, then stop the database (serve, supervise), not the other way round.
  takeOverShutdownSignals();
  if (config.apiWorkers > 1) return supervise(config, database);
  return serve(config, database);
}

/**
 * Fails as the app's own listen would (EADDRINUSE, EACCES) when the port cannot be bound, before anything is set up:
 * a first start would otherwise create the admin and print its generated password (shown once) and only then fail, and
 * the start that follows, on another port, would not show it again. Another process may still take the port in the
 * moment between: the app's listen then fails as before.
 */
function expectPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    // As the app listens: every address, IPv6 and IPv4.
    probe.listen(port, () => probe.close(() => resolve()));
  });
}

/**
 * A stop asked for while the database is prepared (Ctrl-C during a first start's migrations, which reaches the embedded
 * PostgreSQL too) is a stop: the queries it cuts are not reported as a failed start with their stack. The embedded
 * package's own hook, once loaded, stops its server and exits; without it (DATABASE_URL, or before the package is
 * loaded) nothing else would end the process. Returns the function that removes the listeners, once the app's own
 * take over.
 */
function stopQuietlyWhileBooting(): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    stopRequested = true;
    new Logger('Boot').log(`${signal} received while starting: stopping`);
    if (!embeddedShutdownHooked()) process.exit(0);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const signal of signals) process.on(signal, onSignal);
  return () => signals.forEach((signal) => process.removeListener(signal, onSignal));
}

/** The database (DATABASE_URL or the embedded one), migrated: done once, by the main process. */
async function prepareDatabase(config: AppConfig): Promise<ResolvedDatabase> {
  const database = await resolveDatabase(config, embeddedPgLog);
  const applied = await prepareSchema(database);
  const log = new Logger('Boot');
  if (applied.length) log.log(`Applied migrations: ${applied.join(', ')}`);
  if (database.embedded) log.log(`Using the embedded PostgreSQL under ${config.dataDir}/pg`);
  if (await canRewriteAuditTrail(database.url)) {
    log.warn(
      "DATABASE_URL's role owns the schema, is a superuser or may create roles, so it could disable the audit trail's append-only trigger: " +
        'give the API a role of its own and the owner to DATABASE_OWNER_URL (docs/deployment.md)',
    );
  }
  if (config.secrets.fromFile.length > 0) {
    log.warn(`Using generated development keys from ${config.dataDir}/keys.json for ${config.secrets.fromFile.join(', ')}: set them for production`);
  }
  const problems = await keyProblems(database.url, config.secrets.keyring, config.secrets.indexKey, { auditKeys: config.secrets.auditKeys });
  const refuse = async (variable: string, message: string): Promise<never> => {
    await database.stop();
    throw new ConfigError(variable, message);
  };
  if (problems.missingKeyIds.length > 0) {
    await refuse('AMPARO_KEYS', missingKeysMessage(problems.missingKeyIds));
  }
  // Refused with no case stored: keys changed on purpose before going live can be forgotten; another instance may
  // also be serving with the recorded ones.
  const beforeAnyCase = problems.nothingStored
    ? ` No case is stored yet: if the keys were changed on purpose (a trial with other keys before going live), stop every instance and run ${cliCommand('keys:forget')}, then start again.`
    : '';
  if (problems.wrongKeyIds.length > 0) {
    await refuse('AMPARO_KEYS', wrongKeysMessage(problems.wrongKeyIds) + beforeAnyCase);
  }
  if (problems.wrongAuditKeyIds.length > 0) {
    await refuse('AMPARO_AUDIT_KEYS',
      `key(s) ${problems.wrongAuditKeyIds.map((id) => `"${id}"`).join(', ')} are not the keys used before under those ids (recorded at an earlier start, or that made the newest seals under them): ` +
        'the audit trail could not be sealed, and its genuine seals would read as forged. Check the value (a copy or paste error, another environment\'s file); ' +
        'a key id, once used, keeps its key (keys:forget does not undo the seals a start made under it): give a new key a new id, first in the list.' +
        (problems.wrongAuditSeals.length > 0
          ? ` Refused by the newest seals made under it (audit_seals ids ${problems.wrongAuditSeals.join(', ')}): if the key is right, they were written by someone else (docs/security.md, "When sealing has stopped").`
          : ''));
  }
  if (problems.reindexUnfinished) {
    await refuse('AMPARO_INDEX_KEY',
      'cannot be checked: a re-index (keys:reindex) started and did not finish, so some cases are indexed as it computes them (under its key) and the others as before, and duplicate checks, A-number look-ups and conflict checks would miss some. ' +
        `Run it again with the key it was run with, every instance stopped (${cliCommand('keys:reindex')}), then start with that key.`);
  }
  if (problems.wrongIndexKey) {
    await refuse('AMPARO_INDEX_KEY',
      'is not the key the blind indexes in the database were computed with, or recorded by an earlier start: duplicate checks, A-number look-ups and conflict checks would find nothing. ' +
        `Put the right key back; to change it, stop the API and run ${cliCommand('keys:reindex')} with the new one.` + beforeAnyCase);
  }
  return database;
}

/** The HTTP API in this process. `database` is null in a cluster worker: the main process owns the database. */
async function serve(config: AppConfig, database: ResolvedDatabase | null): Promise<void> {
  const databaseUrl = database?.url ?? config.databaseUrl;
  if (!databaseUrl) throw new Error('a cluster worker needs DATABASE_URL from the main process');
  const log = new Logger(cluster.isWorker ? `Worker ${process.env.AMPARO_WORKER ?? cluster.worker?.id}` : 'Boot');
  // Answered from the start (the embedded database's own hook was taken over): a signal while the app is still being
  // built stops the database too, rather than leaving it running.
  let app: NestExpressApplication | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    stopRequested = true;
    log.log(`${signal} received: shutting down`);
    await app?.close();
    await database?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot({ config, databaseUrl }), { bufferLogs: true });
  configureApp(app, config);

  await app.listen(config.port);
  if (!cluster.isWorker) log.log(`Amparo listening on http://localhost:${config.port} (API docs at /docs)`);
}

/**
 * API_WORKERS > 1: this process keeps the database (embedded or not) and `API_WORKERS` worker processes share the
 * port (node:cluster hands connections out in turn). Background jobs run in worker 0 only; they are safe with more
 * instances (multi-instance tests), this only avoids the duplicate polling. A worker that dies after it started
 * serving is replaced, a second later; one that dies before it ever listened (the first or a replacement), or more
 * than MAX_RESTARTS deaths within RESTART_WINDOW_MS, stops everything: the error would only repeat.
 */
function supervise(config: AppConfig, database: ResolvedDatabase): Promise<void> {
  const log = new Logger('Cluster');
  const indexOf = new Map<Worker, number>();
  const listening = new Set<number>();
  let stopping = false;

  const fork = (index: number) => {
    const worker = cluster.fork({
      DATABASE_URL: database.url,
      AMPARO_WORKER: String(index),
      JOBS_ENABLED: index === 0 && config.jobs.enabled ? 'true' : 'false',
    });
    indexOf.set(worker, index);
  };

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    const workers = [...indexOf.keys()];
    const exited = workers.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of workers) if (!w.isDead()) w.process.kill('SIGTERM');
    const timer = setTimeout(() => workers.forEach((w) => w.isDead() || w.process.kill('SIGKILL')), WORKER_STOP_MS);
    await Promise.all(exited);
    clearTimeout(timer);
    await database.stop();
    process.exit(code);
  };

  let announced = false;
  cluster.on('listening', (worker) => {
    const index = indexOf.get(worker);
    if (index === undefined) return;
    listening.add(index);
    if (announced) log.log(`Worker ${index} is serving again`);
    else if (listening.size === config.apiWorkers) {
      announced = true;
      log.log(`Amparo listening on http://localhost:${config.port} with ${config.apiWorkers} workers (API docs at /docs)`);
    }
  });
  const deaths: number[] = [];
  cluster.on('exit', (worker, code, signal) => {
    const index = indexOf.get(worker);
    indexOf.delete(worker);
    if (stopping || index === undefined) return;
    const served = listening.delete(index);
    const how = signal ?? `code ${code}`;
    if (!served) {
      log.error(`Worker ${index} exited before it listened (${how}): stopping`);
      void stopAll(1);
      return;
    }
    const now = Date.now();
    deaths.push(now);
    while (deaths[0] < now - RESTART_WINDOW_MS) deaths.shift();
    if (deaths.length > MAX_RESTARTS) {
      log.error(`Worker ${index} exited (${how}): ${deaths.length} worker deaths within ${RESTART_WINDOW_MS / 1000} s, stopping`);
      void stopAll(1);
      return;
    }
    log.error(`Worker ${index} exited (${how}): starting a new one`);
    setTimeout(() => stopping || fork(index), RESTART_DELAY_MS);
  });
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  for (let i = 0; i < config.apiWorkers; i++) fork(i);
  return Promise.resolve();
}

/** PostgreSQL's and the network's answers to a connection that cannot be made: bad credentials, no such database, no server. */
const DATABASE_UNUSABLE = new Set(['28P01', '28000', '3D000', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

bootstrap().catch((error: unknown) => {
  // The stop under way ends the process (its exit code 0) once the app has closed.
  if (stopRequested) return;
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else if (error instanceof StartupError) {
    process.stderr.write(`Amparo failed to start: ${error.message}\n`);
  } else if (typeof code === 'string' && DATABASE_UNUSABLE.has(code)) {
    // The server's or the network's answer is the whole story: no stack (and never the URL, which holds a password).
    const message = (error as Error).message || code;
    process.stderr.write(`Amparo failed to start: the database cannot be used (${message.includes(code) ? message : `${code}: ${message}`}): ` +
      'check DATABASE_URL (and DATABASE_OWNER_URL): its host, port, database, role and password, and that the server is up\n');
  } else if ((syscall === 'listen' || syscall === 'bind') && (code === 'EADDRINUSE' || code === 'EACCES')) {
    // The usual reason: Amparo (or something else) already listens there.
    // A cluster worker's bind error may carry no port.
    const port = (error as { port?: unknown }).port ?? process.env.PORT ?? 3000;
    process.stderr.write(`Amparo failed to start: port ${String(port)} is ${code === 'EADDRINUSE' ? 'in use (is Amparo already running?)' : 'not allowed to this user'}: stop what uses it, or set PORT\n`);
  } else {
    process.stderr.write(`Amparo failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
