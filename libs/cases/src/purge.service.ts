import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '@amparo/audit';
import { Clock, FIRST_PURGE_AFTER_SECONDS, every } from '@amparo/common';
import { APP_CONFIG, AppConfig } from '@amparo/config';
import { SENSITIVE_FIELDS } from './domain/sensitive-fields';

/**
 * Crypto-shredding of closed cases past the organization's retention period: the data key goes first (after which
 * nothing of the case can be decrypted, backups included), then the ciphertexts, indexes, events and deadlines.
 * The case row stays as a `purged` tombstone and the audit trail, which holds no personal data, survives.
 * Safe with several instances: each case is claimed with SKIP LOCKED.
 */
@Injectable()
export class PurgeService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Purge');
  private stop?: () => Promise<void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.jobs.enabled) return;
    this.stop = every(this.config.jobs.purgeIntervalSeconds, async (stopping) => {
      const purged = await this.purgeDue(stopping);
      if (purged > 0) this.logger.log(`Purged ${purged} case(s) past retention`);
    }, this.logger, 'Purge run', { firstAfterSeconds: FIRST_PURGE_AFTER_SECONDS });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }

  /** Purges every due case, one transaction per case (until the process stops); returns how many. */
  async purgeDue(stopping?: AbortSignal): Promise<number> {
    let count = 0;
    const failed: string[] = []; // cases whose purge failed in this run: passed over, tried again on the next
    while (!stopping?.aborted) {
      let claimed: string | undefined;
      const purged = await this.purgeOne(failed, (id) => (claimed = id)).catch((error: unknown) => {
        // Nothing claimed: the claim itself failed (the database is down): the run ends.
        if (claimed === undefined) throw error;
        this.logger.error({ caseId: claimed, err: error }, 'Purge failed for one case; going on with the rest');
        failed.push(claimed);
        return 'failed' as const;
      });
      if (!purged) return count;
      if (purged === true) count += 1;
    }
    return count;
  }

  private purgeOne(skip: string[], claim: (caseId: string) => void): Promise<boolean> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const [due] = await tx.query(
        `SELECT c.id, c.reference, c.organization_id FROM cases c JOIN organizations o ON o.id = c.organization_id
          WHERE c.status = 'closed' AND c.id <> ALL($2::uuid[])
            -- A lowered retention waits out its grace (organizations.retention_kept_until): until then, the period before.
            AND c.closed_at + make_interval(days => GREATEST(o.retention_days, CASE WHEN o.retention_kept_until > $1 THEN o.retention_kept_days ELSE 0 END)) <= $1
          ORDER BY c.closed_at LIMIT 1 FOR UPDATE OF c SKIP LOCKED`,
        [now, skip],
      );
      if (!due) return false;
      claim(due.id);
      await tx.query(`DELETE FROM case_keys WHERE case_id = $1`, [due.id]);
      await tx.query(
        `UPDATE cases SET status = 'purged', purged_at = $2, updated_at = $2,
                flags = '[]', urgency_reasons = '[]', next_deadline_at = NULL, urgency_review_at = NULL, urgency_order_at = NULL,
                ${SENSITIVE_FIELDS.map((f) => `${f.column} = NULL`).join(', ')} WHERE id = $1`,
        [due.id, now],
      );
      await tx.query(`DELETE FROM case_blind_indexes WHERE case_id = $1`, [due.id]);
      await tx.query(`DELETE FROM deadlines WHERE case_id = $1`, [due.id]);
      await tx.query(`DELETE FROM case_events WHERE case_id = $1`, [due.id]);
      // The referrals stay (an attorney's history), without the free text an attorney typed about the case.
      await tx.query(`UPDATE referrals SET decline_note = NULL WHERE case_id = $1 AND decline_note IS NOT NULL`, [due.id]);
      await tx.query(`UPDATE idempotency_keys SET response = NULL, request_hash = '\\x' WHERE case_id = $1`, [due.id]);
      // A conflict alert's key holds a digest of the names that matched (another case's client, or this one's): a link
      // anyone reading the database could confirm against a live case's index. The alert's email is not sent any more.
      await tx.query(`UPDATE notifications SET dedupe_key = 'purged:' || id WHERE case_id = $1 AND dedupe_key LIKE 'conflict:%'`, [due.id]);
      // Another intake's stored answer named this case as a possible duplicate of its client: no longer.
      await tx.query(
        `UPDATE idempotency_keys SET response = jsonb_set(response, '{possibleDuplicates}', (response->'possibleDuplicates') - $1::text)
          WHERE jsonb_array_length(response->'possibleDuplicates') > 0 AND response->'possibleDuplicates' ? $1::text`,
        [due.reference],
      );
      await this.audit.record(tx, {
        organizationId: due.organization_id,
        actorId: null,
        actorRole: 'system',
        action: 'case.purge',
        caseId: due.id,
        caseReference: due.reference,
        reason: 'retention period ended',
      });
      return true;
    });
  }
}
