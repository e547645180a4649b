import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '@amparo/audit';
import { CryptoIntegrityError, KeyMaterial, rewrap, wrappedKeyId } from '@amparo/crypto';
import { caseKeyContext } from './case-cipher.service';

export interface KeyStatus {
  activeKeyId: string;
  configuredKeyIds: string[];
  /** How many case data keys each key id wraps. An id at 0 can be removed from AMPARO_KEYS. */
  dataKeysByKeyId: Record<string, number>;
  /** Key ids that still wrap data keys but are missing from AMPARO_KEYS: those cases cannot be read. */
  missingKeyIds: string[];
}

const BATCH = 500;

/** Rotation re-wraps data keys only: no field is re-encrypted, and the service keeps running throughout. */
@Injectable()
export class KeyRotationService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keys: KeyMaterial,
    private readonly audit: AuditService,
  ) {}

  async status(): Promise<KeyStatus> {
    const rows: { kek_id: string; n: number }[] = await this.db.query(
      `SELECT kek_id, count(*)::int AS n FROM case_keys GROUP BY kek_id ORDER BY kek_id`,
    );
    const dataKeysByKeyId = Object.fromEntries(this.keys.keyring.ids().map((id) => [id, 0]));
    for (const row of rows) dataKeysByKeyId[row.kek_id] = row.n;
    return {
      activeKeyId: this.keys.keyring.activeId,
      configuredKeyIds: this.keys.keyring.ids(),
      dataKeysByKeyId,
      missingKeyIds: rows.map((r) => r.kek_id).filter((id) => !this.keys.keyring.has(id)),
    };
  }

  /** Re-wraps every data key not yet under the active key, in batches; safe to run again or in parallel. */
  async rotate(): Promise<{ rewrapped: number; failed: string[]; status: KeyStatus }> {
    const active = this.keys.keyring.activeId;
    let rewrapped = 0;
    // Cases whose data key does not authenticate (tampered, or wrapped by a key no longer configured) are reported
    // by reference and left as they are; one bad row must not stop the rotation of the others.
    const failed: { caseId: string; reference: string }[] = [];
    for (;;) {
      const done = await this.db.transaction(async (tx) => {
        const rows: { case_id: string; wrapped_key: Buffer; organization_id: string; reference: string }[] = await tx.query(
          `SELECT k.case_id, k.wrapped_key, c.organization_id, c.reference FROM case_keys k JOIN cases c ON c.id = k.case_id
            WHERE k.kek_id <> $1 AND NOT (k.case_id = ANY($3::uuid[])) LIMIT $2 FOR UPDATE OF k SKIP LOCKED`,
          [active, BATCH, failed.map((f) => f.caseId)],
        );
        const perOrg = new Map<string, number>();
        for (const row of rows) {
          let wrapped: Buffer;
          try {
            wrapped = rewrap(this.keys.keyring, row.wrapped_key, caseKeyContext(row.case_id));
          } catch (error) {
            if (!(error instanceof CryptoIntegrityError)) throw error;
            failed.push({ caseId: row.case_id, reference: row.reference });
            continue;
          }
          await tx.query(`UPDATE case_keys SET wrapped_key = $2, kek_id = $3, rewrapped_at = now() WHERE case_id = $1`, [
            row.case_id, wrapped, wrappedKeyId(wrapped),
          ]);
          perOrg.set(row.organization_id, (perOrg.get(row.organization_id) ?? 0) + 1);
        }
        for (const [organizationId, count] of perOrg) {
          await this.audit.record(tx, {
            organizationId, actorId: null, actorRole: 'system', action: 'keys.rotate', details: { rewrapped: count, activeKeyId: active },
          });
        }
        rewrapped += [...perOrg.values()].reduce((a, b) => a + b, 0);
        return rows.length < BATCH;
      });
      if (done) break;
    }
    return { rewrapped, failed: failed.map((f) => f.reference), status: await this.status() };
  }
}
