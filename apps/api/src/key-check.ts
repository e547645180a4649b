import { Client } from 'pg';
import { CryptoIntegrityError, Keyring, UnknownKeyError, indexKeyCheck, parseIndexKey, unwrapDataKey } from '@amparo/crypto';
import { caseKeyContext } from '@amparo/cases';

/** What the keys given to the API cannot do with the data in the database. */
export interface KeyProblems {
  /** Key ids that wrap case data keys but are not in AMPARO_KEYS (a key retired too early, a backup from before a rotation). */
  missingKeyIds: string[];
  /** Key ids of AMPARO_KEYS whose key is not the one that wrapped the data keys stored under that id (a key mistyped). */
  wrongKeyIds: string[];
  /** AMPARO_INDEX_KEY is not the key the stored blind indexes were computed with. */
  wrongIndexKey: boolean;
}

/**
 * Checks the keys against the database before the API serves: each key id that wraps case data keys is in the keyring
 * and unwraps one of them (a loose scan of the `case_keys (kek_id)` index, then one data key per id, however many
 * cases), and the index key is the one recorded in `key_checks` (recorded now if none is: the first start with this
 * check takes the key in use as the right one). A wrong key would serve 500s for every stored case and write cases no
 * correctly configured instance could read; a wrong index key would find no duplicate, A-number or conflict.
 */
export async function keyProblems(databaseUrl: string, keyringSpec: string, indexKeySpec: string): Promise<KeyProblems> {
  const keyring = Keyring.parse(keyringSpec, 'AMPARO_KEYS');
  const indexCheck = indexKeyCheck(parseIndexKey(indexKeySpec, 'AMPARO_INDEX_KEY'));
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
    const missingKeyIds = rows.map((r) => r.kek_id).filter((id) => !keyring.has(id));
    const wrongKeyIds: string[] = [];
    for (const { kek_id: id } of rows.filter((r) => keyring.has(r.kek_id))) {
      const { rows: [probe] } = await client.query<{ case_id: string; wrapped_key: Buffer }>(
        `SELECT case_id, wrapped_key FROM case_keys WHERE kek_id = $1 LIMIT 1`, [id],
      );
      if (!probe) continue; // rotated away meanwhile
      try {
        unwrapDataKey(keyring, probe.wrapped_key, caseKeyContext(probe.case_id));
      } catch (error) {
        if (error instanceof UnknownKeyError || !(error instanceof CryptoIntegrityError)) throw error;
        wrongKeyIds.push(id);
      }
    }
    await client.query(`INSERT INTO key_checks (name, digest) VALUES ('index_key', $1) ON CONFLICT (name) DO NOTHING`, [indexCheck]);
    const { rows: [stored] } = await client.query<{ digest: Buffer }>(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
    return { missingKeyIds, wrongKeyIds, wrongIndexKey: !stored.digest.equals(indexCheck) };
  } finally {
    await client.end();
  }
}
