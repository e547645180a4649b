import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '@amparo/audit';
import { isDatabaseUnavailable } from '@amparo/database';
import { ReferralsService, type Reindexed } from '@amparo/routing';
import { CryptoIntegrityError, KeyMaterial, indexKeyCheck, rewrap, unwrapDataKey, wrappedKeyId } from '@amparo/crypto';
import { BLIND_INDEX_COLUMNS, CaseCipher, caseKeyContext } from './case-cipher.service';

export interface KeyStatus {
  activeKeyId: string;
  configuredKeyIds: string[];
  /** How many case data keys each key id wraps. An id at 0 can be removed from AMPARO_KEYS. */
  dataKeysByKeyId: Record<string, number>;
  /** Key ids that still wrap data keys but are missing from AMPARO_KEYS: those cases cannot be read. */
  missingKeyIds: string[];
}

const BATCH = 500;

/**
 * The `key_checks` record of a re-index under way (the new index key's check): written before its first batch and
 * removed when it records the new key. The API refuses to start while it stands (a re-index that did not finish).
 */
export const INDEX_KEY_PENDING = 'index_key_pending';

/** Rotation re-wraps data keys only: no field is re-encrypted, and the service keeps running throughout. */
@Injectable()
export class KeyRotationService {
  private readonly logger = new Logger('KeyRotation');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keys: KeyMaterial,
    private readonly audit: AuditService,
    private readonly cipher: CaseCipher,
    private readonly referrals: ReferralsService,
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
        // Organizations in id order: two runs at once (a supported case) take the chain heads in the same order.
        for (const [organizationId, count] of [...perOrg].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
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

  /**
   * Recomputes every live case's blind indexes under the configured AMPARO_INDEX_KEY: the way to rotate that key
   * (after a suspected leak, say). Indexes are keyed hashes of decrypted values, so each case's data key is unwrapped
   * and its identity fields decrypted, in memory only, batch by batch (each batch in one transaction). Until it has
   * finished, look-ups, duplicate checks and conflict checks miss the cases not yet re-indexed: run it with the API
   * stopped (see docs/security.md). Purged cases have no indexes and are skipped; cases whose data key does not
   * authenticate are reported by reference and keep their old indexes.
   */
  async reindex(): Promise<{
    reindexed: number; failed: string[]; idempotencyDigestsCleared: number; conflictsReviewed: number; offersWithdrawn: number; reviewFailed: string[];
  }> {
    // Only the fields the indexes are computed from are decrypted (CaseCipher.blindIndexes).
    const columns = BLIND_INDEX_COLUMNS.map((column) => `c.${column}`).join(', ');
    // Recorded first: each batch commits on its own, and a run that stops midway (killed, a lost connection) leaves
    // cases under both keys. While this record stands, the API starts with neither (key-check.ts): a start with the old
    // key, which the recorded `index_key` still names, would miss every case re-indexed so far. A run again ends it.
    await this.db.query(
      `INSERT INTO key_checks (name, digest) VALUES ('${INDEX_KEY_PENDING}', $1)
       ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest, updated_at = now()`,
      [indexKeyCheck(this.keys.indexKey)],
    );
    let reindexed = 0;
    const failed: string[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const done = await this.db.transaction(async (tx) => {
        // Locked for the batch: a correction or a purge by an instance left running waits, and a case purged meanwhile
        // drops out here (READ COMMITTED re-checks the status of a locked row).
        const rows: Record<string, unknown>[] = await tx.query(
          `SELECT c.id, c.organization_id, c.reference, k.wrapped_key, ${columns}
             FROM cases c JOIN case_keys k ON k.case_id = c.id
            WHERE c.status <> 'purged' AND c.id > $1 ORDER BY c.id LIMIT $2 FOR UPDATE OF c`,
          [after, BATCH],
        );
        if (rows.length === 0) return true;
        after = rows[rows.length - 1].id as string;
        const ids: string[] = [];
        // One element per index row: the case, its organization, the kind and the keyed hash.
        const index = { cases: [] as string[], orgs: [] as string[], kinds: [] as string[], values: [] as string[] };
        const perOrg = new Map<string, number>();
        for (const row of rows) {
          const caseId = row.id as string;
          const organizationId = row.organization_id as string;
          let entries;
          try {
            const dek = unwrapDataKey(this.keys.keyring, row.wrapped_key as Buffer, caseKeyContext(caseId));
            entries = this.cipher.blindIndexes(this.cipher.decrypt(dek, caseId, row));
          } catch (error) {
            // A case that does not decrypt (tampered), or whose stored values cannot be indexed: reported, and the others
            // go on, so that a run can always finish (an unfinished one keeps the API from starting). Logged by its id
            // and the error's kind only: a message could quote a decrypted value.
            if (!(error instanceof CryptoIntegrityError)) {
              this.logger.error({ caseId, error: error instanceof Error ? error.name : typeof error }, 'A case could not be re-indexed; the others go on');
            }
            failed.push(row.reference as string);
            continue;
          }
          ids.push(caseId);
          for (const entry of entries) {
            index.cases.push(caseId);
            index.orgs.push(organizationId);
            index.kinds.push(entry.kind);
            index.values.push(entry.value);
          }
          perOrg.set(organizationId, (perOrg.get(organizationId) ?? 0) + 1);
        }
        await tx.query(`DELETE FROM case_blind_indexes WHERE case_id = ANY($1::uuid[])`, [ids]);
        await tx.query(
          `INSERT INTO case_blind_indexes (case_id, organization_id, kind, value)
           SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
          [index.cases, index.orgs, index.kinds, index.values],
        );
        // Organizations in id order: two runs at once (a supported case) take the chain heads in the same order.
        for (const [organizationId, count] of [...perOrg].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
          await this.audit.record(tx, {
            organizationId, actorId: null, actorRole: 'system', action: 'keys.reindex', details: { reindexed: count },
          });
        }
        reindexed += ids.length;
        return rows.length < BATCH;
      });
      if (done) break;
    }
    // Idempotency request digests are keyed by a sub-key of the index key too: under a new key, a retry of a stored
    // intake would no longer match its digest (a 409 instead of its answer), and digests under a leaked key would stay.
    // An empty digest replays the stored answer (as for digests emptied by migration 1764001200000).
    const digests: { n: number }[] = await this.db.query(
      `WITH cleared AS (UPDATE idempotency_keys SET request_hash = '\\x'::bytea WHERE length(request_hash) > 0 RETURNING 1)
       SELECT count(*)::int AS n FROM cleared`,
    );
    // Whether the indexes were computed under another key before (a rotation), or under this one (names read anew).
    const [recorded]: { digest: Buffer }[] = await this.db.query(`SELECT digest FROM key_checks WHERE name = 'index_key'`);
    const newKey = recorded !== undefined && !Buffer.from(recorded.digest).equals(Buffer.from(indexKeyCheck(this.keys.indexKey)));
    // The API starts only with the key the indexes were computed with: from now on, this one, if it indexed anything
    // (a run whose every case failed, or found none to index while cases were there, changed nothing).
    // The run is over: the pending record goes in the same statement.
    await this.db.query(
      `WITH done AS (DELETE FROM key_checks WHERE name = '${INDEX_KEY_PENDING}')
       INSERT INTO key_checks (name, digest) SELECT 'index_key', $1 WHERE $2
       ON CONFLICT (name) DO UPDATE SET digest = EXCLUDED.digest, updated_at = now()`,
      [indexKeyCheck(this.keys.indexKey), reindexed > 0 || failed.length === 0],
    );
    return { reindexed, failed, idempotencyDigestsCleared: digests[0].n, ...(await this.reviewConflicts(newKey ? 'new-key' : 'same-key')) };
  }

  /**
   * After a re-index, names read another way (a release that reads more spellings as one) may match names they did not
   * match: an attorney may hold, or be offered, the other side's case. Every case offered or assigned is reviewed as a
   * correction reviews it (ReferralsService.reviewOpenOffer, by the system): the coordinators are alerted of a holder's
   * conflict, and an offer the conflict bars is withdrawn. One transaction per case, the case locked first.
   */
  private async reviewConflicts(reindexed: Reindexed): Promise<{ conflictsReviewed: number; offersWithdrawn: number; reviewFailed: string[] }> {
    const cases: { id: string; reference: string }[] = await this.db.query(`SELECT id, reference FROM cases WHERE status IN ('offered', 'assigned') ORDER BY id`);
    let offersWithdrawn = 0;
    const reviewFailed: string[] = [];
    for (const { id, reference } of cases) {
      // One that fails does not keep the others from their review, nor the answer from being given (the indexes are
      // written): it is named, to be looked at (a correction of the case reviews it again).
      const why = await this.audit.transaction((tx) => this.referrals.reviewOpenOffer(tx, id, null, { reindexed })).catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) throw error;
        this.logger.error({ err: error, caseId: id }, 'Reviewing a case after the re-index failed; the others go on');
        reviewFailed.push(reference);
        return null;
      });
      if (why) offersWithdrawn += 1;
    }
    return { conflictsReviewed: cases.length - reviewFailed.length, offersWithdrawn, reviewFailed };
  }
}
