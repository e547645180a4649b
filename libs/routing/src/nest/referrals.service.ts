import { createHash } from 'node:crypto';
import { HttpStatus, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, AuditedRefusal } from '@amparo/audit';
import { UserChanges, type Principal, type UserChange } from '@amparo/auth';
import { Clock, DomainError, Page, conflict, countMatches, notFound, sameMembers, unprocessable } from '@amparo/common';
import { isDatabaseUnavailable, isTransientConflict, isUniqueViolation } from '@amparo/database';
import { CaseTimelineService, localWhen, toDeadlineView } from '@amparo/deadlines';
import { OutboxService, STAND_IN_KEY_SUFFIX } from '@amparo/notifications';
import { CONFLICT_REASON, failedFilters, isCourtLanguage } from '../domain/filters';
import { byRank, evaluateOverride, matchAttorneys } from '../domain/match-attorneys';
import { scoreCandidate } from '../domain/score';
import { respondBy } from '../domain/offer-windows';
import { ProfileFit, fitOfRow, sameFit } from '../domain/profile-fit';
import { COURT_EVENT_TYPES, EXPERIENCE_BY_FLAG, type AttorneyCandidate, type CaseNeeds, type Exclusion, type FilterCode, type OfferWindows, type PracticeArea, type RankedMatch, type Urgency } from '../domain/types';
import { DeclineReferralDto, ListReferralsQuery, RELEASE_REASON_TEXT, type ReleaseReason } from './referral.dto';

/** The filters a correction of the case can newly fail (the others depend on the attorney, or on the offer itself). */
const CASE_FACT_FILTERS = new Set(['practice_area', 'language', 'geography', 'eoir_registration']);

/** Why a review runs after `keys:reindex`: the names read another way under the same key, or a new index key. */
export type Reindexed = 'same-key' | 'new-key';

/** Advisory lock class of an attorney's accepts (the key within it: a hash of their id). */
const ACCEPT_LOCK_CLASS = 7_264_003;

interface CaseRow {
  id: string;
  organization_id: string;
  reference: string;
  status: string;
  practice_areas: PracticeArea[];
  preferred_language: string;
  needs_interpreter: boolean;
  facility_code: string | null;
  state: string | null;
  custody_status: string;
  urgency_level: Urgency;
  consent_share: boolean;
  flags: { code: string }[] | null;
  assigned_attorney_id: string | null;
  offer_windows_minutes: Record<Urgency, number>;
  auto_routing: boolean;
  time_zone: string;
}

export interface ReferralView {
  id: string;
  caseId: string;
  reference: string;
  attorneyId: string;
  status: string;
  offeredAt: string;
  respondBy: string;
  respondedAt: string | null;
  declineReason: string | null;
  /** The attorney's note on a decline, in lists (coordinators, and the attorney who wrote it). */
  declineNote?: string;
  match: { score: number; reasons: string[] };
  /** What an attorney may know before accepting: no names, no numbers, no narrative. */
  case?: Record<string, unknown>;
}

/** This case's past offers by attorney, and the attorneys in conflict with it (the matching name index values). */
interface CaseHistory {
  prior: Map<string, AttorneyCandidate['priorOutcomeOnCase']>;
  /**
   * Per attorney: the name indexes that conflict (`clients`: their clients named adverse here; `adverse`: the parties
   * their clients name adverse, this client among them), and `declared`, this client's own indexes when the attorney
   * declined this case or the same client's for a conflict, or stepped down or was released from one for a conflict
   * (a conflict they told, not one the names show: it bars them, and alerts nobody).
   */
  conflicts: Map<string, { clients: string[]; adverse: string[]; declared: string[] }>;
}

type Outcome = { offered: ReferralView } | { unplaced: true; why: string };

/** Why nobody is eligible, in counts only (never who): for the coordinator's answer and email. */
export function whyUnplaced(candidates: number, excluded: Exclusion[]): string {
  if (candidates === 0) {
    return 'no attorney is accepting, available, below capacity, with the practice area, the language, the facility or state and, for a court matter, EOIR registration';
  }
  const byFilter = new Map<FilterCode, number>();
  for (const e of excluded) byFilter.set(e.filter, (byFilter.get(e.filter) ?? 0) + 1);
  const parts = [...byFilter].map(([filter, n]) => `${n} ${EXCLUDED_FOR[filter]}`);
  return `${attorneys(candidates)} matched the profile filters; excluded: ${parts.join(', ')}`;
}

const attorneys = (n: number) => `${n} ${n === 1 ? 'attorney' : 'attorneys'}`;

/** What excluded an attorney, after a count ("2 for an earlier offer of this case"). */
const EXCLUDED_FOR: Readonly<Record<FilterCode, string>> = {
  conflict_of_interest: 'for a conflict of interest',
  prior_offer: 'for an earlier offer of this case',
  not_accepting: 'not accepting referrals',
  unavailable: 'unavailable',
  at_capacity: 'at capacity',
  practice_area: 'for the practice area',
  language: 'for the language',
  geography: 'for the facility or state',
  eoir_registration: 'for EOIR registration',
};

const COURT_AREAS: PracticeArea[] = ['detention_bond', 'removal_defense'];

/** What every email saying a case cannot be offered for want of consent says (consentRecorded finds them by it). */
const UNTIL_CONSENT = 'consent is recorded';

const CONSENT_RELEASE_TEXT = (reference: string) => `The client's consent to share case ${reference} with an attorney was withdrawn`;

const toView = (r: Record<string, any>): ReferralView => ({
  id: r.id,
  caseId: r.case_id,
  reference: r.reference,
  attorneyId: r.attorney_id,
  status: r.status,
  offeredAt: r.offered_at.toISOString(),
  respondBy: r.respond_by.toISOString(),
  respondedAt: r.responded_at?.toISOString() ?? null,
  declineReason: r.decline_reason ?? null,
  match: { score: Number(r.score), reasons: r.reasons },
});

/**
 * Offers, answers and expiry. Every state change runs in one transaction with the case row locked, so two
 * coordinators routing the same case, or an accept racing an expiry, settle on one outcome; partial unique indexes
 * (one open offer, one acceptance per case) back that up in the database.
 */
/**
 * The outbox key of a conflict alert: once per case, attorney, set of matching names (a digest) and recipient. Delivery
 * reads it (the attorney's own copy is cancelled once the case is no longer theirs): keep the shape.
 */
export const conflictKey = (caseId: string, attorneyId: string, matched: string, recipient: string) =>
  `conflict:${caseId}:${attorneyId}:${matched}:${recipient}`;

/** How often one routing scores again an attorney whose profile keeps changing while it waits, before taking them as read. */
const MAX_RESCORES = 3;

/**
 * SQL: the name indexes that say two cases are the same client's (the A-number, or the name and date of birth as the
 * duplicate check reads them, a name typed shorter too): not a name alone, which would take every client of a common
 * name for one.
 */
const SAME_CLIENT_KINDS = `('a_number', 'name_dob', 'name_tokens_dob', 'name_short_dob')`;

@Injectable()
export class ReferralsService implements OnModuleInit {
  private readonly logger = new Logger('Referrals');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly timeline: CaseTimelineService,
    private readonly clock: Clock,
    private readonly userChanges: UserChanges,
  ) {}

  onModuleInit(): void {
    this.userChanges.register({ phase: 'effects', userChanged: (tx, change) => this.attorneyChanged(tx, change) });
    // The last coordinator leaving: their unsent alerts go to the admins standing in (OutboxService.handOver).
    this.userChanges.register({
      phase: 'effects',
      userChanged: async (tx, change) => {
        const was = change.before?.role === 'coordinator' && change.before.active;
        if (was && !(change.after.role === 'coordinator' && change.after.active)) await this.outbox.handOver(tx, change.organizationId, change.userId);
      },
    });
  }

  /**
   * An attorney deactivated, or given another role, can no longer take or keep cases, in the admin's transaction:
   * their open offers expire now (the expiry job moves each on to the next match within a pass), and the cases
   * assigned to them are released (releaseCase). The expiry job also releases whatever such a change missed
   * (releaseStranded).
   */
  private async attorneyChanged(tx: EntityManager, change: UserChange): Promise<void> {
    const was = change.before?.role === 'attorney' && change.before.active;
    const is = change.after.role === 'attorney' && change.after.active;
    if (!was || is) return;
    const why = change.after.active ? 'role changed' : 'deactivated';
    const now = this.clock.now();
    // Marked DEPARTED: the expiry they come to is the system's doing, not an offer the attorney let lapse, and does not
    // bar them from the case if they come back (reactivated after a leave, or a deactivation by mistake).
    await tx.query(
      `UPDATE referrals SET respond_by = $2, withdrawn_why = 'DEPARTED' WHERE attorney_id = $1 AND status = 'offered' AND respond_by > $2`,
      [change.userId, now],
    );
    const assigned: { id: string; reference: string }[] = await tx.query(
      `SELECT id, reference FROM cases WHERE assigned_attorney_id = $1 AND status = 'assigned' ORDER BY id FOR UPDATE`,
      [change.userId],
    );
    for (const c of assigned) await this.releaseCase(tx, c, change.userId, why, change.actor, change.organizationId);
  }

  /**
   * A case taken from its attorney (the case row locked): new again with no attorney, the acceptance withdrawn (one
   * accepted referral per case: the next attorney's must be possible), recomputed (a detained client is flagged as
   * without counsel again), every active coordinator emailed to place it, audited as `case.unassign`. A recompute that
   * fails does not stop the release (nor the deactivation it is part of): the case is left due for the urgency review.
   */
  private async releaseCase(
    tx: EntityManager,
    c: { id: string; reference: string },
    attorneyId: string,
    why: string,
    actor: Principal | null,
    organizationId: string,
    options: {
      /** The coordinators' email, given the case's urgency after the release (for the subject: triage from the inbox). */
      coordinatorsAreTold?: (level: string) => { body: string; subject?: string };
      /** RELEASED by default: the attorney could not keep it; STEPPED_DOWN bars them from being offered it again. */
      withdrawnWhy?: 'RELEASED' | 'STEPPED_DOWN';
      /** A release on request: the reason code given (audited beside why). */
      reason?: string;
      /** The coordinator who released it: they know. */
      notTelling?: string;
    } = {},
  ): Promise<void> {
    const now = this.clock.now();
    await tx.query(`UPDATE cases SET status = 'new', assigned_attorney_id = NULL, updated_at = $2 WHERE id = $1`, [c.id, now]);
    await tx.query(`UPDATE referrals SET status = 'withdrawn', responded_at = $2, withdrawn_why = $3, release_reason = $4 WHERE case_id = $1 AND status = 'accepted'`, [
      c.id, now, options.withdrawnWhy ?? 'RELEASED', options.reason ?? null,
    ]);
    const level = await this.recomputeOrReview(tx, c.id, now, 'Release');
    const told = options.coordinatorsAreTold?.(level) ?? {
      body: `The attorney assigned to case ${c.reference} can no longer take cases (${why}). The case is new again, with no attorney: please place it.`,
    };
    await this.audit.record(tx, {
      organizationId, actorId: actor?.userId ?? null, actorRole: actor?.role ?? 'system', action: 'case.unassign',
      caseId: c.id, caseReference: c.reference, details: options.reason ? { attorneyId, why, reason: options.reason } : { attorneyId, why },
    });
    await this.tellCoordinators(tx, organizationId, c, level, now, told.body, told.subject, options.notTelling ?? null);
  }

  /**
   * An assigned case taken from its attorney on request (the case row locked, status assigned): by a coordinator (a
   * conflict found, the attorney unreachable, the client asking for another) or by the attorney, stepping down. As any
   * release: new again, the acceptance withdrawn, recomputed, audited (`case.unassign`, why and the reason code), the
   * coordinators emailed to place it; the attorney is not offered it again by routing (a coordinator may still route
   * it to them by name), and one a coordinator released is emailed that it is no longer theirs (the reference only).
   */
  async releaseOnRequest(tx: EntityManager, actor: Principal, c: { id: string; reference: string }, attorneyId: string, reason: ReleaseReason): Promise<void> {
    const steppedDown = actor.userId === attorneyId;
    const because = RELEASE_REASON_TEXT[reason];
    await this.releaseCase(tx, c, attorneyId, steppedDown ? 'stepped down' : 'released by a coordinator', actor, actor.organizationId, {
      withdrawnWhy: 'STEPPED_DOWN',
      reason,
      notTelling: steppedDown ? undefined : actor.userId,
      coordinatorsAreTold: (level) => ({
        subject: `[Amparo] ${c.reference} (${level}): its attorney ${steppedDown ? 'stepped down' : 'was released from it'}; it needs an attorney again`,
        body: `${steppedDown ? `The attorney assigned to case ${c.reference} stepped down` : `A coordinator released the attorney of case ${c.reference}`} ` +
          `(${because}). The case is new again, with no attorney: please place it. Routing does not offer it to that attorney again.`,
      }),
    });
    if (!steppedDown) await this.tellReleased(tx, actor.organizationId, c, attorneyId, this.clock.now(), `A coordinator released you from case ${c.reference} (${because})`);
    if (reason === 'conflict') await this.conflictTold(tx, attorneyId);
  }

  /** The attorney a case was taken from is told it is no longer theirs (`case.released`: the reference and why only). */
  private async tellReleased(tx: EntityManager, organizationId: string, c: { id: string; reference: string }, attorneyId: string, now: Date, what: string): Promise<void> {
    await this.outbox.enqueue(tx, [{
      organizationId, recipientId: attorneyId, kind: 'case.released', caseId: c.id,
      dedupeKey: `released:${c.id}:${now.getTime()}:${attorneyId}`,
      subject: `[Amparo] ${c.reference} is no longer assigned to you`,
      body: `${what}: the case is no longer assigned to you, and its record is no longer open to you in Amparo. The coordinators can tell you more.`,
    }]);
  }

  /**
   * A closed case reopened (the case locked, recomputed): its attorney is told it is theirs again, or, when it went
   * back to `new`, every other active coordinator that it needs an attorney (the one who reopened it knows). Reference
   * and urgency only. An attorney who still practises here but whom the client's consent no longer covers
   * (`withoutConsent`: withdrawn while the case was closed) is told it is no longer theirs, as a withdrawal tells them.
   */
  async caseReopened(
    tx: EntityManager,
    actor: Principal,
    c: { id: string; reference: string },
    attorneyId: string | null,
    withoutConsent: string | null = null,
  ): Promise<void> {
    const now = this.clock.now();
    const [{ urgency_level: level }] = await tx.query(`SELECT urgency_level FROM cases WHERE id = $1`, [c.id]);
    if (attorneyId) {
      await this.outbox.enqueue(tx, [{
        organizationId: actor.organizationId, recipientId: attorneyId, kind: 'case.reopened', caseId: c.id,
        dedupeKey: `reopened:${c.id}:${now.getTime()}:${attorneyId}`,
        subject: `[Amparo] ${c.reference} (${level}) was reopened and is yours again`,
        body: `Case ${c.reference} had been closed by mistake. A coordinator reopened it, and it is assigned to you again: ` +
          `its deadlines are followed again. If you cannot take it back, please tell the coordinators.`,
      }]);
      return;
    }
    const coordinators = (await this.outbox.coordinators(tx, actor.organizationId)).filter((id) => id !== actor.userId);
    // Whether an attorney ever took it (one released before the close counts).
    const [{ had }] = await tx.query(`SELECT EXISTS (SELECT 1 FROM referrals WHERE case_id = $1 AND accepted_at IS NOT NULL) AS had`, [c.id]);
    await this.outbox.enqueue(tx, coordinators.map((recipient) => ({
      organizationId: actor.organizationId, recipientId: recipient, kind: 'case.unassigned', caseId: c.id,
      dedupeKey: `unassigned:${c.id}:${now.getTime()}:${recipient}`,
      subject: `[Amparo] ${c.reference} (${level}) needs an attorney again`,
      body: `Case ${c.reference} was reopened after a close made by mistake. ` +
        (withoutConsent
          ? `Its attorney no longer has it, since the client's consent to share it is not recorded: it is new, with no attorney, and cannot be offered until ${UNTIL_CONSENT}.`
          : (had ? 'Its attorney no longer has it: it' : 'It had no attorney yet, and') + ' is new, with no attorney. Please place it.'),
    })));
    if (withoutConsent) await this.tellReleased(tx, actor.organizationId, c, withoutConsent, now, CONSENT_RELEASE_TEXT(c.reference));
  }

  /**
   * A case closed (the case locked, its deadlines no longer followed): those who followed it and did not close it are
   * told. The coordinators, when its attorney closed it with deadlines still open or a detainer hold missed whose outer
   * limit is ahead (off the board, no reminders, a missed hold's alert not sent: a close by mistake would otherwise go
   * unseen); its attorney, when a coordinator closed it (their reminders stop). Reference, outcome and the counts only;
   * cancelled unsent once the case is reopened, or closed again.
   */
  async caseClosed(
    tx: EntityManager,
    actor: Principal,
    c: { id: string; reference: string },
    attorneyId: string | null,
    outcome: string,
    followed: { open: number; held: number },
  ): Promise<void> {
    const now = this.clock.now().getTime();
    const counts = [
      ...(followed.open > 0 ? [followed.open === 1 ? 'one open deadline' : `${followed.open} open deadlines`] : []),
      ...(followed.held > 0 ? ['a detainer hold past its 48 hours whose outer limit (8 CFR 287.7(d)) is still ahead'] : []),
    ];
    const open = counts.join(' and ');
    const outcomeText = outcome.replace(/_/g, ' ');
    const toCoordinators = actor.role !== 'coordinator' && counts.length > 0
      ? (await this.outbox.coordinators(tx, actor.organizationId)).map((recipient) => ({
          recipient,
          subject: `[Amparo] ${c.reference} was closed by its attorney with ${open}`,
          body: `Case ${c.reference} was closed by its attorney (outcome: ${outcomeText}). It had ${open}, no longer followed: ` +
            'not on the board, no reminders. If it was closed by mistake, a coordinator can reopen it.',
        }))
      : [];
    const toAttorney = attorneyId && attorneyId !== actor.userId
      ? [{
          recipient: attorneyId,
          subject: `[Amparo] ${c.reference} was closed`,
          body: `A coordinator closed case ${c.reference} (outcome: ${outcomeText}). Its deadlines are no longer followed, and you get ` +
            'no more reminders for it. If this is a mistake, tell the coordinators: they can reopen it.',
        }]
      : [];
    // Closed, reopened and closed again before the delivery pass: the earlier close's emails, with the outcome it gave
    // and to whom it told, are not sent (the reopening cancels them only at a pass that finds the case open).
    await tx.query(
      `UPDATE notifications SET cancelled_at = $2, last_error = 'cancelled: the case was closed again'
        WHERE case_id = $1 AND kind = 'case.closed' AND sent_at IS NULL AND cancelled_at IS NULL`,
      [c.id, new Date(now)],
    );
    await this.outbox.enqueue(tx, [...toCoordinators, ...toAttorney].map((m) => ({
      organizationId: actor.organizationId, recipientId: m.recipient, kind: 'case.closed', caseId: c.id,
      dedupeKey: `closed:${c.id}:${now}:${m.recipient}`, subject: m.subject, body: m.body,
    })));
  }

  /**
   * Every active coordinator is emailed that a case needs an attorney again (references and urgency only). Cancelled
   * unsent once the case is offered or assigned again, or closed.
   */
  private async tellCoordinators(
    tx: EntityManager,
    organizationId: string,
    c: { id: string; reference: string },
    level: string,
    now: Date,
    body: string,
    subject = `[Amparo] ${c.reference} (${level}) needs an attorney again`,
    except: string | null = null,
  ): Promise<void> {
    const coordinators = (await this.outbox.coordinators(tx, organizationId)).filter((id) => id !== except);
    await this.outbox.enqueue(tx, coordinators.map((recipient) => ({
      organizationId, recipientId: recipient, kind: 'case.unassigned', caseId: c.id,
      dedupeKey: `unassigned:${c.id}:${now.getTime()}:${recipient}`,
      subject,
      body,
    })));
  }

  /**
   * What a deactivation or role change did not reach (one made before this code, or by hand in the database):
   * assigned cases whose attorney is no longer an active attorney are released, and open offers to one expire now.
   * Run by the expiry job before it moves expired offers on. Each case in its own transaction, skipped when busy.
   */
  async releaseStranded(): Promise<number> {
    const now = this.clock.now();
    await this.db.query(
      // DEPARTED, as at a deactivation through the API: the lapse is not the attorney's, and does not bar them later.
      `UPDATE referrals r SET respond_by = $1, withdrawn_why = 'DEPARTED' FROM users u
        WHERE u.id = r.attorney_id AND r.status = 'offered' AND r.respond_by > $1 AND NOT (u.active AND u.role = 'attorney')`,
      [now],
    );
    // And cases assigned though the client's consent was withdrawn (by a release before consent took them back).
    const stranded: { id: string }[] = await this.db.query(
      `(SELECT c.id FROM cases c JOIN users u ON u.id = c.assigned_attorney_id
         WHERE c.status = 'assigned' AND NOT (u.active AND u.role = 'attorney') ORDER BY c.id LIMIT 200)
       UNION (SELECT id FROM cases WHERE status = 'assigned' AND NOT consent_share ORDER BY id LIMIT 200)`,
    );
    let released = 0;
    for (const { id } of stranded) {
      await this.db.transaction((tx) => this.audit.appendingLast(tx, async () => {
        const [c] = await tx.query(
          `SELECT c.id, c.reference, c.organization_id, c.assigned_attorney_id, c.consent_share, u.active, u.role FROM cases c JOIN users u ON u.id = c.assigned_attorney_id
            WHERE c.id = $1 AND c.status = 'assigned' AND (NOT (u.active AND u.role = 'attorney') OR NOT c.consent_share) FOR UPDATE OF c SKIP LOCKED`,
          [id],
        );
        if (!c) return;
        if (c.active && c.role === 'attorney') await this.consentWithdrawn(tx, c, c.assigned_attorney_id, null);
        else await this.releaseCase(tx, c, c.assigned_attorney_id, c.active ? 'role changed' : 'deactivated', null, c.organization_id);
        released += 1;
      })).catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) throw error;
        this.logger.error({ caseId: id, err: error }, 'Release of a stranded case failed; going on with the rest');
      });
    }
    return released;
  }

  async offerFromCoordinator(actor: Principal, caseId: string, attorneyId?: string): Promise<ReferralView> {
    let outcome: Outcome;
    try {
      outcome = await this.audit.transaction(async (tx) => {
        const c = (await this.lockCase(tx, caseId, actor.organizationId)) ?? (await this.refuseForeignCase(tx, actor, caseId));
        if (c.status === 'offered') {
          // An offer past its answer time is over, whether or not the expiry job has come to it: it expires now, and
          // the coordinator's choice replaces the automatic move to the next match.
          const [open] = await tx.query(`SELECT r.*, $2::text AS reference FROM referrals r WHERE r.case_id = $1 AND r.status = 'offered' FOR UPDATE`, [c.id, c.reference]);
          if (open && open.respond_by > this.clock.now()) throw conflict('OFFER_OPEN', 'An offer on this case is still open');
          if (open) await this.expire(tx, open);
        }
        if (c.status === 'assigned') throw conflict('CASE_ASSIGNED', 'The case already has an attorney');
        if (c.status === 'closed' || c.status === 'purged') throw conflict('CASE_CLOSED', `The case is ${c.status}`);
        if (!c.consent_share) throw unprocessable('CONSENT_MISSING', 'The client has not consented to sharing the case with an attorney');
        return this.offerNext(tx, c, actor, attorneyId);
      });
    } catch (error) {
      if (isUniqueViolation(error, 'referrals_one_open_offer')) throw conflict('OFFER_OPEN', 'An offer on this case is still open');
      throw error;
    }
    // The case stays `unplaced` (committed above) and the coordinators were told; the answer is a 422.
    if (!('offered' in outcome)) throw unprocessable('NO_ELIGIBLE_ATTORNEY', `No eligible attorney (${outcome.why}): the case is now unplaced`);
    return outcome.offered;
  }

  /**
   * Auto-routing at intake: urgent cases with consent, when the organization has it on. Runs in the intake's
   * transaction; returns the case status after it.
   */
  async autoRoute(tx: EntityManager, caseId: string, urgency: string, consent: boolean): Promise<string> {
    if (!consent || (urgency !== 'critical' && urgency !== 'high')) return 'new';
    const row = await this.lockCase(tx, caseId);
    if (!row || row.status !== 'new' || !row.auto_routing) return row?.status ?? 'new';
    const outcome = await this.offerNext(tx, row, null);
    return 'offered' in outcome ? 'offered' : 'unplaced';
  }

  /**
   * After an event or a correction (in its transaction, the case row locked, its urgency recomputed): a case this change
   * made urgent, or gave consent while urgent, is offered as at intake, when the organization has auto-routing on, the
   * case is new and it was never offered (one a coordinator took back, or whose offers ran out, is theirs to place).
   * `before`: the case's urgency and consent before the change. Returns the case's status after it.
   */
  async autoRouteIfNowUrgent(tx: EntityManager, caseId: string, before: { level: string; consent: boolean }): Promise<string | null> {
    const urgent = (level: string) => level === 'critical' || level === 'high';
    if (urgent(before.level) && before.consent) return null;
    const c = await this.lockCase(tx, caseId);
    if (!c || c.status !== 'new' || !c.auto_routing || !c.consent_share || !urgent(c.urgency_level)) return null;
    const [offered] = await tx.query(`SELECT 1 FROM referrals WHERE case_id = $1 LIMIT 1`, [caseId]);
    if (offered) return null;
    const outcome = await this.offerNext(tx, c, null);
    return 'offered' in outcome ? 'offered' : 'unplaced';
  }

  /**
   * After a correction of the case (PATCH or a transfer, in its transaction, the case row locked): an open offer that
   * consent no longer covers, or whose attorney now has a conflict with the case, is withdrawn, and the case is new
   * again for a coordinator to place. With `needsChanged` (the language, interpreter, practice areas or place were
   * corrected, or the case became a court matter), so is one whose attorney no longer fits the case (practice area,
   * language, geography, court registration), unless a coordinator set that very failure aside when offering it.
   * Returns why, or null when the offer stands.
   */
  async reviewOpenOffer(
    tx: EntityManager,
    caseId: string,
    actor: Principal | null,
    options: { needsChanged?: boolean; consentWithdrawn?: boolean; reindexed?: Reindexed } = {},
  ): Promise<string | null> {
    const c = await this.lockCase(tx, caseId);
    if (!c || c.status === 'closed' || c.status === 'purged') return null;
    // Only for a withdrawal made now: a case assigned without consent by an earlier release is the expiry pass's to
    // release (releaseStranded), not the next correction's, whoever makes it.
    if (options.consentWithdrawn && c.status === 'assigned' && !c.consent_share && c.assigned_attorney_id) {
      await this.consentWithdrawn(tx, c, c.assigned_attorney_id, actor);
      return 'NO_CONSENT';
    }
    // One reading of the clock for both: an offer whose answer time fell between two would be neither's.
    const now = this.clock.now();
    await this.alertConflicts(tx, c, now, options.reindexed ?? null);
    if (c.status !== 'offered') return null;
    // An offer past its answer time is the expiry job's: it expires (the attorney let it lapse) and moves on to the next
    // match; withdrawn here, the case would wait, new, for a coordinator (reviewOffersOf leaves such offers alone too).
    const [r] = await tx.query(
      `SELECT id, attorney_id, reasons FROM referrals WHERE case_id = $1 AND status = 'offered' AND respond_by > $2 FOR UPDATE`,
      [caseId, now],
    );
    if (!r) return null;
    const bar = (await this.acceptanceBar(tx, c, r.attorney_id)) ?? (options.needsChanged ? await this.noLongerFits(tx, c, r) : null);
    if (!bar) return null;
    const withdrawnAt = await this.withdrawOffer(tx, actor, { id: r.id, caseId, reference: c.reference, attorneyId: r.attorney_id, organizationId: c.organization_id }, { attorneyId: r.attorney_id, why: bar.code });
    // Nobody else would notice: the case is new again, and no job offers a new case.
    const because: Record<string, string> = {
      NO_CONSENT: `the client's consent to share the case with an attorney was withdrawn. The case is new again; it cannot be offered until ${UNTIL_CONSENT}.`,
      CONFLICT_OF_INTEREST: 'the offered attorney now has a conflict of interest. The case is new again: please place it with another attorney.',
      NO_LONGER_ELIGIBLE: `after a correction, the offered attorney no longer fits it (${bar.message}). The case is new again: please place it.`,
    };
    await this.tellCoordinators(tx, c.organization_id, c, c.urgency_level, withdrawnAt, `The offer on case ${c.reference} was withdrawn: ${because[bar.code]}`);
    return bar.code;
  }

  /**
   * The client withdrew their consent to share the case with an attorney after one accepted it: the attorney no longer
   * has the case (nor its full record), as if released (`case.unassign`, why `consent withdrawn`); they are told it is
   * no longer theirs (the reference only), and the coordinators that it cannot be offered until consent is recorded.
   */
  private async consentWithdrawn(tx: EntityManager, c: { id: string; reference: string; organization_id: string }, attorneyId: string, actor: Principal | null): Promise<void> {
    await this.releaseCase(tx, c, attorneyId, 'consent withdrawn', actor, c.organization_id, {
      coordinatorsAreTold: (level) => ({
        subject: `[Amparo] ${c.reference} (${level}): consent to share withdrawn; its attorney no longer has it`,
        body: `The client withdrew their consent to share case ${c.reference} with an attorney: its attorney no longer has it. ` +
          `The case is new again; it cannot be offered until ${UNTIL_CONSENT}.`,
      }),
    });
    await this.tellReleased(tx, c.organization_id, c, attorneyId, this.clock.now(), CONSENT_RELEASE_TEXT(c.reference));
  }

  /**
   * The client's consent to share was recorded on a case that had none (a correction; the case row locked), and it is
   * still `new` or `unplaced` (auto-routing did not offer it). When the coordinators were told that it cannot be
   * offered until consent is recorded (an offer or an assignment ended by the withdrawal, a reopen, no consent at
   * routing), what is not sent of that is not sent, and they are told, but the one who recorded it, that it can be
   * placed now: a case whose attorney lost it by the withdrawal would otherwise wait unseen, its news cancelled.
   * `tell` false: routing it just now found nobody, which they are told instead.
   */
  async consentRecorded(tx: EntityManager, actor: Principal, caseId: string, tell = true): Promise<void> {
    const c = await this.lockCase(tx, caseId);
    if (!c || !c.consent_share || (c.status !== 'new' && c.status !== 'unplaced')) return;
    const now = this.clock.now();
    const told: unknown[] = await tx.query(
      `WITH told AS (
         SELECT id, sent_at FROM notifications
          WHERE case_id = $1 AND kind IN ('case.unassigned', 'case.unplaced') AND body LIKE '%' || $3 || '%'
            AND (sent_at IS NOT NULL OR cancelled_at IS NULL)
       ), cancelled AS (
         UPDATE notifications n SET cancelled_at = $2, last_error = 'cancelled: consent recorded since'
           FROM told WHERE n.id = told.id AND told.sent_at IS NULL AND n.sent_at IS NULL
       )
       SELECT 1 FROM told`,
      [c.id, now, UNTIL_CONSENT],
    );
    if (told.length === 0 || !tell) return;
    await this.tellCoordinators(tx, c.organization_id, c, c.urgency_level, now,
      `The client's consent to share case ${c.reference} with an attorney is now recorded: the case can be offered. ` +
        `It is ${c.status}, with no attorney: please place it.`,
      `[Amparo] ${c.reference} (${c.urgency_level}) can be offered now: consent to share recorded`,
      actor.role === 'coordinator' ? actor.userId : null);
  }

  /**
   * The client withdrew their consent after their case was closed (the case row locked): its attorney no longer has it,
   * nor its full record (it stays closed, and a reopen makes it new): their acceptance is withdrawn (kept as a former
   * client's, for conflicts), audited as `case.unassign` (why `consent withdrawn`), and they are told it is no longer
   * theirs (the reference only). Until purged, a closed case stayed open to its attorney whatever the client said.
   */
  async consentWithdrawnWhileClosed(tx: EntityManager, actor: Principal, c: { id: string; reference: string }, attorneyId: string): Promise<void> {
    const now = this.clock.now();
    await tx.query(`UPDATE cases SET assigned_attorney_id = NULL, updated_at = $2 WHERE id = $1`, [c.id, now]);
    await tx.query(`UPDATE referrals SET status = 'withdrawn', responded_at = $2, withdrawn_why = 'RELEASED' WHERE case_id = $1 AND status = 'accepted'`, [c.id, now]);
    await this.audit.record(tx, {
      organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'case.unassign',
      caseId: c.id, caseReference: c.reference, details: { attorneyId, why: 'consent withdrawn' },
    });
    await this.tellReleased(tx, actor.organizationId, c, attorneyId, now, CONSENT_RELEASE_TEXT(c.reference));
  }

  /**
   * After an attorney's profile changed (committed): each of their open offers whose case they no longer fit on the
   * filters the case's facts decide (practice area, language, geography, EOIR registration) is withdrawn and the
   * coordinators told, unless a coordinator set that very failure aside when offering it. One transaction per offer,
   * case first, holding no profile lock (a routing takes the case, then the profile). Not accepting referrals, being
   * away or at capacity withdraws nothing: the attorney may still answer what they were offered. Returns how many.
   *
   * With `conflicts` (after the attorney accepted a case, or one of their cases was corrected: committed), each open
   * offer whose case they now have a conflict with is withdrawn instead: they could no longer accept it, and the case,
   * urgent perhaps, would wait for their answer or its answer time.
   */
  async reviewOffersOf(actor: Principal, attorneyId: string, review: 'profile' | 'conflicts' = 'profile'): Promise<number> {
    // Not the ones past their answer time: the expiry job passes those to the next match.
    const open: { id: string; case_id: string }[] = await this.db.query(
      `SELECT id, case_id FROM referrals WHERE organization_id = $1 AND attorney_id = $2 AND status = 'offered' AND respond_by > $3 ORDER BY offered_at`,
      [actor.organizationId, attorneyId, this.clock.now()],
    );
    let withdrawn = 0;
    for (const offer of open) {
      // One that fails does not keep the others from their review (the database out of reach ends it).
      const why = await this.audit.transaction(async (tx) => {
        const c = await this.lockCase(tx, offer.case_id);
        if (!c || c.status !== 'offered') return null;
        const [r] = await tx.query(`SELECT id, attorney_id, reasons FROM referrals WHERE id = $1 AND status = 'offered' FOR UPDATE`, [offer.id]);
        if (!r) return null;
        if (review === 'conflicts') return (await this.withdrawIfConflicted(tx, c, r.id, attorneyId)) ? 'CONFLICT_OF_INTEREST' : null;
        const bar = await this.noLongerFits(tx, c, r);
        if (!bar) return null;
        const now = await this.withdrawOffer(tx, actor, { id: r.id, caseId: c.id, reference: c.reference, attorneyId, organizationId: c.organization_id }, { attorneyId, why: 'PROFILE_CHANGED' });
        await this.tellCoordinators(tx, c.organization_id, c, c.urgency_level, now,
          `The offer on case ${c.reference} was withdrawn: its attorney's profile changed, and they no longer fit it (${bar.message}). The case is new again: please place it.`);
        return bar.code;
      }).catch((error: unknown) => {
        if (isDatabaseUnavailable(error)) throw error;
        this.logger.error({ err: error, referralId: offer.id, attorneyId }, `Reviewing an open offer after ${review === 'profile' ? 'a profile change' : 'a new conflict'} failed; the others go on`);
        return null;
      });
      if (why) withdrawn += 1;
    }
    return withdrawn;
  }

  /**
   * The open offer (referral and case locked) withdrawn when its attorney now has a conflict with the case, and the
   * coordinators told. By the system: what made the conflict (an accept, a correction of another case) was another
   * person's act. Returns whether it was withdrawn.
   */
  private async withdrawIfConflicted(tx: EntityManager, c: CaseRow, referralId: string, attorneyId: string): Promise<boolean> {
    const { history } = await this.needs(tx, c);
    if (!history.conflicts.has(attorneyId)) return false;
    const now = await this.withdrawOffer(tx, null, { id: referralId, caseId: c.id, reference: c.reference, attorneyId, organizationId: c.organization_id }, { attorneyId, why: 'CONFLICT_OF_INTEREST' });
    await this.tellCoordinators(tx, c.organization_id, c, c.urgency_level, now,
      `The offer on case ${c.reference} was withdrawn: the offered attorney now has a conflict of interest. The case is new again: please place it with another attorney.`);
    return true;
  }

  /**
   * After a correction of the client's names, birth date or A-number, or of the adverse parties (committed): the open
   * offers of the same client's other cases (by A-number, or name and date of birth, as the conflict check reads one
   * client's intakes) whose attorney now conflicts are withdrawn, as after an accept. The other side named on one of a
   * client's intakes is the other side of them all: the offer otherwise waited out its answer time, its attorney
   * refused at accept. A failure is logged; what was committed stands.
   */
  async reviewClientsOtherOffers(caseId: string): Promise<void> {
    await this.reviewEachOtherOffer(caseId).catch((error: unknown) =>
      this.logger.error({ err: error, caseId }, 'Reviewing the open offers of the same client\'s other cases stopped (the database is out of reach); an offer its attorney can no longer accept waits for its answer time'),
    );
  }

  private async reviewEachOtherOffer(caseId: string): Promise<void> {
    const open: { id: string; case_id: string; attorney_id: string }[] = await this.db.query(
      `SELECT r.id, r.case_id, r.attorney_id FROM referrals r
        WHERE r.status = 'offered' AND r.respond_by > $2 AND r.case_id <> $1
          AND r.case_id IN (SELECT b.case_id FROM case_blind_indexes mine
                              JOIN case_blind_indexes b ON b.organization_id = mine.organization_id AND b.kind = mine.kind AND b.value = mine.value
                             WHERE mine.case_id = $1 AND mine.kind IN ${SAME_CLIENT_KINDS})
        ORDER BY r.offered_at`,
      [caseId, this.clock.now()],
    );
    for (const offer of open) {
      await this.audit.transaction(async (tx) => {
        const c = await this.lockCase(tx, offer.case_id);
        if (!c || c.status !== 'offered') return;
        const [r] = await tx.query(`SELECT id FROM referrals WHERE id = $1 AND status = 'offered' FOR UPDATE`, [offer.id]);
        if (r) await this.withdrawIfConflicted(tx, c, r.id, offer.attorney_id);
      }).catch((error: unknown) => {
        // One that fails does not keep the others from their review (the database out of reach ends it).
        if (isDatabaseUnavailable(error)) throw error;
        this.logger.error({ err: error, referralId: offer.id }, 'Reviewing an open offer of the same client\'s other case after a correction failed; it waits for its answer time');
      });
    }
  }

  /**
   * After a correction: an attorney who holds the case, or held it (accepted and was released) and still practises
   * here, and now conflicts with it (a party named adverse is, or was, their client; or one of their clients names
   * this client as adverse). They have seen the record, so nothing is taken from them: the coordinators, and the
   * assigned attorney, are emailed (references only, never whose name matched), once per set of matching names, and
   * the alert is audited (`case.conflict_alert`, by the system). Whether it can be waived is theirs to decide. An
   * offered attorney's conflict is the offer review's (the offer is
   * withdrawn).
   */
  private async alertConflicts(tx: EntityManager, c: CaseRow, now: Date, reindexed: Reindexed | null = null): Promise<void> {
    // Former holders still practising with the organization; not the attorney of an open offer (the offer review's).
    const former: { attorney_id: string }[] = await tx.query(
      `SELECT DISTINCT r.attorney_id FROM referrals r JOIN users u ON u.id = r.attorney_id
        WHERE r.case_id = $1 AND r.accepted_at IS NOT NULL AND u.active AND u.role = 'attorney'
          AND r.attorney_id IS DISTINCT FROM $2::uuid
          -- An offer past its answer time is the expiry job's, not the offer review's: its attorney is alerted on here.
          AND NOT EXISTS (SELECT 1 FROM referrals o WHERE o.case_id = $1 AND o.status = 'offered' AND o.attorney_id = r.attorney_id
                             AND o.respond_by > $3)`,
      [c.id, c.status === 'assigned' ? c.assigned_attorney_id : null, now],
    );
    const holders = [
      ...(c.status === 'assigned' && c.assigned_attorney_id ? [{ attorneyId: c.assigned_attorney_id, held: 'its assigned attorney', current: true }] : []),
      ...former.map((f) => ({ attorneyId: f.attorney_id, held: 'an attorney who formerly held it', current: false })),
    ];
    if (holders.length === 0) return;
    // Each holder's accepts wait for this correction, and it for theirs (the accept's lock, in one order): otherwise an
    // accept and a correction at once each saw the other's case as before, and the conflict went unnoticed.
    for (const attorneyId of [...new Set(holders.map((h) => h.attorneyId))].sort()) {
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ACCEPT_LOCK_CLASS, attorneyId]);
    }
    const { history } = await this.needs(tx, c);
    const coordinators = await this.outbox.coordinators(tx, c.organization_id);
    for (const { attorneyId, held, current } of holders) {
      const conflict = history.conflicts.get(attorneyId);
      // One the attorney told (a decline or a release for a conflict) alerts nobody: the coordinators were told, and it
      // says nothing of the names; a conflict the names show does, beside it.
      if (!conflict || conflict.clients.length + conflict.adverse.length === 0) continue;
      // Under a new index key every digest is another: a holder already alerted on for this case is not asked about
      // again (a waiver, perhaps, was given), but its alert is written under the new digest, cancelled, so that the next
      // correction does not ask either. Under the same key, the digest tells a new set of names from one told.
      const known = reindexed === 'new-key' && (await tx.query(
        `SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.conflict' AND dedupe_key LIKE 'conflict:' || $1::text || ':' || $2::text || ':%' LIMIT 1`,
        [c.id, attorneyId],
      )).length > 0;
      const digest = (values: string[]) => createHash('sha256').update(values.sort().join(',')).digest('hex').slice(0, 16);
      const matched = digest([...conflict.clients, ...conflict.adverse]);
      // Until 2026-11-27 a told conflict counted among the names (its values with the adverse ones): an alert written
      // then under that digest is the same alert, not to be sent again now that the digest leaves them out.
      const legacy = conflict.declared.length > 0 ? digest([...conflict.clients, ...new Set([...conflict.adverse, ...conflict.declared])]) : null;
      const toldBefore = legacy !== null && legacy !== matched && (await tx.query(
        `SELECT 1 FROM notifications WHERE case_id = $1 AND kind = 'case.conflict'
            AND dedupe_key LIKE 'conflict:' || $1::text || ':' || $2::text || ':' || $3::text || ':%' LIMIT 1`,
        [c.id, attorneyId, legacy],
      )).length > 0;
      // A former holder no longer has the case: what became of it is the coordinators' to tell them, not the system's.
      const recipients = current ? [...new Set([...coordinators, attorneyId])] : coordinators;
      const written = await this.outbox.enqueue(tx, recipients.map((recipient) => ({
        organizationId: c.organization_id, recipientId: recipient, kind: 'case.conflict', caseId: c.id,
        dedupeKey: conflictKey(c.id, attorneyId, matched, recipient),
        subject: `[Amparo] ${c.reference}: possible conflict of interest with ${held}`,
        body:
          `${reindexed ? `After the names were indexed again, in case ${c.reference}` : `After a correction of case ${c.reference}`}, ` +
          `a party named in it matches a client or former client of ${held}, ` +
          `on the other side. Nothing was taken from the attorney: please review the conflict together (a waiver, or ` +
          `another attorney).`,
      })));
      if (known || toldBefore) {
        await tx.query(
          `UPDATE notifications SET cancelled_at = $3, last_error = $4
            WHERE case_id = $1 AND dedupe_key = ANY($2::text[]) AND sent_at IS NULL AND cancelled_at IS NULL`,
          // An admin standing in for the coordinators has their copy under the key with its ending (OutboxService).
          [c.id, recipients.flatMap((recipient) => {
            const key = conflictKey(c.id, attorneyId, matched, recipient);
            return [key, `${key}${STAND_IN_KEY_SUFFIX}`];
          }), now, known ? 'cancelled: told before the index key changed' : 'cancelled: told before, under the earlier digest'],
        );
        continue;
      }
      // On the record that the coordinators were told, and when: each time someone new is (a new set of names, or a
      // coordinator not told yet), never which names.
      if (written > 0) {
        await this.audit.record(tx, {
          organizationId: c.organization_id, actorId: null, actorRole: 'system', action: 'case.conflict_alert',
          caseId: c.id, caseReference: c.reference, details: { attorneyId, holder: current ? 'assigned' : 'former' },
        });
      }
    }
  }

  /**
   * Whether the offered attorney fails a filter the case's own facts decide, now that they changed. A failure the
   * coordinator set aside when making the offer (its reasons hold "override: <the same reason>") does not count; any
   * other does, whatever else was set aside.
   */
  private async noLongerFits(tx: EntityManager, c: CaseRow, offer: { attorney_id: string; reasons: string[] }): Promise<{ code: string; message: string } | null> {
    const { needs, history } = await this.needs(tx, c);
    const [candidate] = await this.candidates(tx, c, needs, history, offer.attorney_id);
    if (!candidate) return null;
    const setAside = new Set(offer.reasons);
    const failed = failedFilters(needs, candidate, this.clock.now())
      .find((f) => CASE_FACT_FILTERS.has(f.filter) && !setAside.has(`override: ${f.reason}`));
    return failed ? { code: 'NO_LONGER_ELIGIBLE', message: failed.reason } : null;
  }

  /**
   * An open offer withdrawn (referral and case locked): the case is new again, for a coordinator to place. The attorney
   * who was emailed the offer is told there is nothing to answer (the reference only); an offer email still unsent is
   * cancelled instead, by the delivery. Without an actor, the system withdrew it.
   */
  private async withdrawOffer(
    tx: EntityManager,
    actor: Principal | null,
    offer: { id: string; caseId: string; reference: string; attorneyId: string; organizationId: string },
    details: Record<string, unknown>,
  ): Promise<Date> {
    const now = this.clock.now();
    // Only a coordinator's own withdrawal bars the attorney from the case (prior_offer); the system's say nothing
    // against them, and the filters judge them afresh.
    await tx.query(`UPDATE referrals SET status = 'withdrawn', responded_at = $2, withdrawn_why = $3 WHERE id = $1`, [offer.id, now, details.why ?? 'COORDINATOR']);
    // Not the case's version (updated_at): nothing of its record changed, and an intake volunteer, who reads `new`
    // either way, would read the withdrawal in it (see statusSeenBy). The same for an offer and an unplaced case.
    await tx.query(`UPDATE cases SET status = 'new' WHERE id = $1 AND status = 'offered'`, [offer.caseId]);
    await this.audit.record(tx, {
      organizationId: offer.organizationId, actorId: actor?.userId ?? null, actorRole: actor?.role ?? 'system', action: 'referral.withdraw',
      caseId: offer.caseId, caseReference: offer.reference, details: { referralId: offer.id, ...details },
    });
    // Sent, or being sent now (claimed: the claim cleared its last error and leased it past when it was written), which
    // the delivery cannot take back; an unclaimed one due at once has next_attempt_at = created_at (both written at the
    // app's clock, OutboxService), a claimed one a lease past it. Every email of the offer is locked: a claim
    // under way finishes first, and none starts until this commits (the claim skips locked rows; after, the offer is no
    // longer open, and its email is not claimed). One waiting to be tried again after a failure is cancelled.
    const emails: { sent: boolean; leased: boolean }[] = await tx.query(
      `SELECT sent_at IS NOT NULL AS sent, (cancelled_at IS NULL AND last_error IS NULL AND next_attempt_at > created_at) AS leased
         FROM notifications WHERE kind = 'referral.offer' AND recipient_id = $2
          AND (dedupe_key = 'offer:' || $1 OR dedupe_key LIKE 'offer:' || $1 || ':sooner:%')
        FOR UPDATE`,
      [offer.id, offer.attorneyId],
    );
    if (emails.some((e) => e.sent || e.leased)) {
      await this.outbox.enqueue(tx, [{
        organizationId: offer.organizationId, recipientId: offer.attorneyId, kind: 'referral.withdrawn', caseId: offer.caseId,
        dedupeKey: `withdrawn:${offer.id}`,
        subject: `[Amparo] The referral of ${offer.reference} was withdrawn: nothing to answer`,
        body: `The offer of case ${offer.reference} made to you was withdrawn. There is nothing to answer; thank you.`,
      }]);
    }
    return now;
  }

  /** Why the attorney may not take the case now: no consent to share it, or a conflict with one of their cases. */
  private async acceptanceBar(tx: EntityManager, c: CaseRow, attorneyId: string): Promise<{ code: string; message: string } | null> {
    if (!c.consent_share) return { code: 'NO_CONSENT', message: 'The client has not consented to sharing the case with an attorney' };
    const { history } = await this.needs(tx, c);
    if (history.conflicts.has(attorneyId)) {
      return { code: 'CONFLICT_OF_INTEREST', message: 'This case cannot be accepted: conflict of interest' };
    }
    return null;
  }

  /**
   * Closing a case withdraws its open offer in the same transaction (the case row locked): nobody may accept a closed
   * case. Audited as a withdrawal, as when a coordinator withdraws it.
   */
  async withdrawOpenOffers(tx: EntityManager, actor: Principal, c: { id: string; reference: string }): Promise<void> {
    const open: { id: string; attorney_id: string; respond_by: Date; organization_id: string }[] = await tx.query(
      `SELECT id, attorney_id, respond_by, organization_id FROM referrals WHERE case_id = $1 AND status = 'offered' FOR UPDATE`,
      [c.id],
    );
    for (const r of open) {
      // One past its answer time is over, whether or not the expiry job has come to it: it expires (the attorney let
      // it lapse, which bars them from the case as a decline does, at a reopen too); withdrawn, it was the system's
      // doing, and the reopened case was offered to them again.
      if (r.respond_by <= this.clock.now()) {
        await this.expire(tx, { ...r, case_id: c.id, reference: c.reference });
        continue;
      }
      await this.withdrawOffer(tx, actor, { id: r.id, caseId: c.id, reference: c.reference, attorneyId: r.attorney_id, organizationId: actor.organizationId }, { attorneyId: r.attorney_id, why: 'CASE_CLOSED' });
    }
  }

  /**
   * The case's deadlines recomputed after a change of hands, in a savepoint: a case whose stored events no longer
   * compute (written by an older release, say) changes hands all the same and is left to the urgency review. Returns
   * the urgency level.
   */
  private async recomputeOrReview(tx: EntityManager, caseId: string, now: Date, step: string): Promise<string> {
    await tx.query(`SAVEPOINT change_of_hands_recompute`);
    try {
      const { level } = (await this.timeline.recompute(tx, caseId, now)).urgency;
      await tx.query(`RELEASE SAVEPOINT change_of_hands_recompute`);
      return level;
    } catch (error) {
      await tx.query(`ROLLBACK TO SAVEPOINT change_of_hands_recompute`);
      if (isDatabaseUnavailable(error)) throw error;
      this.logger.error({ caseId, err: error }, `${step}: the case could not be recomputed; the urgency review will`);
      await tx.query(`UPDATE cases SET urgency_review_at = $2 WHERE id = $1`, [caseId, now]);
      const [{ urgency_level: level }] = await tx.query(`SELECT urgency_level FROM cases WHERE id = $1`, [caseId]);
      return level;
    }
  }

  async accept(actor: Principal, id: string): Promise<ReferralView> {
    const accepted = await this.audit.transaction(async (tx) => {
      const { r, c } = await this.lockOwnOffer(tx, actor, id);
      if (c.status !== 'offered') throw conflict('CASE_NOT_OPEN', `The case is ${c.status}`);
      if (r.respond_by <= this.clock.now()) throw conflict('OFFER_EXPIRED', 'This offer has expired');
      // Accepting opens the client's record to the attorney: consent and the conflict check must still hold now, not
      // only when the offer was made (the intake may have been corrected, or the attorney taken a case since). One
      // attorney's accepts run one at a time: two cases on opposite sides accepted at once each saw the other not yet
      // assigned, and both were given to them. An advisory lock of the attorney's, which only a correction's conflict
      // alert also takes (after its case, as here): their profile row would close a cycle with a routing (case,
      // profile, then the user row) and a deactivation (user row, then the offers).
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ACCEPT_LOCK_CLASS, actor.userId]);
      const bar = await this.acceptanceBar(tx, c, actor.userId);
      if (bar) throw conflict(bar.code, bar.message);
      const now = this.clock.now();
      await tx.query(`UPDATE referrals SET status = 'accepted', responded_at = $2, accepted_at = $2 WHERE id = $1`, [id, now]);
      await tx.query(`UPDATE cases SET status = 'assigned', assigned_attorney_id = $2, updated_at = $3 WHERE id = $1`, [r.case_id, actor.userId, now]);
      await this.recomputeOrReview(tx, r.case_id, now, 'Accept');
      await this.audit.record(tx, {
        organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'referral.accept',
        caseId: r.case_id, caseReference: r.reference, details: { referralId: id, grants: 'sensitive fields of the case' },
      });
      return toView({ ...r, status: 'accepted', responded_at: now });
    });
    // The client of the case accepted may be on the other side of a case they are offered: that offer is withdrawn.
    await this.reviewConflictsOf(actor, [actor.userId]);
    return accepted;
  }

  /**
   * The open offers of these attorneys that a conflict now bars (see reviewOffersOf), once what made it is committed.
   * Whatever happens here, what was committed stands: a failure is logged (the offer then waits for its answer time).
   */
  async reviewConflictsOf(actor: Principal, attorneyIds: string[]): Promise<void> {
    for (const attorneyId of attorneyIds) {
      await this.reviewOffersOf(actor, attorneyId, 'conflicts').catch((error: unknown) =>
        this.logger.error({ err: error, attorneyId }, 'Reviewing the open offers after a new conflict stopped (the database is out of reach); an offer the attorney can no longer accept waits for its answer time'),
      );
    }
  }

  /**
   * The answer says whether the case moved on (`caseStatus` offered or unplaced), never to whom: the next offer is
   * another attorney's referral, which the decliner may not read.
   */
  async decline(actor: Principal, id: string, dto: DeclineReferralDto): Promise<{ referral: ReferralView; caseStatus: string }> {
    const declined = await this.audit.transaction(async (tx) => {
      const { r, c } = await this.lockOwnOffer(tx, actor, id);
      const now = this.clock.now();
      // Past its answer time the offer has expired (the expiry job moves it on), as for an accept.
      if (r.respond_by <= now) throw conflict('OFFER_EXPIRED', 'This offer has expired');
      await tx.query(`UPDATE referrals SET status = 'declined', responded_at = $2, decline_reason = $3, decline_note = $4 WHERE id = $1`, [
        id, now, dto.reason, dto.note ?? null,
      ]);
      await this.audit.record(tx, {
        organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'referral.decline',
        caseId: r.case_id, caseReference: r.reference, details: { referralId: id, reason: dto.reason },
      });
      const referral = toView({ ...r, status: 'declined', responded_at: now, decline_reason: dto.reason });
      const outcome = c.status !== 'offered' ? null : c.consent_share ? await this.offerNext(tx, c, null) : await this.markUnplaced(tx, c, null);
      if (dto.reason === 'conflict') await this.conflictTold(tx, actor.userId);
      return { referral, caseStatus: !outcome ? c.status : 'offered' in outcome ? 'offered' : 'unplaced' };
    });
    // A conflict told now holds for the same client's other cases: an open offer of one to this attorney is withdrawn.
    if (dto.reason === 'conflict') await this.reviewConflictsOf(actor, [actor.userId]);
    return declined;
  }

  async withdraw(actor: Principal, id: string): Promise<ReferralView> {
    return this.audit.transaction(async (tx) => {
      const { r } = (await this.lockReferral(tx, id, actor.organizationId)) ?? (await this.refuseOthersReferral(tx, actor, id));
      if (r.status !== 'offered') throw conflict('REFERRAL_NOT_OPEN', `The referral is ${r.status}`);
      // Past its answer time the offer has expired, as for the attorney's answers: the expiry job moves it on to the
      // next match (or route the case to someone now: that ends it first).
      if (r.respond_by <= this.clock.now()) throw conflict('OFFER_EXPIRED', 'This offer has expired: it moves on to the next match, unless you route the case now');
      const now = await this.withdrawOffer(tx, actor, { id, caseId: r.case_id, reference: r.reference, attorneyId: r.attorney_id, organizationId: actor.organizationId }, { attorneyId: r.attorney_id });
      return toView({ ...r, status: 'withdrawn', responded_at: now });
    });
  }

  async list(actor: Principal, query: ListReferralsQuery): Promise<Page<ReferralView>> {
    const params: unknown[] = [actor.organizationId];
    const where = ['r.organization_id = $1'];
    if (actor.role === 'attorney') where.push(`r.attorney_id = $${params.push(actor.userId)}`);
    if (query.status) where.push(`r.status = $${params.push(query.status)}`);
    const clause = where.join(' AND ');
    const counted = await countMatches(this.db, `referrals r WHERE ${clause}`, params, query.page, query.limit);
    const rows = await this.db.query(
      `SELECT r.*, c.reference, c.urgency_level, c.urgency_reasons, c.flags, c.preferred_language, c.needs_interpreter, c.practice_areas,
              c.facility_code, f.name AS facility_name, c.county, c.state, c.custody_status, c.time_zone,
              c.status AS case_status, c.assigned_attorney_id
         FROM referrals r JOIN cases c ON c.id = r.case_id LEFT JOIN facilities f ON f.code = c.facility_code
        WHERE ${clause} ORDER BY r.offered_at DESC, r.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, (query.page - 1) * query.limit],
    );
    // An attorney sees the case's de-identified summary while the offer is open, and while the case is theirs;
    // once they declined, or the offer expired (its answer window passed, whether or not the expiry job has moved it
    // on yet) or was withdrawn, the referral is all they keep.
    const now = this.clock.now();
    const showsCase = (r: Record<string, any>) =>
      actor.role !== 'attorney' ||
      (r.status === 'offered' && r.respond_by > now) ||
      (r.status === 'accepted' && r.assigned_attorney_id === actor.userId && (r.case_status === 'assigned' || r.case_status === 'closed'));
    const deadlines = await this.summaryDeadlines(rows.filter(showsCase).map((r: { case_id: string }) => r.case_id));
    const items = rows.map((r: Record<string, any>) => ({
      ...toView(r),
      // The attorney's note on a decline is for the coordinators (and the attorney who wrote it).
      ...(r.decline_note ? { declineNote: r.decline_note } : {}),
      case: !showsCase(r) ? null : {
        urgency: r.urgency_level,
        // Why it is urgent, and what else bears on taking it (a 287(g) jail, an order, no counsel): the offered
        // attorney cannot read the case itself until they accept.
        urgencyReasons: r.urgency_reasons,
        flags: r.flags,
        language: r.preferred_language,
        needsInterpreter: r.needs_interpreter,
        practiceAreas: r.practice_areas,
        custodyStatus: r.custody_status,
        facilityCode: r.facility_code,
        facilityName: r.facility_name,
        county: r.county,
        state: r.state,
        // Open, and missed while an outer limit is ahead (summaryDeadlines): a detainer hold past its 48 hours, whose
        // 8 CFR 287.7(d) limit is the time that matters.
        deadlines: (deadlines.get(r.case_id) ?? []).map((d) => ({
          rule: d.rule, label: d.label, status: d.status, dueAt: d.dueAt, timeZone: d.timeZone,
          ...(d.outerLimitAt ? { outerLimitAt: d.outerLimitAt } : {}), ...(d.opensAt ? { opensAt: d.opensAt } : {}), citation: d.citation,
        })),
      },
    }));
    return { items, page: query.page, limit: query.limit, ...counted };
  }

  /** Offers past their window expire and move on to the next match; each is claimed by one instance (SKIP LOCKED). */
  async expireDue(): Promise<number> {
    let expired = 0;
    const busy: string[] = []; // referrals whose case was busy, or whose expiry a concurrent transaction aborted
    for (;;) {
      let claimed: string | undefined;
      // Its events are appended last (after the next offer's profile lock), as in request transactions.
      const handled = await this.db.transaction((tx) => this.audit.appendingLast(tx, async () => {
        const [r] = await tx.query(
          `SELECT r.*, c.reference FROM referrals r JOIN cases c ON c.id = r.case_id
            WHERE r.status = 'offered' AND r.respond_by <= $1 AND r.id <> ALL($2::uuid[])
            ORDER BY r.respond_by LIMIT 1 FOR UPDATE OF r SKIP LOCKED`,
          [this.clock.now(), busy],
        );
        if (!r) return false;
        claimed = r.id;
        // The referral is claimed first (SKIP LOCKED: another instance's, or one a request holds, is passed over), then
        // its case, also without waiting: waiting for it here, holding the referral, would be the opposite order to the
        // requests (case, then referral). A case that is busy is passed over in this pass.
        const c = await this.lockCase(tx, r.case_id, undefined, true);
        if (!c) {
          busy.push(r.id);
          return 'busy';
        }
        await this.expire(tx, r);
        if (c.status !== 'offered') return true;
        if (c.consent_share) await this.offerNext(tx, c, null);
        else await this.markUnplaced(tx, c, null);
        return true;
      })).catch((error: unknown) => {
        // Nothing claimed: the claim itself failed (the database is down): the pass ends.
        if (claimed === undefined) throw error;
        // Aborted for a concurrent transaction (a deadlock victim): this referral waits for the next pass. Any other
        // error is logged, and the offer is passed over too, so that one that always fails cannot stall every expiry.
        if (!isTransientConflict(error)) this.logger.error({ referralId: claimed, err: error }, 'Offer expiry failed for one offer; going on with the rest');
        busy.push(claimed);
        return 'busy' as const;
      });
      if (!handled) return expired;
      if (handled === true) expired += 1;
    }
  }

  /** An offer past its answer time marked expired (its case locked): the system's act, whoever comes to it first. */
  private async expire(tx: EntityManager, r: { id: string; organization_id: string; case_id: string; reference: string; attorney_id: string }): Promise<void> {
    await tx.query(`UPDATE referrals SET status = 'expired', responded_at = $2 WHERE id = $1`, [r.id, this.clock.now()]);
    await this.audit.record(tx, {
      organizationId: r.organization_id, actorId: null, actorRole: 'system', action: 'referral.expire',
      caseId: r.case_id, caseReference: r.reference, details: { referralId: r.id, attorneyId: r.attorney_id },
    });
  }

  /**
   * Whether the attorney still has a free slot, counted as candidates() counts it. An attorney who looks full is passed
   * over without a lock; otherwise their profile row is locked (routings offering to the same attorney queue there) and
   * the load counted again in a new statement, which in READ COMMITTED sees what the routing before it committed.
   */
  private async hasFreeSlot(
    tx: EntityManager,
    organizationId: string,
    attorneyId: string,
    seen?: ProfileFit & Pick<AttorneyCandidate, 'experience' | 'lastOfferedAt'>,
  ): Promise<boolean | 'profile_changed' | 'not_accepting' | 'unavailable'> {
    // As candidates() counts them, by the same indexes.
    const hasRoom = async () => {
      const [row] = await tx.query(
        `SELECT p.max_active_cases,
                (SELECT count(*) FROM cases WHERE organization_id = $1 AND assigned_attorney_id = $2 AND status = 'assigned')
              + (SELECT count(*) FROM referrals WHERE organization_id = $1 AND attorney_id = $2 AND status = 'offered' AND respond_by > $3) AS used
           FROM attorney_profiles p WHERE p.user_id = $2`,
        [organizationId, attorneyId, this.clock.now()],
      );
      return row ? Number(row.used) < row.max_active_cases : false;
    };
    // Full without a lock: passed over without locking their profile, which this transaction would hold to its end
    // (two routings passing over the same full attorneys in different orders would deadlock).
    if (!(await hasRoom())) return false;
    const [locked]: {
      languages: string[]; practice_areas: string[]; facility_codes: string[]; states: string[]; eoir_registered: boolean;
      experience: string[]; last_offered_at: Date | null; accepting_referrals: boolean; unavailable_until: Date | null;
    }[] = await tx.query(
      `SELECT languages, practice_areas, facility_codes, states, eoir_registered, experience, last_offered_at, accepting_referrals,
              unavailable_until
         FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`,
      [attorneyId],
    );
    // A profile change committed while this routing waited for the lock: the candidate was judged on the old profile,
    // and the change's review of the attorney's open offers may already have run (it would not see this one). Having
    // stopped taking referrals, or gone away, rules them out (a coordinator's override may still choose them).
    if (seen && locked && !locked.accepting_referrals) return 'not_accepting';
    if (seen && locked?.unavailable_until && locked.unavailable_until > this.clock.now()) return 'unavailable';
    // So is a change of what the score read (experience; the last offer, which the routing this one waited for most
    // likely made: the rotation's turn and the load), though it rules nobody out: the candidate is scored again.
    const scoredAlike = locked && sameMembers(locked.experience, seen?.experience ?? [])
      && (locked.last_offered_at?.getTime() ?? null) === (seen?.lastOfferedAt?.getTime() ?? null);
    if (seen && locked && (!sameFit(fitOfRow(locked), seen) || !scoredAlike)) return 'profile_changed';
    // Under the lock, in a new statement (a new snapshot in READ COMMITTED): what the routing before committed.
    return (await hasRoom()) && this.stillAnAttorney(tx, attorneyId);
  }

  /**
   * Whether the user is still an active attorney, the row share-locked: a deactivation or role change in progress
   * (which holds the user's row) is waited for, and seen, so that no offer goes to an attorney who was just taken off
   * (that change expires only the offers it can see).
   */
  private async stillAnAttorney(tx: EntityManager, userId: string): Promise<boolean> {
    const rows = await tx.query(`SELECT 1 FROM users WHERE id = $1 AND active AND role = 'attorney' FOR SHARE`, [userId]);
    return rows.length > 0;
  }

  /**
   * A conflict told by an attorney (a decline or a release for one), last in its transaction: a routing of the same
   * client's other case that read the attorney's conflicts before this commits holds their advisory lock
   * (conflictArose) and commits its offer first, for the review after this commit to withdraw; one that reads them
   * after waits, and reads this one. A decline whose next offer took another attorney's lock (conflictArose) then
   * waits for its own: two such declines crossing at once deadlock, and PostgreSQL ends one, whose transaction is
   * run again (transactionWithRetry): a stall of about a second, nothing lost.
   */
  private async conflictTold(tx: EntityManager, attorneyId: string): Promise<void> {
    await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ACCEPT_LOCK_CLASS, attorneyId]);
  }

  /**
   * Whether a conflict of the attorney's with this case was committed since the routing read them: an accept of the
   * other side's case, or a correction of a case they hold. Their accepts and a correction's conflict alert wait for
   * this offer from here (their advisory lock, taken after the case and the profile, as theirs is after their case);
   * one that committed before it is read now. Otherwise the accept's review of the attorney's open offers ran before
   * this offer existed, and the offer stayed open to an attorney who could not accept it, nobody told.
   */
  private async conflictArose(tx: EntityManager, c: CaseRow, attorneyId: string): Promise<boolean> {
    await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [ACCEPT_LOCK_CLASS, attorneyId]);
    return (await this.needs(tx, c)).history.conflicts.has(attorneyId);
  }

  /** Chooses and offers: the explicit attorney (override, conflict still binds) or the best match; else unplaced. */
  private async offerNext(tx: EntityManager, c: CaseRow, actor: Principal | null, attorneyId?: string): Promise<Outcome> {
    const now = this.clock.now();
    const { needs, history } = await this.needs(tx, c);
    let match: RankedMatch;
    if (attorneyId) {
      const [candidate] = await this.candidates(tx, c, needs, history, attorneyId);
      if (!candidate) throw unprocessable('NOT_AN_ATTORNEY', 'attorneyId is not an attorney of this organization with a profile');
      const result = evaluateOverride(needs, candidate, now);
      if (!result.allowed) throw unprocessable('NOT_ELIGIBLE', `This attorney cannot take the case: ${result.exclusion.reason}`);
      // The locks in the best match's order: the profile (which the offer writes), the user row, the accept lock. Taking
      // the accept lock first and the profile last, a coordinator's choice and a best match of the same attorney
      // deadlocked.
      await tx.query(`SELECT 1 FROM attorney_profiles WHERE user_id = $1 FOR UPDATE`, [attorneyId]);
      if (!(await this.stillAnAttorney(tx, attorneyId))) throw unprocessable('NOT_AN_ATTORNEY', 'attorneyId is no longer an active attorney');
      if (await this.conflictArose(tx, c, attorneyId)) throw unprocessable('NOT_ELIGIBLE', `This attorney cannot take the case: ${CONFLICT_REASON}`);
      match = result.match;
    } else {
      const candidates = await this.candidates(tx, c, needs, history);
      const { ranked, excluded } = matchAttorneys(needs, candidates, now);
      // The load was counted without locks: another routing may have filled the best match since. Take the first
      // whose slot is still free, under the lock on their profile.
      let free: RankedMatch | undefined;
      const read = new Map(candidates.map((a) => [a.attorneyId, a]));
      const queue = [...ranked];
      const rescored = new Map<string, number>();
      // Each candidate's profile is locked inside a savepoint, rolled back when they are passed over: a routing holds
      // only the lock of the attorney it offers to (two routings passing over each other's first choice, each still
      // holding it, would deadlock).
      const passOver = async (exclusion?: Exclusion) => {
        if (exclusion) excluded.push(exclusion);
        await tx.query('ROLLBACK TO SAVEPOINT routing_candidate; RELEASE SAVEPOINT routing_candidate');
      };
      for (let candidate = queue.shift(); candidate; candidate = queue.shift()) {
        await tx.query('SAVEPOINT routing_candidate');
        let slot = await this.hasFreeSlot(tx, c.organization_id, candidate.attorneyId, read.get(candidate.attorneyId));
        if (slot === 'profile_changed') {
          // Changed while this routing waited for the lock (most often: another routing offered them a case), now held:
          // judged and scored again as it is now. Still first, it is taken, its room counted again; else it goes back to
          // its place in the ranking, its lock let go (at the third time, taken as read: the ranking cannot chase an
          // attorney whose profile keeps changing).
          const [fresh] = await this.candidates(tx, c, needs, history, candidate.attorneyId);
          const failed = fresh ? failedFilters(needs, fresh, now).find((f) => CASE_FACT_FILTERS.has(f.filter)) : undefined;
          if (!fresh || failed) {
            await passOver(failed ?? { attorneyId: candidate.attorneyId, filter: 'at_capacity', reason: 'no longer an active attorney' });
            continue;
          }
          read.set(candidate.attorneyId, fresh);
          const again: RankedMatch = { attorneyId: candidate.attorneyId, ...scoreCandidate(needs, fresh, now), lastOfferedAt: fresh.lastOfferedAt };
          const times = (rescored.get(candidate.attorneyId) ?? 0) + 1;
          rescored.set(candidate.attorneyId, times);
          if (queue.length > 0 && byRank(again, queue[0]) > 0 && times < MAX_RESCORES) {
            await passOver();
            queue.push(again);
            queue.sort(byRank);
            continue;
          }
          candidate = again;
          slot = await this.hasFreeSlot(tx, c.organization_id, candidate.attorneyId);
        }
        if (slot === 'not_accepting' || slot === 'unavailable') {
          const reason = slot === 'not_accepting' ? 'stopped accepting referrals meanwhile' : 'marked away meanwhile';
          await passOver({ attorneyId: candidate.attorneyId, filter: slot, reason });
          continue;
        }
        if (slot && (await this.conflictArose(tx, c, candidate.attorneyId))) {
          // Rolled back with the savepoint: the lock too.
          await passOver({ attorneyId: candidate.attorneyId, filter: 'conflict_of_interest', reason: `${CONFLICT_REASON} (arose meanwhile)` });
          continue;
        }
        if (slot) {
          await tx.query('RELEASE SAVEPOINT routing_candidate');
          free = candidate;
          break;
        }
        await passOver({ attorneyId: candidate.attorneyId, filter: 'at_capacity', reason: 'at capacity (filled by another routing meanwhile), or no longer an active attorney' });
      }
      if (!free) return this.markUnplaced(tx, c, actor, whyUnplaced(candidates.length, excluded));
      match = free;
    }
    const windows = Object.fromEntries(Object.entries(c.offer_windows_minutes).map(([k, v]) => [k, v * 60_000])) as Partial<OfferWindows>;
    const due = respondBy(c.urgency_level, now, windows);
    // The offer, the case's new status and the attorney's turn in the rotation: one statement.
    const [row] = await tx.query(
      `WITH offered AS (
         INSERT INTO referrals (case_id, organization_id, attorney_id, status, offered_by, offered_at, respond_by, score, reasons, window_level)
         VALUES ($1, $2, $3, 'offered', $4, $5, $6, $7, $8, $9) RETURNING *
       ), moved AS (
         UPDATE cases SET status = 'offered' WHERE id = $1
       ), rotated AS (
         UPDATE attorney_profiles SET last_offered_at = $5 WHERE user_id = $3
       )
       SELECT * FROM offered`,
      [c.id, c.organization_id, match.attorneyId, actor?.userId ?? null, now, due, match.score, JSON.stringify(match.reasons), c.urgency_level],
    );
    await this.audit.record(tx, {
      organizationId: c.organization_id, actorId: actor?.userId ?? null, actorRole: actor?.role ?? 'system', action: 'referral.offer',
      caseId: c.id, caseReference: c.reference, details: { referralId: row.id, attorneyId: match.attorneyId, score: match.score, override: Boolean(attorneyId) },
    });
    // The answer time in the organization's zone (where its attorneys are), not UTC.
    const [{ time_zone: zone }] = await tx.query(`SELECT time_zone FROM organizations WHERE id = $1`, [c.organization_id]);
    await this.outbox.enqueue(tx, [{
      organizationId: c.organization_id, recipientId: match.attorneyId, kind: 'referral.offer', dedupeKey: `offer:${row.id}`, caseId: c.id,
      subject: `[Amparo] New referral ${c.reference} (${c.urgency_level}): please answer by ${localWhen(due, zone)}`,
      body: `A case needs an attorney: ${c.reference}, urgency ${c.urgency_level}.\nPlease accept or decline in Amparo before ${localWhen(due, zone)} (${zone}).`,
    }]);
    return { offered: toView({ ...row, reference: c.reference }) };
  }

  private async markUnplaced(tx: EntityManager, c: CaseRow, actor: Principal | null, why = 'no consent to share'): Promise<Outcome> {
    await tx.query(`UPDATE cases SET status = 'unplaced' WHERE id = $1`, [c.id]);
    // The case's status changed: on the record, by the coordinator who routed it or by the system (auto-routing, a
    // decline or an expiry moving on). `why` holds counts and codes, never a client's data.
    await this.audit.record(tx, {
      organizationId: c.organization_id, actorId: actor?.userId ?? null, actorRole: actor?.role ?? 'system', action: 'referral.unplaced',
      caseId: c.id, caseReference: c.reference, details: { why },
    });
    const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM referrals WHERE case_id = $1`, [c.id]);
    // The coordinator whose routing found nobody is answered so (422): the others are told.
    const coordinators = (await this.outbox.coordinators(tx, c.organization_id)).filter((id) => id !== actor?.userId);
    // Without consent nobody can place it (routing by hand is refused too): what is missing is the consent.
    const email = c.consent_share
      ? { subject: `[Amparo] ${c.reference} (${c.urgency_level}) has no eligible attorney`,
          body: `No eligible attorney is left for case ${c.reference} (${why}). Please place it by hand.` }
      : { subject: `[Amparo] ${c.reference} (${c.urgency_level}) cannot be offered: consent to share is not recorded`,
          body: `Case ${c.reference} cannot be offered to an attorney: the client's consent to share it is not recorded. It can be placed once ${UNTIL_CONSENT}.` };
    await this.outbox.enqueue(tx, coordinators.map((recipient) => ({
      organizationId: c.organization_id, recipientId: recipient, kind: 'case.unplaced', dedupeKey: `unplaced:${c.id}:${n}:${recipient}`, caseId: c.id,
      ...email,
    })));
    this.logger.log({ caseId: c.id, why, by: actor?.userId ?? 'system' }, 'Case unplaced');
    return { unplaced: true, why };
  }

  private async lockCase(tx: EntityManager, caseId: string, organizationId?: string, skipLocked = false): Promise<CaseRow | null> {
    const [row] = await tx.query(
      `SELECT c.id, c.organization_id, c.reference, c.status, c.practice_areas, c.preferred_language, c.needs_interpreter,
              c.facility_code, c.state, c.custody_status, c.urgency_level, c.consent_share, c.flags, c.assigned_attorney_id, o.offer_windows_minutes,
              o.auto_routing, c.time_zone
         FROM cases c JOIN organizations o ON o.id = c.organization_id
        WHERE c.id = $1 ${organizationId ? 'AND c.organization_id = $2' : ''} FOR UPDATE OF c${skipLocked ? ' SKIP LOCKED' : ''}`,
      organizationId ? [caseId, organizationId] : [caseId],
    );
    return row ?? null;
  }

  /**
   * An attorney may act only on their own open offer; anyone else's referral does not exist for them. Locks the case,
   * then the referral (see lockReferral), and returns both.
   */
  private async lockOwnOffer(tx: EntityManager, actor: Principal, id: string) {
    const locked = await this.lockReferral(tx, id, actor.organizationId, actor.userId);
    if (!locked) return this.refuseOthersReferral(tx, actor, id);
    if (locked.r.status !== 'offered') throw new DomainError(HttpStatus.CONFLICT, 'REFERRAL_NOT_OPEN', `The referral is already ${locked.r.status}`);
    return locked;
  }

  /**
   * A referral the caller may not act on (another attorney's, or another organization's) is an attempt on its case:
   * audited on the case's organization's trail, with the caller's organization when it is another (recorded by
   * AuditService.transaction once this transaction has given its connection back). An id that names nothing is not:
   * the same 404, and no event a caller could pile onto a case-less chain by sending random ids.
   */
  private async refuseOthersReferral(tx: EntityManager, actor: Principal, id: string): Promise<never> {
    const [other]: { case_id: string; reference: string; organization_id: string }[] = await tx.query(
      `SELECT r.case_id, c.reference, r.organization_id FROM referrals r JOIN cases c ON c.id = r.case_id WHERE r.id = $1`, [id]);
    if (!other) throw notFound('Referral');
    const foreign = other.organization_id !== actor.organizationId;
    throw new AuditedRefusal(
      {
        organizationId: other.organization_id, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied',
        caseId: other.case_id, caseReference: other.reference,
        details: foreign ? { referralId: id, fromOrganizationId: actor.organizationId } : { referralId: id },
      },
      notFound('Referral'),
    );
  }

  /** A case not of the caller's organization: a 404, and when it is another's, the attempt on that one's trail. */
  private async refuseForeignCase(tx: EntityManager, actor: Principal, caseId: string): Promise<never> {
    const [other]: { id: string; reference: string; organization_id: string }[] = await tx.query(
      `SELECT id, reference, organization_id FROM cases WHERE id = $1`, [caseId]);
    if (!other) throw notFound('Case');
    throw new AuditedRefusal(
      {
        organizationId: other.organization_id, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied',
        caseId: other.id, caseReference: other.reference, details: { fromOrganizationId: actor.organizationId },
      },
      notFound('Case'),
    );
  }

  /**
   * A referral with its case, both locked, the case first. Every path that changes a case and its referrals takes
   * the case row first (closing a case locks it and then withdraws its offers; routing locks it and then offers), so
   * two of them never wait on each other in opposite orders. The referral is found unlocked, then read again under the
   * locks: it may have changed in between. With `attorneyId`, only that attorney's referral.
   */
  private async lockReferral(tx: EntityManager, id: string, organizationId: string, attorneyId?: string): Promise<{ r: any; c: CaseRow } | null> {
    const scope = attorneyId ? 'AND attorney_id = $3' : '';
    const params = attorneyId ? [id, organizationId, attorneyId] : [id, organizationId];
    const [found] = await tx.query(`SELECT case_id FROM referrals WHERE id = $1 AND organization_id = $2 ${scope}`, params);
    if (!found) return null;
    const c = await this.lockCase(tx, found.case_id);
    const [r] = await tx.query(
      `SELECT r.*, c.reference FROM referrals r JOIN cases c ON c.id = r.case_id
        WHERE r.id = $1 AND r.organization_id = $2 ${scope.replace('attorney_id', 'r.attorney_id')} FOR UPDATE OF r`,
      params,
    );
    return r && c ? { r, c } : null;
  }

  /**
   * What the matcher needs to know about the case besides its row, in one statement: its name indexes, whether it is
   * before an immigration court (a hearing scheduled, or a bond or judge's decision or an order recorded), its own
   * past offers (who declined, let it expire or was withdrawn), and the conflicts: each attorney whose assigned or
   * closed cases, or the cases they accepted and were released from (former clients), match this case on a name index
   * (they represent someone named adverse here, or someone whose adverse party is this client), with the matching
   * values. Conflicts are found through the blind indexes themselves, never by loading every attorney's client list.
   */
  private async needs(tx: EntityManager, c: CaseRow): Promise<{ needs: CaseNeeds; history: CaseHistory }> {
    const [row]: {
      client_indexes: string[];
      adverse_indexes: string[];
      in_court: boolean;
      prior: { attorney_id: string; status: AttorneyCandidate['priorOutcomeOnCase'] }[];
      conflicts: { attorney_id: string; kind: string; value: string }[];
    }[] = await tx.query(
      `WITH same_client AS (
         -- This case and the same client's other cases (by A-number, or name and date of birth as the duplicate check
         -- reads them: not a name alone), whose adverse parties are this client's too: a second intake where nobody
         -- asked about the other side does not make the abuser's attorney fit to take it.
         SELECT $1::uuid AS case_id
         UNION
         SELECT x.case_id FROM case_blind_indexes y
           JOIN case_blind_indexes x ON x.organization_id = y.organization_id AND x.kind = y.kind AND x.value = y.value
          WHERE y.case_id = $1 AND y.kind IN ${SAME_CLIENT_KINDS}
       ), mine AS (
         SELECT ARRAY(SELECT value FROM case_blind_indexes WHERE case_id = $1 AND kind = 'party_name') AS clients,
                ARRAY(SELECT DISTINCT value FROM case_blind_indexes
                       WHERE case_id IN (SELECT case_id FROM same_client) AND kind = 'adverse_party') AS adverse
       )
       SELECT mine.clients AS client_indexes, mine.adverse AS adverse_indexes,
              EXISTS (SELECT 1 FROM case_events WHERE case_id = $1 AND retracted_at IS NULL
                       AND type = ANY($3::text[])) AS in_court,
              COALESCE((SELECT json_agg(p) FROM (
                SELECT DISTINCT ON (attorney_id) attorney_id, CASE WHEN withdrawn_why = 'STEPPED_DOWN' THEN 'released' ELSE status END AS status
                  FROM referrals
                 WHERE case_id = $1 AND (status = 'declined' OR (status = 'expired' AND withdrawn_why IS DISTINCT FROM 'DEPARTED')
                                         OR (status = 'withdrawn' AND COALESCE(withdrawn_why, 'COORDINATOR') IN ('COORDINATOR', 'STEPPED_DOWN')))
                 ORDER BY attorney_id, offered_at DESC
              ) p), '[]') AS prior,
              COALESCE((SELECT json_agg(k) FROM (
                SELECT DISTINCT who.attorney_id, b.kind, b.value
                  FROM case_blind_indexes b
                  CROSS JOIN LATERAL (
                    SELECT x.assigned_attorney_id AS attorney_id FROM cases x
                     WHERE x.id = b.case_id AND x.assigned_attorney_id IS NOT NULL AND x.status IN ('assigned', 'closed')
                    UNION
                    -- Former clients: a case the attorney accepted and was later released from.
                    SELECT r.attorney_id FROM referrals r WHERE r.case_id = b.case_id AND r.accepted_at IS NOT NULL
                    UNION
                    -- An adverse party named on another intake of a client the attorney represents (or represented) on
                    -- one of that client's cases: the same person, the same adversary.
                    SELECT held.attorney_id
                      FROM case_blind_indexes y
                      JOIN case_blind_indexes z ON z.organization_id = y.organization_id AND z.kind = y.kind AND z.value = y.value AND z.case_id <> y.case_id
                      CROSS JOIN LATERAL (
                        SELECT x.assigned_attorney_id AS attorney_id FROM cases x
                         WHERE x.id = z.case_id AND x.assigned_attorney_id IS NOT NULL AND x.status IN ('assigned', 'closed')
                        UNION
                        SELECT r.attorney_id FROM referrals r WHERE r.case_id = z.case_id AND r.accepted_at IS NOT NULL
                      ) held
                     WHERE b.kind = 'adverse_party' AND y.case_id = b.case_id
                       AND y.kind IN ${SAME_CLIENT_KINDS}
                  ) who
                 WHERE b.organization_id = $2 AND b.case_id <> $1
                   AND ((b.kind = 'party_name' AND b.value = ANY(mine.adverse)) OR (b.kind = 'adverse_party' AND b.value = ANY(mine.clients)))
                UNION
                -- This case, or the same client (by A-number, or name and date of birth as the duplicate check reads
                -- them, a name typed shorter too: not a name alone, which would bar every client of a common name, with
                -- no override) as a case the attorney declined for a conflict or was released from for one: told once,
                -- it holds for the client's next intake too, and no override offers this case to them again. Taken as
                -- adverse to one of their clients.
                SELECT r.attorney_id, 'declared', m.value
                  FROM same_client same
                  JOIN referrals r ON r.case_id = same.case_id
                   AND ((r.status = 'declined' AND r.decline_reason = 'conflict') OR (r.status = 'withdrawn' AND r.release_reason = 'conflict'))
                  CROSS JOIN unnest(mine.clients) AS m(value)
              ) k), '[]') AS conflicts
         FROM mine`,
      [c.id, c.organization_id, COURT_EVENT_TYPES],
    );
    const conflicts = new Map<string, { clients: string[]; adverse: string[]; declared: string[] }>();
    for (const k of row.conflicts) {
      const entry = conflicts.get(k.attorney_id) ?? { clients: [], adverse: [], declared: [] };
      (k.kind === 'party_name' ? entry.clients : k.kind === 'declared' ? entry.declared : entry.adverse).push(k.value);
      conflicts.set(k.attorney_id, entry);
    }
    return {
      needs: {
        caseId: c.id,
        practiceAreas: c.practice_areas,
        language: c.preferred_language,
        needsInterpreter: c.needs_interpreter,
        facilityCode: c.facility_code,
        state: c.state,
        // In ICE detention the person is before an immigration judge (custody and bond, and almost always removal
        // proceedings), whatever the intake said the case is about.
        courtMatter: row.in_court || c.custody_status === 'ice_detention' || c.practice_areas.some((a) => COURT_AREAS.includes(a)),
        experienceNeeded: [...new Set((c.flags ?? []).map((f) => EXPERIENCE_BY_FLAG[f.code]).filter((e) => e !== undefined))],
        urgency: c.urgency_level,
        clientIndexes: row.client_indexes,
        adversePartyIndexes: row.adverse_indexes,
        timeZone: c.time_zone,
      },
      history: { prior: new Map(row.prior.map((p) => [p.attorney_id, p.status])), conflicts },
    };
  }

  /**
   * Candidate selection in SQL, by indexes, and deliberately no stricter than the exact filters (which the pure
   * matcher applies and explains): accepting, available attorneys of the organization with room left, sharing a
   * practice area, speaking the client's language unless an interpreter is arranged, covering the facility or the
   * state when the case has one, and registered with EOIR for a court matter.
   */
  private async candidates(tx: EntityManager, c: CaseRow, needs: CaseNeeds, history: CaseHistory, onlyAttorney?: string): Promise<AttorneyCandidate[]> {
    const params: unknown[] = [c.organization_id];
    const where = ['p.organization_id = $1', 'u.active', `u.role = 'attorney'`];
    if (onlyAttorney) where.push(`p.user_id = $${params.push(onlyAttorney)}`);
    else {
      where.push('p.accepting_referrals', `(p.unavailable_until IS NULL OR p.unavailable_until <= $${params.push(this.clock.now())})`);
      if (needs.practiceAreas.length) where.push(`p.practice_areas && $${params.push(needs.practiceAreas)}::text[]`);
      if (!needs.needsInterpreter && !isCourtLanguage(needs.language)) where.push(`p.languages @> ARRAY[$${params.push(needs.language)}]::text[]`);
      // Profiles store facility codes and states upper-case (attorneys.service, the DTO): the matcher's comparison.
      const places = [];
      if (needs.facilityCode !== null) places.push(`p.facility_codes @> ARRAY[upper(btrim($${params.push(needs.facilityCode)}))]::text[]`);
      if (needs.state !== null) places.push(`p.states @> ARRAY[upper(btrim($${params.push(needs.state)}))]::text[]`);
      if (places.length) where.push(`(${places.join(' OR ')})`);
      if (needs.courtMatter) where.push('p.eoir_registered');
    }
    // Load is counted only for the attorneys that pass the profile filters, each by an index-only scan
    // (cases_attorney_load_idx, referrals_open_offers_idx), never by aggregating the whole organization. An offer past
    // its answer time holds no slot, though the expiry job has not marked it yet: it can no longer be accepted.
    const answerableAfter = `$${params.push(this.clock.now())}`;
    const rows = await tx.query(
      `WITH candidate AS (
         SELECT p.* FROM attorney_profiles p JOIN users u ON u.id = p.user_id WHERE ${where.join(' AND ')}
       )
       SELECT p.*, l.active_cases, o.open_offers
         FROM candidate p
         CROSS JOIN LATERAL (SELECT count(*)::int AS active_cases FROM cases x
                              WHERE x.organization_id = $1 AND x.assigned_attorney_id = p.user_id AND x.status = 'assigned') l
         CROSS JOIN LATERAL (SELECT count(*)::int AS open_offers FROM referrals r
                              WHERE r.organization_id = $1 AND r.attorney_id = p.user_id AND r.status = 'offered'
                                AND r.respond_by > ${answerableAfter}) o
        ${onlyAttorney ? '' : 'WHERE l.active_cases + o.open_offers < p.max_active_cases'}
        ORDER BY p.last_offered_at NULLS FIRST, p.user_id LIMIT 500`,
      params,
    );
    return rows.map((r: Record<string, any>) => ({
      attorneyId: r.user_id,
      acceptingReferrals: r.accepting_referrals,
      unavailableUntil: r.unavailable_until,
      maxActiveCases: r.max_active_cases,
      activeCases: r.active_cases,
      openOffers: r.open_offers,
      practiceAreas: r.practice_areas,
      experience: r.experience,
      languages: r.languages,
      facilityCodes: r.facility_codes,
      states: r.states,
      barStates: r.bar_states,
      eoirRegistered: r.eoir_registered,
      lastOfferedAt: r.last_offered_at,
      priorOutcomeOnCase: history.prior.get(r.user_id) ?? null,
      clientIndexes: history.conflicts.get(r.user_id)?.clients ?? [],
      clientAdversePartyIndexes: [...(history.conflicts.get(r.user_id)?.adverse ?? []), ...(history.conflicts.get(r.user_id)?.declared ?? [])],
    }));
  }

  /**
   * The cases' open deadlines, soonest first, and the missed ones whose outer limit is still ahead (a detainer hold past
   * its 48 hours: 8 CFR 287.7(d) still binds while the jail may hold the person), after them: what an attorney deciding
   * on the offer needs, not the deadlines missed long ago, nor a jail's hold once the person is out of the jail (in ICE's
   * custody, released), which the case's urgency no longer counts either. None of a closed case: they are no longer
   * followed (nor swept missed), as on the board.
   */
  private async summaryDeadlines(caseIds: string[]) {
    const map = new Map<string, ReturnType<typeof toDeadlineView>[]>();
    if (caseIds.length === 0) return map;
    const rows = await this.db.query(
      `SELECT d.*, c.reference FROM deadlines d JOIN cases c ON c.id = d.case_id
        WHERE d.case_id = ANY($1) AND d.superseded_at IS NULL AND NOT d.case_closed
          AND (d.status = 'open' OR (d.status = 'missed' AND d.outer_limit_at > $2
                                     AND (d.rule <> 'detainer_hold' OR c.custody_status IN ('local_jail', 'unknown'))))
        ORDER BY d.status = 'missed', d.due_at`,
      [caseIds, this.clock.now()],
    );
    for (const row of rows) map.set(row.case_id, [...(map.get(row.case_id) ?? []), toDeadlineView(row)]);
    return map;
  }
}
