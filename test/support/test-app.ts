import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from '@amparo/common';
import { AppConfig, loadConfig } from '@amparo/config';
import { AppModule } from '../../apps/api/src/app.module';
import { configureApp } from '../../apps/api/src/configure-app';

const key = () => randomBytes(32).toString('base64');

/** One key set per test file, so several app instances on one database can read each other's records. */
export const TEST_KEYS = { keyring: `k1:${key()}`, indexKey: key(), jwtSecret: key() };

export const ADMIN = { email: 'admin@test.amparo.example', password: 'admin-password-for-tests' };

/** What every test app and test process is configured with: test mode, the file's keys, the test admin. */
export const TEST_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'test',
  AMPARO_KEYS: TEST_KEYS.keyring,
  AMPARO_INDEX_KEY: TEST_KEYS.indexKey,
  AMPARO_JWT_SECRET: TEST_KEYS.jwtSecret,
  ADMIN_EMAIL: ADMIN.email,
  ADMIN_PASSWORD: ADMIN.password,
};

export interface TestApp {
  app: NestExpressApplication;
  http: TestAgent;
  db: DataSource;
  config: AppConfig;
  databaseUrl: string;
  clock: Clock;
  close(): Promise<void>;
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
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = loadConfig({
    ...TEST_ENV,
    LOG_LEVEL: 'silent',
    TRUST_PROXY: '1',
    ...options.env,
  });
  const clock = options.clock ?? new SystemClock();
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot({ config, databaseUrl, clock, logStream: options.logStream })],
  }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bufferLogs: true });
  configureApp(app, config);
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    db: app.get(DataSource),
    config,
    databaseUrl,
    clock,
    close: () => app.close(),
  };
}
