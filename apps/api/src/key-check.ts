import { Client } from 'pg';
import { Keyring, KeyMaterial, indexKeyCheck, kekCheck, parseIndexKey, unwrapDataKey } from '@amparo/crypto';
import { BLIND_INDEX_COLUMNS, CaseCipher, INDEX_KEY_PENDING, caseKeyContext } from '@amparo/cases';
import { AuditSealKeys, toSeal } from '@amparo/audit';

/** What the keys given to the API cannot do with the data in the database. */
export interface KeyProblems {
  /** Key ids that wrap case data keys but are not in AMPARO_KEYS (a key retired too early, a backup from before a rotation). */
  missingKeyIds: string[];
  /** Key ids of AMPARO_KEYS whose key is not the one that wrapped the data keys stored under that id (a key mistyped). */
  wrongKeyIds: string[];
  /** AMPARO_INDEX_KEY is not the key the stored blind indexes were computed with. */
  wrongIndexKey: boolean;
  /**
   * Key ids of AMPARO_AUDIT_KEYS whose key is not the one recorded under that id, or, not recorded yet, under which
   * none of the newest seals made with that id checks out (a key mistyped: sealing would stop, every seal read forged).
   */
  wrongAuditKeyIds: string[];
  /** The ids (`audit_seals.id`) of the seals that did not check out, when a key id was refused by them (not by its record). */
  wrongAuditSeals: string[];
  /** No case is stored yet (a refusal may then be of keys changed on purpose before going live: `keys:forget`). */
  nothingStored: boolean;
  /**
   * A `keys:reindex` started and did not finish: some cases are indexed under the new key, the others under the old,
   * and neither key finds them all. Run it again (with the new key) before starting.
   */
  reindexUnfinished: boolean;
}

/** Data keys tried per key id: a wrong key unwraps none of them, one tampered row (a copied key) does not decide. */
const PROBES_PER_KEY = 5;
/** Cases whose indexes are computed again when no index key is recorded yet. */
const INDEX_PROBES = 3;

/**
 * Checks the keys against the database before the API serves (and before the CLI's key commands run): each key id
 * that wraps case data keys is in the keyring (a loose scan of the `case_keys (kek_id)` index, one probe per id,
 * however many cases); each key of the keyring is the one recorded in `key_checks` under its id (`kek:<id>`), or, not
 * recorded yet, unwraps one of a few stored data keys under its id; and the index key is the one recorded (`index_key`),
 * or, not recorded yet, computes again what a few stored cases are indexed under. A wrong key would serve 500s for
 * every stored case and write cases no correctly configured instance could read; a wrong index key would find no
 * duplicate, A-number or conflict. What is not recorded yet is recorded by a check that found nothing wrong (another
 * environment's file is not taken as the right one); `forgetKeyChecks` forgets them while no case is stored.
 * `checkIndexKey: false` for `keys:reindex`, which brings a new one.
 */
export async function keyProblems(
  databaseUrl: string,
  keyringSpec: string,
  indexKeySpec: string,
  options: { checkIndexKey?: boolean; auditKeys?: string } = {},
): Promise<KeyProblems> {
  const checkIndexKey = options.checkIndexKey ?? true;
  const auditKeys = options.auditKeys === undefined ? null : AuditSealKeys.parse(options.auditKeys);
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
    const { rows: records } = await client.query<{ name: string; digest: Buffer }>(`SELECT name, digest FROM key_checks`);
    const recorded = new Map(records.map((r) => [r.name, r.digest]));
    const wrongKeyIds: string[] = [];
    const toRecord: [string, Buffer][] = [];
    // A key recorded otherwise is refused even with nothing stored under it: a start cannot tell keys changed before
    // going live from another instance already serving with the recorded ones, and a rotation's new key typed otherwise
    // for `keys:rotate` would re-wrap every case with a key the API does not have. With no case stored at all, the
    // operator may forget the records (`keys:forget`): the refusal says so.
    const { rowCount: anyCase } = await client.query(`SELECT 1 FROM case_keys LIMIT 1`);
    for (const id of keyring.ids()) {
      const check = kekCheck(keyring, id);
      const stored = recorded.get(`kek:${id}`);
      if (stored) {
        if (!stored.equals(check)) wrongKeyIds.push(id);
        continue;
      }
      const { rows: probes } = await client.query<{ case_id: string; wrapped_key: Buffer }>(
        `SELECT case_id, wrapped_key FROM case_keys WHERE kek_id = $1 LIMIT ${PROBES_PER_KEY}`, [id],
      );
      if (probes.length > 0 && !probes.some((p) => unwraps(keyring, p))) wrongKeyIds.push(id);
      else toRecord.push([`kek:${id}`, check]);
    }
    let wrongIndexKey = false;
    const reindexUnfinished = checkIndexKey && recorded.has(INDEX_KEY_PENDING);
    if (checkIndexKey && !reindexUnfinished) {
      const check = indexKeyCheck(indexKey);
      const stored = recorded.get('index_key');
      if (stored) wrongIndexKey = !stored.equals(check);
      else if (missingKeyIds.length === 0 && wrongKeyIds.length === 0) {
        // Taken as the right one only if it reads the data as it is, with keys that do.
        wrongIndexKey = !(await indexKeyComputesStored(client, keyring, indexKey));
        if (!wrongIndexKey) toRecord.push(['index_key', check]);
      }
    }
    const wrongAuditKeyIds: string[] = [];
    const wrongAuditSeals: string[] = [];
    for (const id of auditKeys?.ids() ?? []) {
      const check = auditKeys!.checkValue(id);
      const stored = recorded.get(`audit:${id}`);
      if (stored) {
        if (!stored.equals(check)) wrongAuditKeyIds.push(id);
        continue;
      }
      // Seals a start could have made: of an organization there is, of an event there is (with its hash), not dated
      // ahead. The API's own role may append rows to the table; rows that are none of these are not taken as evidence.
      const { rows: seals } = await client.query(
        `SELECT s.id, s.organization_id, s.chain, s.seq, s.prev_mac, s.event_id, s.event_hash, s.sealed_at, s.key_id, s.mac
           FROM audit_seals s
           JOIN organizations o ON o.id = s.organization_id
           JOIN audit_events e ON e.id = s.event_id AND e.organization_id = s.organization_id AND e.hash = s.event_hash
          WHERE s.key_id = $1 AND s.sealed_at <= now() ORDER BY s.sealed_at DESC LIMIT ${PROBES_PER_KEY}`, [id],
      );
      const checksOut = (row: Parameters<typeof toSeal>[0]) => {
        const seal = toSeal(row);
        return auditKeys!.check(seal, id, seal.mac) === 'valid';
      };
      if (seals.length > 0 && !seals.some(checksOut)) {
        wrongAuditKeyIds.push(id);
        wrongAuditSeals.push(...seals.map((s: { id: string }) => String(s.id)));
      } else toRecord.push([`audit:${id}`, check]);
    }
    // Recorded only when nothing is wrong: a refused start records nothing. Two starting at once: the first wins, and
    // the other compares with it below.
    if (missingKeyIds.length === 0 && wrongKeyIds.length === 0 && !wrongIndexKey && !reindexUnfinished && wrongAuditKeyIds.length === 0 && toRecord.length > 0) {
      await client.query(
        `INSERT INTO key_checks (name, digest) SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (name) DO NOTHING`,
        [toRecord.map(([name]) => name), toRecord.map(([, digest]) => digest)],
      );
      const { rows: now } = await client.query<{ name: string; digest: Buffer }>(`SELECT name, digest FROM key_checks WHERE name = ANY($1)`, [toRecord.map(([name]) => name)]);
      for (const { name, digest } of now) {
        if (digest.equals(toRecord.find(([n]) => n === name)![1])) continue;
        if (name === 'index_key') wrongIndexKey = true;
        else if (name.startsWith('audit:')) wrongAuditKeyIds.push(name.slice('audit:'.length));
        else wrongKeyIds.push(name.slice('kek:'.length));
      }
    }
    return { missingKeyIds, wrongKeyIds, wrongIndexKey, wrongAuditKeyIds, wrongAuditSeals, nothingStored: !anyCase, reindexUnfinished };
  } finally {
    await client.end();
  }
}

/**
 * `keys:forget`: forgets the keys earlier starts recorded, on a database where no case is stored yet (keys changed on
 * purpose before going live: a trial with the development keys, say); the next start records its own. Refused once a
 * case is stored: its keys are then the ones that read it. Run it with every API instance stopped.
 */
export async function forgetKeyChecks(databaseUrl: string): Promise<{ forgotten: string[] }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // A start recording its keys meanwhile waits for this to end, and then finds nothing recorded.
    await client.query('LOCK TABLE key_checks IN EXCLUSIVE MODE');
    const { rowCount: anyCase } = await client.query(`SELECT 1 FROM case_keys LIMIT 1`);
    if (anyCase) {
      await client.query('ROLLBACK');
      throw new Error('keys:forget refused: cases are stored under the recorded keys, which are the ones that read them. Put those keys back.');
    }
    const { rows } = await client.query<{ name: string }>(`DELETE FROM key_checks RETURNING name`);
    await client.query('COMMIT');
    return { forgotten: rows.map((r) => r.name).sort() };
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
  const columns = BLIND_INDEX_COLUMNS.map((column) => `c.${column}`).join(', ');
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

/** How to run a CLI command, from a checkout or in the Docker image (which has no npm). */
export const cliCommand = (command: string) => `\`npm run cli -- ${command}\` (in the Docker image: \`node dist/apps/api/src/cli.js ${command}\`)`;

/** AMPARO_KEYS without ids that wrap stored data keys: those cases cannot be read (the boot's, and the key commands'). */
export function missingKeysMessage(ids: string[]): string {
  return `lacks the key id(s) ${ids.map((id) => `"${id}"`).join(', ')}, which still wrap the data keys of cases in the database: ` +
    `those cases could not be read. Put the key back; retire a key only once ${cliCommand('keys:status')} shows it wraps nothing.`;
}

/** Why keys of AMPARO_KEYS are refused (the boot's message, and the CLI's key commands'). */
export function wrongKeysMessage(ids: string[]): string {
  return `key(s) ${ids.map((id) => `"${id}"`).join(', ')} are not the keys stored data keys were wrapped with, or that were used before under ` +
    'those ids: the cases could not be read, and cases written with them could not be read by an instance with the right keys. ' +
    "Check the value (a copy or paste error, another environment's file); a key id, once used, keeps its key: give a new key a new id.";
}
