import { join } from 'node:path';
import type { AppConfig } from '@amparo/config';
import { ensureDatabase, startEmbeddedPostgres } from '@amparo/database';

export interface ResolvedDatabase {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * DATABASE_URL when set; otherwise the embedded PostgreSQL under the data directory, started on demand. With
 * `shareRunning` (the CLI), an embedded server already running is the API's: used, and left running.
 */
export async function resolveDatabase(
  config: AppConfig,
  log: (message: string) => void,
  options: { shareRunning?: boolean } = {},
): Promise<ResolvedDatabase> {
  if (config.databaseUrl) return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  const server = await startEmbeddedPostgres({ dir: join(config.dataDir, 'pg'), port: config.embeddedPgPort, log, shareRunning: options.shareRunning });
  await ensureDatabase(server.serverUrl, 'amparo');
  return { url: `${server.serverUrl}/amparo`, embedded: true, stop: server.stop };
}
