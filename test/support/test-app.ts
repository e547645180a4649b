import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from '@amparo/common';
import { AppConfig, loadConfig } from '@amparo/config';
import { withCredentials } from '@amparo/database';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/configure-app';

const key = () => randomBytes(32).toString('base64');

/** One key set per test file, so several app instances on one database can read each other's records. */
export const TEST_KEYS = { keyring: `k1:${key()}`, indexKey: key(), jwtSecret: key(), auditKeys: `a1:${key()}` };

export const ADMIN = { email: 'admin@test.amparo.example', password: 'admin-password-for-tests' };

/** What every test app and test process is configured with: test mode, the file's keys, the test admin. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'test',
  AMPARO_KEYS: TEST_KEYS.keyring,
  AMPARO_INDEX_KEY: TEST_KEYS.indexKey,
  AMPARO_JWT_SECRET: TEST_KEYS.jwtSecret,
  AMPARO_AUDIT_KEYS: TEST_KEYS.auditKeys,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
};

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  /** The app's own connections: the application role's, as in production (see `owner` for the schema owner's). */
  db: DataSource;
  config: AppConfig;
  /** The database as its owner (a superuser): pass it to other apps and processes on the same database. */
  databaseUrl: string;
  clock: Clock;
  /** A connection as the schema owner, opened on first use: what only the owner or a superuser may do. */
  owner(): Promise<DataSource>;
  close(): Promise<void>;
}

/** The run's application role, as the global setup created it; null when the server let it create none. */
export function testAppRole(): { role: string; password: string } | null {
  const role = process.env.AMPARO_TEST_APP_ROLE;
  const password = process.env.AMPARO_TEST_APP_PASSWORD;
  return role && password ? { role, password } : null;
}

/** The connection the application uses for the database of `ownerUrl`: the run's application role when there is one. */
export function appDatabaseUrl(ownerUrl: string): string {
  const app = testAppRole();
  return app ? withCredentials(ownerUrl, app.role, app.password) : ownerUrl;
}

/** A fresh database cloned from the migrated template, so each test file starts empty. */
export async function createTestDatabase(): Promise<string> {
  const server = process.env.AMPARO_TEST_SERVER_URL;
  const template = process.env.AMPARO_TEST_TEMPLATE;
  if (!server || !template) throw new Error('e2e tests need the global setup (run them through jest)');
  const name = `${process.env.AMPARO_TEST_PREFIX}_${randomBytes(4).toString('hex')}`;
  const admin = new DataSource({ type: 'postgres', url: `${server}/postgres` });
  await admin.initialize();
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  await admin.destroy();
  return `${server}/${name}`;
}

export interface TestAppOptions {
  clock?: Clock;
  env?: Record<string, string>;
  databaseUrl?: string;
  logStream?: NodeJS.WritableStream;
  /** Run the app as the schema owner (tests that create tables through the app's own connections). */
  asOwner?: boolean;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = loadConfig({
    ...TEST_ENV,
    // Silent; AMPARO_TEST_LOG_LEVEL=error shows what a 500 in a test was.
    LOG_LEVEL: process.env.AMPARO_TEST_LOG_LEVEL ?? 'silent',
    TRUST_PROXY: '1',
    ...options.env,
  });
  const clock = options.clock ?? new SystemClock();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl: options.asOwner ? databaseUrl : appDatabaseUrl(databaseUrl), clock, logStream: options.logStream })],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
  configureApp(app, config);
  await app.init();
  let owner: DataSource | null = null;
  return {
    app,
    http: request(app.getHttpServer()),
    db: app.get(DataSource),
    config,
    databaseUrl,
    clock,
    owner: async () => {
      owner ??= await new DataSource({ type: 'postgres', url: databaseUrl, extra: { max: 2 } }).initialize();
      return owner;
    },
    close: async () => {
      await owner?.destroy();
      await app.close();
    },
  };
}

/**
 * Waits until some session waits for a lock that the session `pid` holds (a request run into a row the test holds),
 * polling every 25 ms for about 5 s; throws, saying `what` never waited, after that.
 */
export async function untilBlockedBy(db: DataSource, pid: number, what: string): Promise<void> {
  for (let i = 0; ; i++) {
    const [{ waiting }] = await db.query(`SELECT count(*)::int AS waiting FROM pg_locks l WHERE NOT l.granted AND $1 = ANY(pg_blocking_pids(l.pid))`, [pid]);
    if (waiting > 0) return;
    if (i > 200) throw new Error(`${what} never waited`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
