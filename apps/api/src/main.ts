import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, loadConfig } from '@amparo/config';
import { runMigrations } from '@amparo/database';
import { AppModule } from './app.module';
import { configureApp } from './configure-app';
import { dataSourceOptions } from './data-source';
import { resolveDatabase } from './database-url';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  // PostgreSQL's own chatter is kept out of the log unless asked for.
  const pgLog = process.env.EMBEDDED_PG_LOG === 'true' ? (m: string) => process.stderr.write(`${m}\n`) : () => undefined;
  const database = await resolveDatabase(config, pgLog);
  const applied = await runMigrations(dataSourceOptions(database.url));
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.forRoot({ config, databaseUrl: database.url }),
    { bufferLogs: true },
  );
  configureApp(app, config);
  const log = new Logger('Boot');
  if (applied.length) log.log(`Applied migrations: ${applied.join(', ')}`);
  if (database.embedded) log.log(`Using the embedded PostgreSQL under ${config.dataDir}/pg`);
  if (config.secrets.generated) {
    log.warn(`Using generated development keys from ${config.dataDir}/keys.json: set AMPARO_KEYS, AMPARO_INDEX_KEY and AMPARO_JWT_SECRET for production`);
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.log(`${signal} received: shutting down`);
    await app.close();
    await database.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen(config.port);
  log.log(`Amparo listening on http://localhost:${config.port} (API docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Amparo failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
