import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The head of each audit chain, kept in a row: appending locks and reads it in one statement (SELECT … FOR UPDATE
 * semantics through an upsert), instead of an advisory lock plus a scan for the newest event. It is only a cache:
 * verification walks the events themselves, and a forged head breaks the next link.
 */
export class AuditHeads1764000700000 implements MigrationInterface {
  name = 'AuditHeads1764000700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_heads (
        organization_id uuid NOT NULL,
        chain smallint NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (organization_id, chain)
      )`);
    await q.query(`
      INSERT INTO audit_heads (organization_id, chain, hash)
      SELECT DISTINCT ON (organization_id, chain) organization_id, chain, hash
        FROM audit_events ORDER BY organization_id, chain, id DESC`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_heads`);
  }
}
