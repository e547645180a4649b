import { join } from 'node:path';
import type { AppConfig } from '@amparo/config';
import { ensureDatabase, startEmbeddedPostgres } from '@amparo/database';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under the data directory, started on demand. */
export async function resolveDatabase(config: AppConfig, log: (message: string) => void): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres({ dir: join(config.dataDir, 'pg'), port: config.embeddedPgPort, log });
  await ensureDatabase(server.serverUrl, 'amparo');
  return { url: `${server.serverUrl}/amparo`, embedded: true, stop: server.stop };
}
