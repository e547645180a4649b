import { Client } from 'pg';
import { Keyring } from '@amparo/crypto';

/**
 * The key ids that wrap case data keys in the database but are not in the keyring (`AMPARO_KEYS`): a key retired too
 * early, or a backup restored from before a rotation. Those cases could not be read. A loose scan of the
 * `case_keys (kek_id)` index: one probe per distinct id, however many cases.
 */
export async function keyIdsMissingFromKeyring(databaseUrl: string, keyringSpec: string): Promise<string[]> {
  const keyring = Keyring.parse(keyringSpec, 'AMPARO_KEYS');
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ kek_id: string }>(
      `WITH RECURSIVE ids AS (
         (SELECT kek_id FROM case_keys ORDER BY kek_id LIMIT 1)
         UNION ALL
         SELECT (SELECT k.kek_id FROM case_keys k WHERE k.kek_id > ids.kek_id ORDER BY k.kek_id LIMIT 1) FROM ids WHERE ids.kek_id IS NOT NULL
       ) SELECT kek_id FROM ids WHERE kek_id IS NOT NULL`,
    );
    return rows.map((r) => r.kek_id).filter((id) => !keyring.has(id));
  } finally {
    await client.end();
  }
}
