import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `key_checks`: what identifies a key the stored data depends on without revealing it. Row `index_key` holds a MAC
 * of a fixed text under the blind-index key (`indexKeyCheck`): the API refuses to start with another AMPARO_INDEX_KEY,
 * whose duplicate checks, A-number look-ups and conflict checks would silently find nothing. Rows `kek:<id>` do the
 * same for each key of AMPARO_KEYS (`kekCheck`). Written by the first start that finds nothing wrong with the keys
 * (apps/api/src/key-check.ts) and, for the index key, by `keys:reindex`.
 */
export class IndexKeyCheck1764003900000 implements MigrationInterface {
  name = 'IndexKeyCheck1764003900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE key_checks (name text PRIMARY KEY, digest bytea NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE key_checks`);
  }
}
