import { rmSync } from 'node:fs';
import { DataSource } from 'typeorm';

export default async function globalTeardown(): Promise<void> {
  const embedded = (globalThis as { __AMPARO_PG__?: { stop(): Promise<void>; dir: string } }).__AMPARO_PG__;
  if (embedded) {
    await embedded.stop();
    rmSync(embedded.dir, { recursive: true, force: true });
    return;
  }
  // An external server: drop what this run created.
  const server = process.env.AMPARO_TEST_SERVER_URL;
  const prefix = process.env.AMPARO_TEST_PREFIX;
  if (!server || !prefix) return;
  const admin = new DataSource({ type: 'postgres', url: `${server}/postgres` });
  await admin.initialize();
  const rows: { datname: string }[] = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `${prefix}%`,
  ]);
  for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  // The run's application role had privileges only in those databases.
  const role = process.env.AMPARO_TEST_APP_ROLE;
  if (role) await admin.query(`DROP ROLE IF EXISTS "${role}"`);
  await admin.destroy();
}
