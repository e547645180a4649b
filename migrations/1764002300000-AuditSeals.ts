import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Seals: for one audit chain, the hash it had at one event, with an HMAC under AMPARO_AUDIT_KEYS (a key the database
 * never sees). Whoever can rewrite audit_events (a superuser, the owner with the trigger disabled) can recompute the
 * plain SHA-256 links after an edit, but not a seal. An organization's seals are numbered, each MAC covering the
 * previous seal's, whatever their chains. Append-only like the events; no foreign keys, like them.
 */
export class AuditSeals1764002300000 implements MigrationInterface {
  name = 'AuditSeals1764002300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_seals (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        organization_id uuid NOT NULL,
        chain smallint NOT NULL CHECK (chain BETWEEN 0 AND 15),
        seq bigint NOT NULL CHECK (seq > 0),
        prev_mac bytea NOT NULL,
        event_id bigint NOT NULL CHECK (event_id > 0),
        event_hash bytea NOT NULL,
        sealed_at timestamptz NOT NULL CHECK (isfinite(sealed_at) AND sealed_at < '10000-01-01'),
        key_id text NOT NULL,
        mac bytea NOT NULL,
        CONSTRAINT audit_seals_event_key UNIQUE (organization_id, chain, event_id),
        CONSTRAINT audit_seals_seq_key UNIQUE (organization_id, seq)
      )`);
    await q.query(`
      CREATE FUNCTION audit_seals_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_seals is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_seals_no_update_delete BEFORE UPDATE OR DELETE ON audit_seals
      FOR EACH ROW EXECUTE FUNCTION audit_seals_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_seals_no_truncate BEFORE TRUNCATE ON audit_seals
      FOR EACH STATEMENT EXECUTE FUNCTION audit_seals_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_seals`);
    await q.query(`DROP FUNCTION audit_seals_append_only`);
  }
}
