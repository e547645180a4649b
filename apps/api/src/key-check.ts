import { Client } from 'pg';
import { Keyring, KeyMaterial, indexKeyCheck, parseIndexKey, unwrapDataKey } from '@amparo/crypto';
import { BLIND_INDEX_FIELDS, CaseCipher, SENSITIVE_FIELDS, caseKeyContext } from '@amparo/cases';

/** What the keys given to the API cannot do with the data in the database. */
export interface KeyProblems {
  /** Key ids that wrap case data keys but are not in AMPARO_KEYS (a key retired too early, a backup from before a rotation). */
  missingKeyIds: string[];
  /** Key ids of AMPARO_KEYS whose key is not the one that wrapped the data keys stored under that id (a key mistyped). */
  wrongKeyIds: string[];
  /** AMPARO_INDEX_KEY is not the key the stored blind indexes were computed with. */
  wrongIndexKey: boolean;
}

/** Data keys tried per key id: a wrong key unwraps none of them, one tampered row (a copied key) does not decide. */
const PROBES_PER_KEY = 5;
/** Cases whose indexes are computed again when no index key is recorded yet. */
const INDEX_PROBES = 3;

/**
 * Checks the keys against the database before the API serves: each key id that wraps case data keys is in the keyring
 * and unwraps stored data keys (a loose scan of the `case_keys (kek_id)` index, then a few data keys per id, however
 * many cases), and the index key is the one recorded in `key_checks`. A wrong key would serve 500s for every stored
 * case and write cases no correctly configured instance could read; a wrong index key would find no duplicate,
 * A-number or conflict. The index key is recorded when none is (the first start with this check), and only by a start
 * whose data keys all check out, and whose index key computes again what a few stored cases are indexed under.
 */
export async function keyProblems(databaseUrl: string, keyringSpec: string, indexKeySpec: string): Promise<KeyProblems> {
  const keyring = Keyring.parse(keyringSpec, 'AMPARO_KEYS');
  const indexKey = parseIndexKey(indexKeySpec, 'AMPARO_INDEX_KEY');
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
      const { rows: probes } = await client.query<{ case_id: string; wrapped_key: Buffer }>(
        `SELECT case_id, wrapped_key FROM case_keys WHERE kek_id = $1 LIMIT ${PROBES_PER_KEY}`, [id],
      );
      if (probes.length > 0 && !probes.some((p) => unwraps(keyring, p))) wrongKeyIds.push(id);
    }
    const check = indexKeyCheck(indexKey);
    const { rows: [stored] } = await client.query<{ digest: Buffer }>(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
    if (stored) return { missingKeyIds, wrongKeyIds, wrongIndexKey: !stored.digest.equals(check) };
    // Nothing recorded yet: this start's keys are taken as the right ones only if they read the data as it is.
    if (missingKeyIds.length > 0 || wrongKeyIds.length > 0) return { missingKeyIds, wrongKeyIds, wrongIndexKey: false };
    if (!(await indexKeyComputesStored(client, keyring, indexKey))) return { missingKeyIds, wrongKeyIds, wrongIndexKey: true };
    await client.query(`INSERT INTO key_checks (name, digest) VALUES ('index_key', $1) ON CONFLICT (name) DO NOTHING`, [check]);
    const { rows: [recorded] } = await client.query<{ digest: Buffer }>(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
    return { missingKeyIds, wrongKeyIds, wrongIndexKey: !recorded.digest.equals(check) };
  } finally {
    await client.end();
  }
}

function unwraps(keyring: Keyring, probe: { case_id: string; wrapped_key: Buffer }): boolean {
  try {
    unwrapDataKey(keyring, probe.wrapped_key, caseKeyContext(probe.case_id));
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the index key computes again at least one of the indexes stored for a few indexed cases (a wrong key
 * computes none; a case that does not decrypt, or whose indexes an older release computed otherwise, does not decide).
 * With no indexed case, there is nothing it could disagree with.
 */
async function indexKeyComputesStored(client: Client, keyring: Keyring, indexKey: ReturnType<typeof parseIndexKey>): Promise<boolean> {
  const columns = SENSITIVE_FIELDS.filter((f) => BLIND_INDEX_FIELDS.has(f.field)).map((f) => `c.${f.column}`).join(', ');
  const { rows: cases } = await client.query<Record<string, unknown>>(
    `SELECT c.id, k.wrapped_key, ${columns},
            ARRAY(SELECT b.value FROM case_blind_indexes b WHERE b.case_id = c.id) AS stored
       FROM cases c JOIN case_keys k ON k.case_id = c.id
      WHERE c.status <> 'purged' AND EXISTS (SELECT 1 FROM case_blind_indexes b WHERE b.case_id = c.id)
      LIMIT ${INDEX_PROBES}`,
  );
  if (cases.length === 0) return true;
  const cipher = new CaseCipher({ keyring, indexKey } as KeyMaterial);
  let decided = false;
  for (const row of cases) {
    const id = row.id as string;
    let computed: string[];
    try {
      const dek = unwrapDataKey(keyring, row.wrapped_key as Buffer, caseKeyContext(id));
      computed = cipher.blindIndexes(cipher.decrypt(dek, id, row)).map((entry) => entry.value);
    } catch {
      continue;
    }
    if (computed.some((value) => (row.stored as string[]).includes(value))) return true;
    decided = true;
  }
  return !decided;
}
