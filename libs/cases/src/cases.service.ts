import { DateTime } from 'luxon';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService, AuditedRefusal, canonicalJson } from '@amparo/audit';
import type { Principal, Role } from '@amparo/auth';
import { Clock, DomainError, Page, RateLimitService, countMatches, entityTags, forbidden, invalid, notFound, requireVersion, sameMembers, validationFailed } from '@amparo/common';
import { BIA_TIME_ZONE, CLOSED_URGENCY, CaseTimelineService, DeadlineInputError, DeadlineView, EventTime, Timeline, eventTime, happenedAfter, latestByDay, toDeadlineView } from '@amparo/deadlines';
import { ReferenceService, countyKey, stateAfterComma, timeZoneFor, uncertainDayZone } from '@amparo/reference';
import { DAY_ZONE, IMPLICIT_ZONE, followCaseZone, mergeMoved, moveLockedCases, placeLockedCases } from './case-zones';
import { COURT_EVENT_TYPES, ReferralsService, ReleaseCaseDto } from '@amparo/routing';
import { CryptoIntegrityError, normalizePersonName } from '@amparo/crypto';
import { isStalePreparedStatement, isTransientConflict, preparedQuery } from '@amparo/database';
import { CaseCipher } from './case-cipher.service';
import { CountyPlacedCase, readCountiesAgain } from './county-keys';
import { CaseRow, CaseSummary, SUMMARY_COLUMNS, fullView, summaryView } from './case-view';
import { SENSITIVE_FIELDS, SensitiveValues, isBlank, pickSensitive } from './domain/sensitive-fields';
import { caseVisibility, statusSeenBy, statusesSeenAs } from './domain/visibility';
import { newCaseReference } from './domain/reference';
import { CreateCaseDto, CustodyDto, MAX_ADVERSE_PARTIES, NAME_REQUIRED } from './dto/create-case.dto';
import { CloseCaseDto, ListCasesQuery, UpdateCaseDto } from './dto/other.dto';
import { CreateEventDto, EVENT_FIELDS, EVENT_OUTCOMES, occurredAtProblem, scheduledAtProblem } from './dto/event.dto';

export interface CreateCaseResult {
  id: string;
  reference: string;
  status: string;
  urgency: Timeline['urgency'];
  deadlines: DeadlineView[];
  flags: Timeline['flags'];
  possibleDuplicates: string[];
}

const LOOKUP_LIMIT = { max: 30, windowSeconds: 3600 };
/** A coordinator's break-glass reveals per hour: a stolen session reads a few records, not the organization's. */
export const REVEAL_LIMIT = { max: 60, windowSeconds: 3600 };
const UNLISTED_FACILITY = (field: string) =>
  `${field} names a facility the latest ICE facilities file no longer lists (closed or renamed): choose a current one (GET /api/facilities)`;

/** The identity blind indexes that say "same person" (a shared adverse party or a bare name does not). */
const DUPLICATE_KINDS = ['a_number', 'phone', 'name_dob', 'name_tokens_dob', 'name_short_dob'] as const;

/**
 * References of the organization's other live cases that share one of the identity blind indexes, for a SELECT list.
 * One placeholder per kind (null when the intake has none), not arrays: PostgreSQL then estimates the lookup as it
 * runs, so the prepared statement keeps one generic plan instead of being re-planned on every intake.
 */
const DUPLICATES_SQL = (organization: string, caseId: string, values: Record<(typeof DUPLICATE_KINDS)[number], string>) =>
  `SELECT DISTINCT c.reference FROM case_blind_indexes b JOIN cases c ON c.id = b.case_id
    WHERE b.organization_id = ${organization} AND b.case_id <> ${caseId} AND c.status <> 'purged'
      AND (b.kind, b.value) IN (${DUPLICATE_KINDS.map((kind) => `('${kind}', ${values[kind]}::text)`).join(', ')})
    ORDER BY c.reference LIMIT 20`;

const SENSITIVE_COLUMNS = SENSITIVE_FIELDS.map((f) => f.column);

/**
 * The intake's one statement (see insertCase): the case with every sensitive column (null when absent, so the text is
 * fixed and can be prepared), its wrapped data key, its blind indexes, the possible duplicates, and with a key the
 * Idempotency-Key claim, which stores the answer at once: the answer as JSON ($answer) with the duplicates found here.
 */
function insertCaseSql(withClaim: boolean): string {
  const base = 34;
  const claim = base + SENSITIVE_COLUMNS.length;
  return `WITH inserted AS (
  INSERT INTO cases (id, organization_id, reference, status, created_by, preferred_language, needs_interpreter,
                     practice_areas, custody_status, facility_code, county, state, time_zone, detainer_lodged,
                     release_eligible_at, consent_share, consent_obtained_from, created_at, updated_at,
                     urgency_level, urgency_reasons, next_deadline_at, flags, urgency_review_at, county_key,
                     custody_stated_at, detainer_stated_at, urgency_order_at,
                     ${SENSITIVE_COLUMNS.join(', ')})
  VALUES ($1, $2, $3, 'new', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20, $21, $31, $32,
          CASE WHEN $8::text <> 'unknown' THEN $17::timestamptz END, CASE WHEN $13::boolean THEN $17::timestamptz END, $33,
          ${SENSITIVE_COLUMNS.map((_, i) => `$${base + i}`).join(', ')})
  RETURNING id, organization_id
), key AS (
  INSERT INTO case_keys (case_id, kek_id, wrapped_key) SELECT id, $22, $23 FROM inserted
), indexed AS (
  INSERT INTO case_blind_indexes (case_id, organization_id, kind, value)
  SELECT inserted.id, inserted.organization_id, i.kind, i.value
    FROM inserted, unnest($24::text[], $25::text[]) AS i(kind, value)
  ON CONFLICT DO NOTHING
), dups AS (
  SELECT ARRAY(${DUPLICATES_SQL('$2', '$1', { a_number: '$26', phone: '$27', name_dob: '$28', name_tokens_dob: '$29', name_short_dob: '$30' })}) AS refs
)${withClaim ? `, claim AS (
  INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response, case_id)
  SELECT $4, $${claim}, $${claim + 1}, 201, $${claim + 2}::jsonb || jsonb_build_object('possibleDuplicates', to_jsonb(dups.refs)), $1 FROM dups
  ON CONFLICT DO NOTHING RETURNING key
)` : ''}
SELECT (SELECT refs FROM dups) AS duplicates,
       (SELECT auto_routing FROM organizations WHERE id = $2) AS auto_routing,
       ${withClaim ? 'EXISTS (SELECT 1 FROM claim)' : 'true'} AS claimed`;
}

const STORE_ANSWER_SQL = `UPDATE idempotency_keys SET status_code = 201, response = $3, case_id = $4 WHERE user_id = $1 AND key = $2`;

const INSERT_CASE_SQL = { withClaim: insertCaseSql(true), plain: insertCaseSql(false) };

interface Idempotency {
  key: string;
  hash: Buffer;
}

/** Thrown inside the intake's transaction (rolling it back) when the Idempotency-Key was already stored. */
class IdempotentReplay extends Error {
  constructor(
    readonly key: string,
    readonly hash: Buffer,
  ) {
    super('idempotent replay');
  }
}

/** An urgency level's place in the case list (most urgent first), as the list's index (cases_list_idx) holds it. */
const URGENCY_RANK_SQL = `(CASE urgency_level WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END)`;
const URGENCY_RANK: Readonly<Record<string, number>> = { critical: 0, high: 1, normal: 2, low: 3 };

/** `where` with the case list's filters added (their values pushed onto `params`), joined into one clause. */
function filtered(where: string[], params: unknown[], query: ListCasesQuery, role: Role): string {
  // As the caller reads the status (an intake volunteer's `new` is any case no attorney has accepted).
  if (query.status) where.push(`status = ANY($${params.push(statusesSeenAs(role, query.status))}::text[])`);
  // By its rank (the index's expression), and by the level itself (the rank 3 is any level but the three).
  if (query.level) where.push(`${URGENCY_RANK_SQL} = $${params.push(URGENCY_RANK[query.level])} AND urgency_level = $${params.push(query.level)}`);
  if (query.reference) where.push(`reference = $${params.push(query.reference)}`);
  return where.join(' AND ');
}

/** The fields of an object that hold an answer: a DTO instance has every declared field, undefined when not sent. */
function answered(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== null));
}

function changedPaths(dto: object, prefix = ''): string[] {
  return Object.entries(dto).flatMap(([key, value]) => {
    if (value === undefined) return [];
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value) && path !== 'client.safeToContact') {
      return changedPaths(value, path);
    }
    return [path];
  });
}

/**
 * What a full view or a reveal shows, named in its audit event: every sensitive field, filled or not. The fields filled
 * would tell an admin reading the trail which cases hold a criminal history, say (admins do not read case content).
 */
const FULL_VIEW_FIELDS: string[] = SENSITIVE_FIELDS.map((f) => f.field);

/** What a required event field takes, for the message that says it is missing. */
const REQUIRED_VALUES: Readonly<Record<string, string>> = {
  from: 'ice | jail',
  facilityCode: 'an ICE detention location code (GET /api/facilities)',
  hearingType: 'bond | master | individual',
  scheduledAt: 'the hearing\'s date and time with its offset, such as 2027-02-01T09:00:00-06:00',
  issuedBy: 'ij | bia',
  motion: 'reopen | reconsider',
  days: 'the days granted, 1 to 60 (to 120 with stage pre_conclusion)',
};

/** The events that change the case's custody, each with those that decide the same fact (the latest of them wins). */
/** Custody in which the person is held. */
const HELD = new Set(['local_jail', 'ice_detention']);

/** A custody status out of custody as a statement of it reads ("the custody was stated as released"). */
const CUSTODY_WORDS: Record<string, string> = { released: 'released', not_detained: 'not detained' };

const CUSTODY_EVENTS = new Map<string, readonly string[]>([
  ['transferred', ['transferred', 'released']],
  ['released', ['transferred', 'released']],
  ['detainer_lodged', ['detainer_lodged', 'detainer_lifted']],
  ['detainer_lifted', ['detainer_lodged', 'detainer_lifted']],
]);

@Injectable()
export class CasesService {
  private readonly logger = new Logger('Cases');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly cipher: CaseCipher,
    private readonly audit: AuditService,
    private readonly timeline: CaseTimelineService,
    private readonly reference: ReferenceService,
    private readonly rateLimit: RateLimitService,
    private readonly referrals: ReferralsService,
    private readonly clock: Clock,
  ) {}

  async create(actor: Principal, dto: CreateCaseDto, idempotencyKey?: string): Promise<CreateCaseResult> {
    if (!dto.client.firstName?.trim() && !dto.client.lastName?.trim()) {
      throw validationFailed({
        'client.firstName': [NAME_REQUIRED],
        'client.lastName': [NAME_REQUIRED],
      });
    }
    const idempotency = idempotencyKey ? { key: idempotencyKey, hash: this.cipher.requestDigest(canonicalJson(dto)) } : undefined;
    let place: Place;
    try {
      place = await this.resolvePlace(dto.custody, actor.organizationId);
    } catch (error) {
      // A retry of an intake that was stored gets its answer, though its place would be refused now (a facility the
      // latest ICE file dropped meanwhile): a 400 would invite typing the case again.
      if (idempotency && error instanceof DomainError && (await this.db.query(
        `SELECT 1 FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [actor.userId, idempotency.key],
      )).length > 0) {
        return this.replay(actor.userId, actor.role, idempotency.key, idempotency.hash);
      }
      throw error;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        // Its audit events are appended last, in the order recorded: the case's creation, then what routing did.
        return await this.db.transaction((tx) => this.audit.appendingLast(tx, () => this.insertCase(tx, actor, dto, place, idempotency)));
      } catch (error) {
        // The key was stored by an earlier request (this one waited for it to commit): answer as it was answered.
        if (error instanceof IdempotentReplay) return this.replay(actor.userId, actor.role, error.key, error.hash);
        // A reference collision (1 in ~700 million per case) is retried with a new one.
        if (attempt < 3 && (error as { constraint?: string }).constraint === 'cases_reference_key') continue;
        // A migration changed a column type under this connection's prepared statements: prepared again on retry.
        if (attempt < 3 && isStalePreparedStatement(error)) continue;
        // Aborted for a concurrent transaction (a deadlock victim, e.g. auto-routing): nothing was kept; run it again.
        if (attempt < 3 && isTransientConflict(error)) continue;
        throw error;
      }
    }
  }

  /** The answer to replay for this key, stored with the case it created, in the intake's transaction. */
  private async storeIdempotentAnswer(tx: EntityManager, userId: string, idempotency: Idempotency, result: CreateCaseResult): Promise<void> {
    await preparedQuery(tx, STORE_ANSWER_SQL, [userId, idempotency.key, JSON.stringify(result), result.id]);
  }

  private async replay(userId: string, role: Role, key: string, hash: Buffer): Promise<CreateCaseResult> {
    const [stored] = await this.db.query(`SELECT request_hash, response, case_id FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, key]);
    // Gone between the conflict and this read: only a purge of idempotency keys could do that.
    if (!stored) throw new DomainError(HttpStatus.CONFLICT, 'IDEMPOTENCY_IN_PROGRESS', 'The first request with this key has not finished; retry');
    // A purge empties both the answer and the request's digest.
    if (!stored.response) throw new DomainError(HttpStatus.GONE, 'CASE_PURGED', 'The case created with this Idempotency-Key has been purged');
    // An empty digest with an answer: stored before digests were keyed (migration 1764001200000): no body to compare.
    if (stored.request_hash.length > 0 && !stored.request_hash.equals(hash)) {
      // The same user opened that case: say which, so that a corrected resend is not typed again as a new case.
      const reference = (stored.response as { reference?: string }).reference;
      throw new DomainError(
        HttpStatus.CONFLICT,
        'IDEMPOTENCY_KEY_REUSED',
        `This Idempotency-Key was used with a different request body: it opened case ${reference} (correct that case with PATCH)`,
      );
    }
    const answer = stored.response as CreateCaseResult;
    // As the caller reads the status now (an answer stored before intake volunteers read `new` says what routing did).
    return { ...answer, status: statusSeenBy(role, answer.status) };
  }

  private async insertCase(
    tx: EntityManager,
    actor: Principal,
    dto: CreateCaseDto,
    place: Place,
    idempotency?: Idempotency,
  ): Promise<CreateCaseResult> {
    const id = randomUUID();
    const reference = newCaseReference();
    const key = this.cipher.newCaseKey(id);
    const sensitive = pickSensitive(dto as unknown as Record<string, unknown>);
    const safe = sensitive['client.safeToContact'];
    if (safe && typeof safe === 'object') sensitive['client.safeToContact'] = answered(safe as Record<string, unknown>);
    const columns = this.cipher.encrypt(key.dek, id, sensitive);
    const now = this.clock.now();
    // A new case has no events or stored deadlines: its timeline is computed in memory and written with the row.
    const plan = this.deadlineInput(() => this.timeline.planNew(
      {
        custody: {
          status: dto.custody.status,
          timeZone: place.timeZone,
          detainerLodged: dto.custody.detainerLodged ?? false,
          releaseEligibleAt: dto.custody.releaseEligibleAt,
        },
        place: { facility_name: place.facilityName, custody_status: dto.custody.status, county: place.county, state: place.state },
        jail287g: place.jail287g,
        // As CaseCipherService.encrypt stores it: a blank value is NULL, so recompute's IS NOT NULL agrees.
        criminalHistoryDeclared: !isBlank(sensitive['client.criminalHistory']),
      },
      now,
    ));
    const indexes = this.cipher.blindIndexes(sensitive);
    // The deadlines get their ids here, so the whole answer is known before anything is written (but the duplicates,
    // which the statement below adds to the stored answer).
    const deadlineRows = this.timeline.plannedRows({ id, reference }, plan);
    const answer: Omit<CreateCaseResult, 'possibleDuplicates'> = {
      id,
      reference,
      status: 'new',
      urgency: plan.urgency,
      deadlines: deadlineRows.map(toDeadlineView),
      flags: plan.flags,
    };
    // One round trip: the Idempotency-Key claim with the answer, the case, its wrapped data key, its blind indexes, and
    // what the rest of the intake needs to know (earlier cases with the same identity indexes, and whether the
    // organization routes urgent cases itself). The duplicate search reads the statement's snapshot, which does not
    // hold the rows the statement inserts.
    //
    // The key claim serializes retries on the key's primary key, here, before anything else is locked: a concurrent
    // request with the same key waits in this statement until the first one ends; if the first committed, the claim
    // inserts nothing and this intake rolls back and replays the stored answer; if it failed, the claim goes through.
    const [{ duplicates: possibleDuplicates, auto_routing: autoRouting, claimed }] = await preparedQuery<{ duplicates: string[]; auto_routing: boolean; claimed: boolean }>(
      tx,
      idempotency ? INSERT_CASE_SQL.withClaim : INSERT_CASE_SQL.plain,
      [
        id, actor.organizationId, reference, actor.userId, dto.client.preferredLanguage, dto.client.needsInterpreter ?? false,
        dto.practiceAreas ?? [], dto.custody.status, place.facilityCode, place.county, place.state, place.timeZone,
        dto.custody.detainerLodged ?? false, dto.custody.releaseEligibleAt ?? null, dto.consent.shareWithAttorney,
        dto.consent.obtainedFrom, now, plan.urgency.level, JSON.stringify(plan.urgency.reasons), plan.urgency.nextDeadlineAt,
        JSON.stringify(plan.flags), key.kekId, key.wrapped, indexes.map((i) => i.kind), indexes.map((i) => i.value),
        ...DUPLICATE_KINDS.map((kind) => indexes.find((i) => i.kind === kind)?.value ?? null),
        plan.urgencyReviewAt, place.countyKey, plan.urgencyOrderAt,
        ...SENSITIVE_COLUMNS.map((c) => columns[c] ?? null),
        ...(idempotency ? [idempotency.key, idempotency.hash, JSON.stringify(answer)] : []),
      ],
    );
    if (!claimed) throw new IdempotentReplay(idempotency!.key, idempotency!.hash);
    await this.timeline.insertPlanned(tx, actor.organizationId, deadlineRows, now);
    await this.audit.record(tx, {
      organizationId: actor.organizationId,
      actorId: actor.userId,
      actorRole: actor.role,
      action: 'case.create',
      caseId: id,
      caseReference: reference,
      // No field names: which were given (a criminal history, an A-number) is itself case content, and the trail is
      // read by admins.
      details: possibleDuplicates.length ? { possibleDuplicates: possibleDuplicates.length } : {},
    });
    // Urgent cases with consent go straight to the best attorney when the organization has auto-routing on.
    const status = autoRouting ? await this.referrals.autoRoute(tx, id, plan.urgency.level, dto.consent.shareWithAttorney) : 'new';
    const result: CreateCaseResult = { ...answer, status: statusSeenBy(actor.role, status), possibleDuplicates };
    // Routing changed the status the claim stored: store the answer as it is now.
    if (idempotency && status !== answer.status) await this.storeIdempotentAnswer(tx, actor.userId, idempotency, result);
    return result;
  }

  async list(actor: Principal, query: ListCasesQuery): Promise<Page<CaseSummary>> {
    if (query.aNumber !== undefined) return this.lookupByANumber(actor, query);
    const where = ['organization_id = $1'];
    const params: unknown[] = [actor.organizationId];
    // A purged case exists only for coordinators (caseVisibility): intake volunteers do not list its tombstone.
    const scope =
      actor.role === 'intake' ? `created_by = $2 AND status <> 'purged'`
      : actor.role === 'attorney' ? `assigned_attorney_id = $2 AND status IN ('assigned', 'closed')`
      : null;
    if (scope) {
      where.push(scope);
      params.push(actor.userId);
    }
    const result = await this.page(where, params, query, actor.role);
    // One case asked for by its reference, which exists outside what the caller may list (another attorney's, another
    // volunteer's): the same empty page, and the attempt audited as a request for that case would be.
    if (scope && query.reference && result.total === 0) {
      const [other]: { id: string; reference: string }[] = await this.db.query(
        // IS NOT TRUE: a closed case that never had an attorney is outside an attorney's list too (NOT of a null is null).
        `SELECT id, reference FROM cases WHERE organization_id = $1 AND reference = $3 AND (${scope}) IS NOT TRUE`,
        [actor.organizationId, actor.userId, query.reference],
      );
      if (other) {
        await this.audit.recordAlone({
          organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied',
          caseId: other.id, caseReference: other.reference, details: { via: 'list' },
        });
      }
    }
    return result;
  }

  /** One page of case summaries matching `where` and the list's filters, most urgent first. */
  private async page(where: string[], params: unknown[], query: ListCasesQuery, role: Role): Promise<Page<CaseSummary>> {
    const clause = filtered(where, params, query, role);
    const counted = await countMatches(this.db, `cases WHERE ${clause}`, params, query.page, query.limit);
    const rows: CaseRow[] = await this.db.query(
      `SELECT ${SUMMARY_COLUMNS} FROM cases WHERE ${clause}
        ORDER BY ${URGENCY_RANK_SQL}, urgency_order_at NULLS LAST, created_at DESC, id DESC
        LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, query.limit, (query.page - 1) * query.limit],
    );
    return { items: rows.map((r) => summaryView({ ...r, status: statusSeenBy(role, r.status) })), page: query.page, limit: query.limit, ...counted };
  }

  /**
   * Exact A-number lookup through the blind index: coordinators only, rate-limited, audited. The list's other filters
   * and its paging apply to the matches (they used to be ignored).
   */
  private async lookupByANumber(actor: Principal, query: ListCasesQuery): Promise<Page<CaseSummary>> {
    // The role first: anyone else is refused whatever they typed (the format is checked here, not by the query's DTO).
    if (actor.role !== 'coordinator') throw forbidden('Only coordinators may look cases up by A-number');
    const index = this.cipher.aNumberIndex(query.aNumber!);
    if (!index) throw invalid('aNumber', 'aNumber must be an A-number (7 to 9 digits, not all zeros)');
    await this.rateLimit.hit(`anumber-lookup:${actor.userId}`, LOOKUP_LIMIT.max, LOOKUP_LIMIT.windowSeconds, 'Too many A-number lookups; try again later');
    const where = () => [
      `organization_id = $1`,
      `status <> 'purged'`,
      `id IN (SELECT b.case_id FROM case_blind_indexes b WHERE b.organization_id = $1 AND b.kind = 'a_number' AND b.value = $2)`,
    ];
    const result = await this.page(where(), [actor.organizationId, index], query, actor.role);
    // On each case found, on this page or another (the total told of it: its trail says who confirmed that its client
    // holds this number), or once when none was. One person's number matches a handful of cases, not a page's worth.
    const params: unknown[] = [actor.organizationId, index];
    const found: { id: string; reference: string }[] = result.total
      ? await this.db.query(`SELECT id, reference FROM cases WHERE ${filtered(where(), params, query, actor.role)} ORDER BY reference`, params)
      : [];
    const lookup = { organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'case.lookup' as const, fields: ['client.aNumber'] };
    await this.audit.transaction(async (tx) => {
      if (found.length === 0) return this.audit.record(tx, { ...lookup, details: { matches: 0 } });
      // The count only, not the other cases' references: the trail outlives a purge, and would go on saying which live
      // case's client is the purged case's (a link the purge takes out of the stored duplicate lists).
      for (const c of found) {
        await this.audit.record(tx, { ...lookup, caseId: c.id, caseReference: c.reference, details: { matches: found.length } });
      }
    });
    return result;
  }

  async get(actor: Principal, id: string) {
    return this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id);
      const visibility = caseVisibility(actor, toVisibilityCase(row), this.clock.now());
      const deadlines = await this.deadlines(tx, row);
      const seen = { ...row, status: statusSeenBy(actor.role, row.status) };
      if (visibility !== 'full') return summaryView(seen, deadlines);
      const sensitive = await this.decrypt(tx, row);
      await this.recordSensitiveRead(tx, actor, row, FULL_VIEW_FIELDS);
      return fullView(seen, sensitive, deadlines);
    });
  }

  async reveal(actor: Principal, id: string, reason: string) {
    await this.rateLimit.hit(`reveal:${actor.userId}`, REVEAL_LIMIT.max, REVEAL_LIMIT.windowSeconds, 'Too many reveals in an hour; try again later');
    return this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id);
      if (row.status === 'purged') throw new DomainError(HttpStatus.CONFLICT, 'CASE_PURGED', 'This case was purged: nothing remains to reveal');
      const sensitive = await this.decrypt(tx, row);
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.reveal',
        caseId: row.id,
        caseReference: row.reference,
        fields: FULL_VIEW_FIELDS,
        reason: reason.trim(),
      });
      const full = fullView(row, sensitive);
      return { id: full.id, reference: full.reference, client: full.client, caller: full.caller, custody: full.custody, narrative: full.narrative, adverseParties: full.adverseParties };
    });
  }

  async update(actor: Principal, id: string, dto: UpdateCaseDto, ifMatch?: string) {
    const paths = changedPaths(dto);
    if (paths.length === 0) {
      // Only empty parts (`{"caller": {}}`): named, rather than the body said to hold nothing.
      const empty = Object.entries(dto).filter(([, value]) => value && typeof value === 'object' && !Array.isArray(value)).map(([key]) => key);
      if (empty.length > 0) throw validationFailed(Object.fromEntries(empty.map((key) => [key, ['has no field: send at least one of its fields to correct']])));
      throw invalid('body', 'send at least one field to correct');
    }
    const versions = entityTags(ifMatch);
    const result = await this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id, true);
      const visibility = caseVisibility(actor, toVisibilityCase(row), this.clock.now());
      // A closed case keeps its record as it was, but for the client's consent: withdrawn after the close, it takes the
      // record from the attorney who had it (a client's word does not wait for a reopen).
      const consentOnly = paths.every((path) => path.startsWith('consent.'));
      if (row.status === 'purged' || (row.status === 'closed' && !consentOnly)) {
        throw new DomainError(HttpStatus.CONFLICT, 'CASE_CLOSED', `A ${row.status} case cannot be corrected${row.status === 'closed' ? ' (but for the client\'s consent)' : ''}`);
      }
      // Read under the case's lock: a correction made since the caller read the case (its ETag) is not overwritten.
      requireVersion(versions, row.updated_at as Date, 'case');
      const sensitiveChanges = pickSensitive(dto as unknown as Record<string, unknown>);
      // Writing is not reading: coordinators may correct sensitive fields they cannot see; others need the full view.
      if (Object.keys(sensitiveChanges).length > 0 && visibility !== 'full' && actor.role !== 'coordinator') {
        // Naming the fields refused: the volunteer can send the rest again without them.
        const refused = Object.fromEntries(Object.keys(sensitiveChanges).map((field) => [field, ['only someone who sees the full case, or a coordinator, may correct this field']]));
        throw new DomainError(HttpStatus.FORBIDDEN, 'FORBIDDEN', `You may not correct the sensitive fields of this case: ${Object.keys(refused).join(', ')}`, refused);
      }
      // Withdrawn consent takes the case from its attorney (and its record from their view): the client's word, passed
      // on by the organization. The attorney who hears it from the client closes the case (client_declined) or tells a
      // coordinator; taking it from themself by a correction would leave them a 404 for an answer.
      if (dto.consent?.shareWithAttorney === false && row.consent_share && (row.status === 'assigned' || row.status === 'closed') && row.assigned_attorney_id === actor.userId) {
        throw new DomainError(HttpStatus.FORBIDDEN, 'FORBIDDEN', "The case's attorney does not withdraw the client's consent by a correction: ask a coordinator (or, while the case is open, close it with outcome client_declined)", {
          'consent.shareWithAttorney': [`only a coordinator or the intake volunteer may withdraw consent while the case is ${row.status === 'closed' ? 'yours, closed' : 'assigned to you'}`],
        });
      }
      // A coordinator adds to a list they cannot see (below); clearing it needs the full view, whatever it holds.
      if (dto.adverseParties === null && visibility !== 'full') {
        throw new DomainError(HttpStatus.CONFLICT, 'FULL_VIEW_REQUIRED', 'Clearing the adverse parties needs the full record: the assigned attorney, or the intake volunteer while they have it', {
          adverseParties: ['cannot be cleared without the full view'],
        });
      }
      // Nor a name: one of the two is required, so whether clearing one is taken would tell whether the other is filled.
      // (Sent as null, or blank: an empty string, spaces or invisible marks.)
      const clears = (value: string | null | undefined) => value === null || (typeof value === 'string' && !/[\p{L}\p{N}]/u.test(value));
      const clearedNames = visibility === 'full' ? [] : (['firstName', 'lastName'] as const).filter((name) => clears(dto.client?.[name]));
      if (clearedNames.length > 0) {
        throw new DomainError(HttpStatus.CONFLICT, 'FULL_VIEW_REQUIRED', "Clearing the client's name needs the full record: the assigned attorney, or the intake volunteer while they have it",
          Object.fromEntries(clearedNames.map((name) => [`client.${name}`, ['cannot be cleared without the full view']])));
      }
      const sets: string[] = [];
      const params: unknown[] = [id];
      const set = (column: string, value: unknown) => sets.push(`${column} = $${params.push(value)}`);
      const required = (path: string, value: unknown) => {
        if (value === null) throw invalid(path, `${path} cannot be cleared`);
      };
      if (dto.client?.preferredLanguage !== undefined) { required('client.preferredLanguage', dto.client.preferredLanguage); set('preferred_language', dto.client.preferredLanguage); }
      if (dto.client?.needsInterpreter !== undefined) set('needs_interpreter', dto.client.needsInterpreter ?? false);
      if (dto.practiceAreas !== undefined) set('practice_areas', dto.practiceAreas ?? []);
      if (dto.consent?.shareWithAttorney !== undefined) { required('consent.shareWithAttorney', dto.consent.shareWithAttorney); set('consent_share', dto.consent.shareWithAttorney); }
      if (dto.consent?.obtainedFrom !== undefined) { required('consent.obtainedFrom', dto.consent.obtainedFrom); set('consent_obtained_from', dto.consent.obtainedFrom); }
      const custody = dto.custody;
      let zoneMoved = false; // the correction moved the case to another time zone
      let placeMoved = false; // the facility or the state changed (what routing matches attorneys by)
      let countyMoved = false; // the county changed (whether its zone is certain may have)
      let dayZone: string | undefined; // where the corrected place's days are read, when its zone is uncertain
      const custodyChanged = custody && Object.keys(custody).some((k) => k !== 'bookingNumber' && (custody as Record<string, unknown>)[k] !== undefined);
      // Facts the custody deadlines are counted from, corrected to another value: what they gave before is read first.
      const sameTime = (a: Date | null, b: string | null) => (a?.getTime() ?? null) === (b === null ? null : Date.parse(b));
      const custodyFactsCorrected = custody !== undefined && (
        (custody.status != null && custody.status !== row.custody_status)
        || (custody.detainerLodged !== undefined && (custody.detainerLodged ?? false) !== row.detainer_lodged)
        || (custody.releaseEligibleAt !== undefined && !sameTime(row.release_eligible_at as Date | null, custody.releaseEligibleAt ?? null)));
      const custodyKeysBefore = custodyFactsCorrected ? await this.timeline.custodyKeys(tx, id, this.clock.now()) : undefined;
      // And the deadlines as the facts before give them: a missed one there follows a corrected place.
      const computedBefore = custodyChanged ? await this.timeline.computedNow(tx, id, this.clock.now()) : undefined;
      if (custody && custodyChanged) {
        // A statement of the custody now: dated below, with the place (see addEvent, EVENT_BEFORE_CUSTODY_STATED).
        if (custody.status !== undefined) {
          required('custody.status', custody.status);
          set('custody_status', custody.status);
        }
        if (custody.detainerLodged !== undefined) {
          const lodged = custody.detainerLodged ?? false;
          // Once detainer events are recorded, the latest of them says whether one stands (for the hold too): a
          // correction saying otherwise would show one thing and count another. It is refused: record the event.
          if (lodged !== row.detainer_lodged) {
            const [event] = await tx.query(
              `SELECT 1 FROM case_events WHERE case_id = $1 AND type IN ('detainer_lodged', 'detainer_lifted') AND retracted_at IS NULL LIMIT 1`, [id],
            );
            if (event) {
              throw new DomainError(HttpStatus.CONFLICT, 'DETAINER_EVENTS_RECORDED', 'Detainer events are recorded on this case: the latest of them says whether a detainer stands', {
                'custody.detainerLodged': [`detainer events are recorded on this case: record a ${lodged ? 'detainer_lodged' : 'detainer_lifted'} event (or retract the one that is wrong)`],
              });
            }
            // Stated when it changes (a form sending it back with another correction does not re-date it).
            set('detainer_stated_at', lodged ? this.clock.now() : null);
          }
          set('detainer_lodged', lodged);
        }
        if (custody.releaseEligibleAt !== undefined) set('release_eligible_at', custody.releaseEligibleAt);
        // The place of a facility is the facility's: a state, county or zone that says otherwise, sent without naming
        // another facility (alone, or with the whole custody sent back as it is), would be dropped for it, the case
        // placed where it was with a 200. The volunteer is told: leave it out, or clear the facility with it.
        if ((custody.facilityCode === undefined || custody.facilityCode?.toUpperCase() === row.facility_code) && row.facility_code) {
          const there = `the case is placed at facility ${row.facility_code} (${[row.county, row.state].filter(Boolean).join(', ')}${row.county || row.state ? ', ' : ''}${row.time_zone}), which sets its place`;
          const elsewhere = Object.fromEntries([
            ['custody.state', custody.state != null && custody.state !== row.state],
            ['custody.county', custody.county != null && countyKey(custody.county, custody.state ?? row.state) !== countyKey(row.county, row.state)],
            ['custody.timeZone', custody.timeZone != null && custody.timeZone !== row.time_zone],
          ].filter(([, differs]) => differs).map(([path]) => [path as string, [
            `${there}: leave ${path} out, or send custody.facilityCode: null with it to place the case by state and county`,
          ]]));
          if (Object.keys(elsewhere).length) throw validationFailed(elsewhere);
        }
        const facilityCode = custody.facilityCode === undefined ? (row.facility_code ?? undefined) : (custody.facilityCode ?? undefined);
        // A county corrected with its state after it ("El Paso County, TX") and no state sent says the state too.
        const state = custody.state === undefined ? (stateAfterComma(custody.county) ?? row.state ?? undefined) : (custody.state ?? undefined);
        // The place is corrected only by a value other than the stored one: a form sending the state or county back as
        // it is, or a blank facility on a case that has none, corrects nothing, and must not place the case again (a
        // zone given at intake, say Navajo Nation's daylight time, was replaced by the county's, and its deadlines moved).
        const placeCorrected =
          (custody.facilityCode !== undefined && (custody.facilityCode?.toUpperCase() ?? null) !== row.facility_code)
          || (custody.state !== undefined && (custody.state ?? null) !== row.state)
          || (custody.county !== undefined && countyKey(custody.county, state) !== countyKey(row.county, row.state));
        const merged: CustodyDto = {
          status: (custody.status ?? row.custody_status) as CustodyDto['status'],
          facilityCode,
          county: custody.county === undefined ? (row.county ?? undefined) : (custody.county ?? undefined),
          state,
          // A corrected place with a facility or a state places the case (and its zone) again; otherwise the zone stays
          // as it was (one given at intake, say): a county alone cannot place it, and must not send it to the
          // organization's zone, nor may a correction that leaves the place alone (the status, say) move it. A zone
          // cleared (null) places it again from its facility or state, else the organization's zone.
          timeZone: custody.timeZone === null ? undefined : (custody.timeZone ?? (placeCorrected && (facilityCode || state) ? undefined : row.time_zone)),
        };
        const place = await this.resolvePlace(merged, actor.organizationId, tx, (code) => this.heldBefore(tx, id, row.facility_code, code));
        zoneMoved = place.timeZone !== row.time_zone;
        placeMoved = place.facilityCode !== row.facility_code || place.state !== row.state;
        countyMoved = place.county !== row.county;
        dayZone = place.facilityCode ? undefined : uncertainDayZone(place.state, place.county, place.timeZone);
        // A statement of the custody now, dated when its status or place changes (a form sending them back unchanged
        // with another correction does not re-date it): see addEvent, EVENT_BEFORE_CUSTODY_STATED.
        if (merged.status !== row.custody_status || placeMoved || place.county !== row.county) {
          set('custody_stated_at', merged.status === 'unknown' ? null : this.clock.now());
        }
        set('facility_code', place.facilityCode);
        set('county_key', place.countyKey);
        set('county', place.county);
        set('state', place.state);
        set('time_zone', place.timeZone);
        // The state it leaves is kept: a petition for review ends at the earliest circuit midnight of every state the
        // person was held or placed in, and for a client who is not detained a correction is how a move is recorded.
        if (row.state && place.state !== row.state) {
          const former = params.push(row.state);
          sets.push(`former_states = CASE WHEN $${former}::text = ANY(former_states) THEN former_states ELSE array_append(former_states, $${former}::text) END`);
        }
      }
      if (Object.keys(sensitiveChanges).length > 0) {
        const dek = await this.cipher.loadKey(tx, id);
        if (!dek) throw new Error(`case ${id} has no data key`);
        const current = this.cipher.decrypt(dek, id, row);
        // Nested objects are partial in a correction too: "no SMS" sent alone keeps the voicemail answer and the code
        // word (safeToContact is one encrypted value, so the fields sent are merged over the stored ones).
        // A field sent as null is cleared, whether or not anything was stored: never kept as a null answer.
        const safe = sensitiveChanges['client.safeToContact'];
        if (safe && typeof safe === 'object') {
          const stored = current['client.safeToContact'];
          // (A DTO instance has every declared field, undefined when not sent: those keep the stored answer.)
          const sent = Object.entries(safe as Record<string, unknown>).filter(([, v]) => v !== undefined);
          sensitiveChanges['client.safeToContact'] = answered({ ...(stored && typeof stored === 'object' ? stored : {}), ...Object.fromEntries(sent) });
        }
        // Someone who cannot read the stored list adds to it: replacing it would lose its entries (and their details)
        // unseen.
        if ('adverseParties' in sensitiveChanges && visibility !== 'full') {
          const parties = withAddedParties(current.adverseParties, sensitiveChanges.adverseParties);
          // Past the limit a request may send, whoever reads the list could no longer save it without deleting names the
          // conflict check needs: refused. Nothing sent is compared with what is stored (a guess would be confirmed).
          // The refusal tells whether the case holds names, and about how many: it is on the trail, as a read would be.
          if (parties.length > MAX_ADVERSE_PARTIES) {
            throw new AuditedRefusal(
              { organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'case.update_refused', caseId: id, caseReference: row.reference, fields: ['adverseParties'], details: { code: 'ADVERSE_PARTIES_FULL' } },
              new DomainError(HttpStatus.CONFLICT, 'ADVERSE_PARTIES_FULL',
                `The case's list of adverse parties cannot hold these too (at most ${MAX_ADVERSE_PARTIES}): ask its attorney, or the intake volunteer, to make room`),
            );
          }
          sensitiveChanges.adverseParties = parties;
        }
        const merged: SensitiveValues = { ...current, ...sensitiveChanges };
        if (!String(merged['client.firstName'] ?? '').trim() && !String(merged['client.lastName'] ?? '').trim()) {
          throw invalid('client.lastName', NAME_REQUIRED);
        }
        for (const [column, value] of Object.entries(this.cipher.encrypt(dek, id, sensitiveChanges))) set(column, value);
        await tx.query(`DELETE FROM case_blind_indexes WHERE case_id = $1`, [id]);
        await this.writeIndexes(tx, id, row.organization_id, this.cipher.blindIndexes(merged));
      }
      set('updated_at', this.clock.now());
      await tx.query(`UPDATE cases SET ${sets.join(', ')} WHERE id = $1`, params);
      // Whether a criminal history is recorded is one of the bond flag's facts.
      if (custodyChanged || 'client.criminalHistory' in sensitiveChanges) {
        // A correction says where the person was all along, since the last transfer: the events recorded there, read in
        // the case's zone by default, follow it. Events recorded before a transfer were read at the earlier place, which
        // this correction does not concern.
        if (zoneMoved || placeMoved || countyMoved) await followCaseZone(tx, [id], { [id]: dayZone });
        // The custody facts said otherwise all along: a deadline counted from the old ones never applied, whatever its
        // status (as for a retracted event).
        await this.timeline.recompute(tx, id, this.clock.now(), {
          custodyCorrected: custodyKeysBefore,
          placeCorrected: zoneMoved || placeMoved || countyMoved ? computedBefore : undefined,
        });
      }
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.update',
        caseId: id,
        caseReference: row.reference,
        // A zone the corrected place set (not sent) changed too: the trail lists every changed field.
        fields: zoneMoved && !paths.includes('custody.timeZone') ? [...paths, 'custody.timeZone'] : paths,
      });
      if (row.status === 'closed') {
        if (dto.consent?.shareWithAttorney === false && row.consent_share && row.assigned_attorney_id) {
          await this.referrals.consentWithdrawnWhileClosed(tx, actor, { id, reference: row.reference }, row.assigned_attorney_id);
        }
        return { visibility, holders: [] };
      }
      // A new consent answer or new names can bar the attorney the case is offered to, and a corrected language,
      // interpreter need, practice area, place or detention by ICE can leave them unfit for it (checked after the update).
      const needsChanged = (dto.client?.preferredLanguage != null && dto.client.preferredLanguage !== row.preferred_language)
        || (dto.client?.needsInterpreter !== undefined && (dto.client.needsInterpreter ?? false) !== row.needs_interpreter)
        || (dto.practiceAreas !== undefined && !sameMembers(dto.practiceAreas ?? [], row.practice_areas ?? []))
        || placeMoved
        // ICE detention makes the case a court matter (EOIR registration).
        || (custody?.status != null && (custody.status === 'ice_detention') !== (row.custody_status === 'ice_detention'));
      if (dto.consent?.shareWithAttorney !== undefined || Object.keys(sensitiveChanges).length > 0 || needsChanged) {
        await this.referrals.reviewOpenOffer(tx, id, actor, { needsChanged, consentWithdrawn: dto.consent?.shareWithAttorney === false && row.consent_share });
      }
      // Made urgent (what the urgency is recomputed from, corrected), or given consent while urgent: offered as at intake.
      const routed = custodyChanged || 'client.criminalHistory' in sensitiveChanges || dto.consent?.shareWithAttorney === true
        ? await this.referrals.autoRouteIfNowUrgent(tx, id, { level: row.urgency_level, consent: row.consent_share })
        : null;
      // Consent recorded where it was missing: those told it could not be offered are told it can, unless routing it
      // just now found nobody (they are told that).
      if (dto.consent?.shareWithAttorney === true && !row.consent_share) await this.referrals.consentRecorded(tx, actor, id, routed === null);
      // New names (the client's, or the other side's) may bar the attorneys who hold or held this case from a case they
      // are offered: reviewed once this commits.
      // So may a corrected birth date or A-number, for an attorney who told a conflict with this client (a decline or
      // a release for one): it holds for the client's other cases, found by those too.
      const namesChanged = CONFLICT_FIELDS.some((field) => field in sensitiveChanges);
      const holders: { attorney_id: string }[] = namesChanged
        ? await tx.query(
          `SELECT attorney_id FROM referrals WHERE case_id = $1 AND (accepted_at IS NOT NULL OR decline_reason = 'conflict' OR release_reason = 'conflict')
            UNION SELECT assigned_attorney_id FROM cases WHERE id = $1 AND assigned_attorney_id IS NOT NULL`, [id])
        : [];
      return { visibility, holders: holders.map((h) => h.attorney_id), namesChanged };
    });
    await this.referrals.reviewConflictsOf(actor, result.holders);
    // The other side named here is the other side of the client's other intakes too: their open offers are reviewed.
    if (result.namesChanged) await this.referrals.reviewClientsOtherOffers(id);
    return result.visibility === 'full' ? this.get(actor, id) : this.summary(actor, id);
  }

  /**
   * Records a case event and recomputes deadlines, flags and urgency in the same transaction. A transfer moves the
   * case to the new facility's time zone; a release or a detainer updates the custody facts.
   */
  async addEvent(actor: Principal, id: string, dto: CreateEventDto, idempotencyKey?: string): Promise<EventAnswer> {
    const spec = EVENT_FIELDS[dto.type];
    const given: Record<string, unknown> = {};
    const fields: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(dto)) {
      // An event is a record of what happened, never corrected in place: null says nothing, like a field not sent
      // (a required one is then missing, rather than stored empty or read as a facility code).
      if (key === 'type' || key === 'occurredAt' || value === undefined || value === null) continue;
      if (!spec.required.includes(key) && !spec.optional.includes(key)) fields[key] = [`${key} does not apply to a ${dto.type} event`];
      else given[key] = value;
    }
    for (const key of spec.required) {
      if (given[key] !== undefined) continue;
      const values = key === 'outcome' ? EVENT_OUTCOMES[dto.type]?.join(' | ') : REQUIRED_VALUES[key];
      fields[key] = [`${key} is required for a ${dto.type} event${values ? `: ${values}` : ''}`];
    }
    const outcomes = EVENT_OUTCOMES[dto.type];
    if (outcomes && given.outcome !== undefined && !outcomes.includes(given.outcome as string)) {
      fields.outcome = [`outcome must be one of ${outcomes.join(', ')} for a ${dto.type} event`];
    }
    if (Object.keys(fields).length) throw validationFailed(fields);
    // A ruling of the BIA happened in Falls Church: its day is the one on the decision there, wherever the person is
    // held and whatever zone came with it (a form filling in the case's or the court's: in Guam a decision of a
    // Virginia morning is already the next day, and its deadlines would fall a day late).
    if (given.issuedBy === 'bia') given.timeZone = BIA_TIME_ZONE;

    // Kept apart from the intake's keys (a character those cannot hold), per case: the same key on another case is
    // another request.
    const idempotency = idempotencyKey
      ? { key: `event/${id}/${idempotencyKey}`, hash: this.cipher.requestDigest(canonicalJson({ caseId: id, event: dto })) }
      : undefined;
    return this.audit.transaction(async (tx) => {
      // Filled in below from the case as this attempt reads it (its zone, where a transfer came from): a transaction
      // retried after a deadlock starts again from what was sent, not from the attempt that failed.
      const data: Record<string, unknown> = { ...given };
      const row = await this.visibleRow(tx, actor, id, true);
      // A retry of an event recorded (the case row locked: a concurrent first request has committed or not begun) gets
      // the first answer, even once the case is closed.
      if (idempotency) {
        const [stored] = await tx.query(`SELECT request_hash, response FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [actor.userId, idempotency.key]);
        if (stored) return this.replayEvent(stored, idempotency.hash);
      }
      if (row.status === 'closed' || row.status === 'purged') {
        throw new DomainError(HttpStatus.CONFLICT, 'CASE_CLOSED', `Events cannot be added to a ${row.status} case`);
      }
      const now = this.clock.now();
      // The manner of entry is an immigration-status fact: recorded as the sensitive fields are corrected (by whoever
      // sees the full case, or a coordinator), not by an offered attorney or a volunteer past their window.
      if (data.manner !== undefined && actor.role !== 'coordinator' && caseVisibility(actor, toVisibilityCase(row), now) !== 'full') {
        throw new DomainError(HttpStatus.FORBIDDEN, 'FORBIDDEN', 'Only someone who sees the full case, or a coordinator, may record the manner of entry: send the event without it', {
          manner: ['only someone who sees the full case, or a coordinator, may record the manner of entry'],
        });
      }
      // Before anything is written. A date is refused once it is after today where it is read: the event's zone, a
      // BIA ruling's Falls Church, else the case's (a transfer's, the zone it was made from).
      const readIn = (data.timeZone as string | undefined) ?? row.time_zone;
      const ahead = occurredAtProblem(dto.type, dto.occurredAt, now, readIn);
      if (ahead) throw validationFailed({ occurredAt: [ahead] });
      const unset = dto.type === 'hearing_scheduled' ? scheduledAtProblem(dto.occurredAt, dto.scheduledAt!, readIn) : null;
      if (unset) throw validationFailed({ scheduledAt: [unset] });
      // The case's custody follows the custody event that happened last, as the deadlines do: an older one entered late
      // is history and changes nothing (a release from the jail entered after the transfer to ICE left the person
      // "released"). A transfer is recorded in the order it happened: it says where the case was taken from.
      const at = eventTime(dto.occurredAt, readIn, 'occurredAt');
      const later = CUSTODY_EVENTS.has(dto.type)
        ? await this.deadlineInput(() => this.laterEventOf(tx, id, CUSTODY_EVENTS.get(dto.type)!, at, row.time_zone, dto.type === 'released' && data.from === 'jail'))
        : undefined;
      // A transfer's facility first: an unknown code is a 400 naming it, whatever else is wrong.
      const facility = dto.type === 'transferred' ? await this.reference.find(dto.facilityCode!, tx) : null;
      if (dto.type === 'transferred') {
        if (!facility) throw invalid('facilityCode', 'facilityCode is not a known ICE detention location code (see GET /api/facilities)');
        if (!facility.listed && !(await this.heldBefore(tx, id, row.facility_code, facility.code))) throw invalid('facilityCode', UNLISTED_FACILITY('facilityCode'));
      }
      // A release from a jail does not take someone out of ICE detention: it is what came before ICE took them (the same
      // day, or an earlier booking), history, whatever its date.
      const jailReleaseInIce = dto.type === 'released' && data.from === 'jail' && row.custody_status === 'ice_detention';
      // The custody stated by the intake or a correction (not by an event) is the present as it was told. An event from
      // before the day it was stated that contradicts it is refused: a release while it was stated as held (a jail's
      // included: one after the booking's release-eligible time would end its hold), a transfer while it was stated as
      // out, in a jail, or in ICE detention elsewhere, a detainer lifted while one was stated lodged. Taken as the
      // present, it would overrule what the volunteer was told; kept as history, it would still count for the deadlines
      // (a release from ICE of last year raised a bond request long missed; a detainer lifted after an old arrest took a
      // jailed client's hold away). The statement is corrected first. By day, the statement's where the case is: an
      // event of that day may have followed it (learned after the intake, its time typed to the minute). An event that
      // changes the custody clears the statement it contradicts (below); a transfer keeps a statement that the person is
      // held.
      const statedAt = dto.type === 'detainer_lifted' ? row.detainer_stated_at
        : dto.type === 'released' ? (HELD.has(row.custody_status) && !jailReleaseInIce ? row.custody_stated_at : null)
          : dto.type === 'transferred' ? (row.custody_status !== 'ice_detention' || facility!.code !== row.facility_code ? row.custody_stated_at : null)
            : null;
      if (statedAt) {
        const statedDay = DateTime.fromJSDate(statedAt, { zone: row.time_zone });
        if (happenedAfter(eventTime(statedDay.toISODate()!, row.time_zone, 'occurredAt'), at)) {
          const stated = statedDay.toFormat('d LLL yyyy');
          const [what, field] = dto.type === 'detainer_lifted'
            ? ['with a detainer lodged', 'custody.detainerLodged']
            : [HELD.has(row.custody_status) ? 'as held, in a local jail or ICE detention' : `as ${CUSTODY_WORDS[row.custody_status] ?? row.custody_status}`, 'custody.status and the place'];
          // With detainer events recorded, that correction is refused too (DETAINER_EVENTS_RECORDED): the way out is named.
          const [detainerEvent] = dto.type === 'detainer_lifted'
            ? await tx.query(`SELECT 1 FROM case_events WHERE case_id = $1 AND type IN ('detainer_lodged', 'detainer_lifted') AND retracted_at IS NULL LIMIT 1`, [id])
            : [];
          const correct = detainerEvent
            ? `retract the detainer events recorded (those others recorded: a coordinator or the case's attorney), correct ${field}, then record them and this lift again`
            : `correct ${field} first`;
          throw new DomainError(HttpStatus.CONFLICT, 'EVENT_BEFORE_CUSTODY_STATED',
            `This ${dto.type} event is from before ${stated}, when the custody was last stated (${what}), and contradicts it`, {
              occurredAt: [`is before ${stated}, when the custody was last stated (${what}): date what happened since on or after that day; ` +
                `if the statement is wrong, ${correct}; what happened before belongs in the narrative`],
            });
        }
      }
      if (later && dto.type === 'transferred') {
        throw new DomainError(HttpStatus.CONFLICT, 'EVENT_OUT_OF_ORDER',
          `A later ${later.type} event (${later.occurred_at}) is already recorded: transfers are recorded in the order they happened`, {
            occurredAt: [`is before the ${later.type} event of ${later.occurred_at}: retract that one, record this transfer, then record it again`],
          });
      }
      if (dto.type === 'transferred') {
        const place = await this.resolvePlace({ status: 'ice_detention', facilityCode: facility!.code }, actor.organizationId, tx, async () => true);
        data.facilityCode = place.facilityCode;
        // Taken from the case's place, unless that place is a retracted transfer's (retracting changes no custody: the
        // place it took the case to stays until an event or a correction moves it): then from where that one took it
        // (EVENT_OUT_OF_ORDER's advice, retract the later transfer and record this one first, recorded it from there).
        const [undone]: { from_facility: string | null; from_state: string | null }[] = await tx.query(
          `SELECT data->>'fromFacilityCode' AS from_facility, data->>'fromState' AS from_state FROM case_events
            WHERE id = (SELECT id FROM case_events WHERE case_id = $1 AND type = 'transferred' ORDER BY seq DESC LIMIT 1)
              AND retracted_at IS NOT NULL AND data->>'facilityCode' = $2`,
          [id, row.facility_code],
        );
        data.fromFacilityCode = undone ? undone.from_facility : row.facility_code;
        // Where the person was, when no facility says it (a county jail, a release): the circuit of a petition for review.
        const fromState = undone ? undone.from_state : row.state;
        if (fromState) data.fromState = fromState;
        // The custody is now what this event says: a statement of another status no longer speaks for it.
        await tx.query(
          `UPDATE cases SET custody_status = 'ice_detention', facility_code = $2, county = $3, state = $4, time_zone = $5, updated_at = $6,
                  county_key = NULL, custody_stated_at = CASE WHEN custody_status IN ('local_jail', 'ice_detention') THEN custody_stated_at END WHERE id = $1`,
          [id, place.facilityCode, place.county, place.state, place.timeZone, now],
        );
      } else if (later || jailReleaseInIce) {
        // History: the custody stays as the later event, or ICE's custody, left it.
      } else if (dto.type === 'released') {
        await tx.query(
          `UPDATE cases SET custody_status = 'released', updated_at = $2, custody_stated_at = CASE WHEN custody_status = 'released' THEN custody_stated_at END
            WHERE id = $1`, [id, now],
        );
      } else if (dto.type === 'detainer_lodged' || dto.type === 'detainer_lifted') {
        await tx.query(
          `UPDATE cases SET detainer_lodged = $3, updated_at = $2, detainer_stated_at = CASE WHEN detainer_lodged = $3 THEN detainer_stated_at END WHERE id = $1`,
          [id, now, dto.type === 'detainer_lodged'],
        );
      }
      // An event is read in the zone it happened in: without one given (only court events take one), the case's zone
      // now, kept with the event, so that a later transfer does not move its day, nor the deadlines counted from it
      // (whose keys hold the trigger's instant: a date-only event read in another zone would be another deadline).
      // Marked as the case's, not given: a correction of the case's place (not a transfer) moves it along.
      // At a place whose zone is uncertain, where its day is read too (DAY_ZONE).
      if (data.timeZone === undefined) {
        const dayZone = row.facility_code ? undefined : uncertainDayZone(row.state, row.county, row.time_zone);
        Object.assign(data, { timeZone: row.time_zone, [IMPLICIT_ZONE]: true, ...(dayZone ? { [DAY_ZONE]: dayZone } : {}) });
      }
      const eventId = randomUUID();
      await tx.query(`INSERT INTO case_events (id, case_id, type, occurred_at, data, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
        eventId, id, dto.type, dto.occurredAt, JSON.stringify(data), actor.userId, now,
      ]);
      const timeline = await this.deadlineInput(() => this.timeline.recompute(tx, id, now));
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.event',
        caseId: id,
        caseReference: row.reference,
        details: { type: dto.type, eventId },
      });
      // A transfer moves the case elsewhere, and a hearing, a decision or an order makes it a court matter: the attorney
      // it is offered to may not cover the new place, or not be registered with EOIR (withdrawn after the event's record).
      if (REVIEWS_OFFER.has(dto.type)) await this.referrals.reviewOpenOffer(tx, id, actor, { needsChanged: true });
      // Made urgent by what it records (a detainer, a hearing): offered as at intake, recorded after the event.
      await this.referrals.autoRouteIfNowUrgent(tx, id, { level: row.urgency_level, consent: row.consent_share });
      const recorded = { id: eventId, type: dto.type, occurred_at: dto.occurredAt, data, created_by: actor.userId, created_at: now };
      // The custody as the event left it: changed, or not (history: a later custody event, or ICE's custody for a release
      // from a jail, speaks for the present).
      const [after]: CaseRow[] = await tx.query(`SELECT ${SUMMARY_COLUMNS} FROM cases WHERE id = $1`, [id]);
      const answer: EventAnswer = {
        // Without the manner of entry, as the retraction's answer: reading it is audited (listEvents), and the answer,
        // stored with an Idempotency-Key and replayed, does not need it (the caller has what they sent).
        event: eventView({ ...recorded, retracted_at: null, retracted_by: null }, false),
        custody: summaryView(after).custody,
        deadlines: timeline.deadlines,
        urgency: timeline.urgency,
        flags: timeline.flags,
      };
      if (idempotency) {
        await tx.query(
          `INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response, case_id) VALUES ($1, $2, $3, 201, $4, $5)`,
          [actor.userId, idempotency.key, idempotency.hash, JSON.stringify(answer), id],
        );
      }
      return answer;
    });
  }

  /** The stored answer to an event's retry, or why there is none (see replay, the intake's). */
  private replayEvent(stored: { request_hash: Buffer; response: unknown }, hash: Buffer): EventAnswer {
    if (!stored.response) throw new DomainError(HttpStatus.GONE, 'CASE_PURGED', 'The case this event was recorded on has been purged');
    if (stored.request_hash.length > 0 && !stored.request_hash.equals(hash)) {
      const eventId = (stored.response as { event?: { id?: string } }).event?.id;
      throw new DomainError(
        HttpStatus.CONFLICT,
        'IDEMPOTENCY_KEY_REUSED',
        `This Idempotency-Key was used with a different request body: it recorded event ${eventId} (retract it if it was wrong)`,
      );
    }
    return stored.response as EventAnswer;
  }

  /**
   * The recorded event of `types` (not retracted) that happened last, when it is not an event that happened at `at`
   * and is recorded now: each read in its own zone, as the deadline engine reads them (`latestByDay`: the same time, or
   * the same day when one is given by its date alone, goes to the one recorded last, the new one). A release from the
   * jail comes before a transfer of the same day: ICE takes the person from the jail that releases them, so that release
   * entered after the transfer, by its date, is history too (recorded later, it left the person "released").
   */
  private async laterEventOf(tx: EntityManager, caseId: string, types: readonly string[], at: EventTime, caseZone: string, jailRelease = false) {
    const events: { type: string; occurred_at: string; zone: string | null }[] = await tx.query(
      `SELECT type, occurred_at, data->>'timeZone' AS zone FROM case_events WHERE case_id = $1 AND type = ANY($2) AND retracted_at IS NULL ORDER BY seq`,
      [caseId, types],
    );
    const recorded = events.map((e, index) => ({ ...e, time: eventTime(e.occurred_at, e.zone ?? caseZone, `events[${index}].occurredAt`) }));
    const now = { type: '', occurred_at: '', zone: null, time: at };
    const latest = latestByDay([...recorded, now], (e) => e.time);
    if (latest !== now) return latest;
    return jailRelease ? recorded.find((e) => e.type === 'transferred' && !happenedAfter(at, e.time)) : undefined;
  }

  /**
   * The case's events in the order they were recorded, retracted ones included (marked). Anyone who may see the case
   * may list them; the manner of entry, an immigration-status fact, only with the full view.
   */
  async listEvents(actor: Principal, id: string): Promise<{ items: CaseEventView[] }> {
    return this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id);
      const full = caseVisibility(actor, toVisibilityCase(row), this.clock.now()) === 'full';
      const events: CaseEventRow[] = await tx.query(
        `SELECT ${EVENT_COLUMNS} FROM case_events WHERE case_id = $1 ORDER BY seq`,
        [id],
      );
      // Whenever a manner could be there, not only when one was recorded: which cases have one is itself case content.
      if (full && events.some((e) => e.type === 'entered_us')) await this.recordSensitiveRead(tx, actor, row, ['events.manner']);
      return { items: events.map((e) => eventView(e, full)) };
    });
  }

  /**
   * Retracts an event recorded by mistake (a wrong date, the wrong case): it stays listed, marked, and no longer counts.
   * The deadlines counted from it are superseded whatever their status (they never applied), and the case is
   * recomputed. What the event changed in the case's custody (a transfer, a release, a detainer) stays: that is
   * corrected with PATCH. A coordinator, the assigned attorney, or whoever recorded the event may retract it.
   */
  async retractEvent(actor: Principal, id: string, eventId: string) {
    return this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id, true);
      if (row.status === 'closed' || row.status === 'purged') {
        throw new DomainError(HttpStatus.CONFLICT, 'CASE_CLOSED', `Events of a ${row.status} case cannot be retracted`);
      }
      const [event]: CaseEventRow[] = await tx.query(
        `SELECT ${EVENT_COLUMNS} FROM case_events WHERE id = $1 AND case_id = $2`,
        [eventId, id],
      );
      if (!event) throw notFound('Event');
      const visibility = caseVisibility(actor, toVisibilityCase(row), this.clock.now());
      const mayRetract = actor.role === 'coordinator' || event.created_by === actor.userId
        || (actor.role === 'attorney' && visibility === 'full');
      if (!mayRetract) throw forbidden('Only a coordinator, the assigned attorney or whoever recorded this event may retract it');
      if (event.retracted_at) throw new DomainError(HttpStatus.CONFLICT, 'EVENT_RETRACTED', 'This event was already retracted');
      const now = this.clock.now();
      await tx.query(`UPDATE case_events SET retracted_at = $2, retracted_by = $3 WHERE id = $1`, [eventId, now, actor.userId]);
      // A transfer's origin was the case's place when it was recorded: a state the person was held in, whatever became
      // of the transfer. Kept with the states corrections left (a petition for review's circuit): a transfer retracted to
      // be recorded again in order (EVENT_OUT_OF_ORDER) would otherwise take the first state with it, since the case's
      // place, which the next transfer starts from, stays where the retracted one took it.
      const fromState = event.type === 'transferred' ? (event.data as Record<string, unknown>).fromState : undefined;
      if (typeof fromState === 'string') {
        await tx.query(
          `UPDATE cases SET former_states = array_append(former_states, $2::text) WHERE id = $1 AND NOT ($2::text = ANY(former_states))`,
          [id, fromState],
        );
      }
      await tx.query(
        `UPDATE deadlines SET superseded_at = $3 WHERE case_id = $1 AND trigger_event_id = $2 AND superseded_at IS NULL`,
        [id, eventId, now],
      );
      const timeline = await this.deadlineInput(() => this.timeline.recompute(tx, id, now));
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.event_retract',
        caseId: id,
        caseReference: row.reference,
        details: { type: event.type, eventId },
      });
      // Urgent once the mistaken event no longer counts (a release recorded by mistake: held, without counsel).
      await this.referrals.autoRouteIfNowUrgent(tx, id, { level: row.urgency_level, consent: row.consent_share });
      return {
        // Without the manner of entry: reading it is audited (listEvents), and the answer does not need it.
        event: eventView({ ...event, retracted_at: now, retracted_by: actor.userId }, false),
        deadlines: timeline.deadlines,
        urgency: timeline.urgency,
        flags: timeline.flags,
      };
    });
  }

  async close(actor: Principal, id: string, dto: CloseCaseDto): Promise<CaseSummary> {
    await this.audit.transaction(async (tx) => {
      const row = await this.visibleRow(tx, actor, id, true);
      if (row.status === 'closed' || row.status === 'purged') {
        throw new DomainError(HttpStatus.CONFLICT, 'CASE_CLOSED', `The case is already ${row.status}`);
      }
      // What the board showed of it: its open deadlines, and a detainer hold missed at its 48 hours whose outer limit is
      // ahead while a jail may still hold the person (open work, as on the board).
      const [followed]: { open: number; held: number }[] = await tx.query(
        `SELECT count(*) FILTER (WHERE d.status = 'open')::int AS open,
                count(*) FILTER (WHERE d.status = 'missed' AND d.rule = 'detainer_hold' AND d.outer_limit_at > $2
                                   AND c.custody_status IN ('local_jail', 'unknown') AND c.detainer_lodged)::int AS held
           FROM deadlines d JOIN cases c ON c.id = d.case_id
          WHERE d.case_id = $1 AND d.superseded_at IS NULL AND NOT d.case_closed`,
        [id, this.clock.now()],
      );
      // Closed, its deadlines are no longer followed, and nothing about it is urgent any more.
      await tx.query(
        `UPDATE cases SET status = 'closed', outcome = $2, closed_at = $3, updated_at = $3,
                urgency_level = $4, urgency_reasons = $5, next_deadline_at = NULL, urgency_review_at = NULL,
                urgency_order_at = NULL WHERE id = $1`,
        [id, dto.outcome, this.clock.now(), CLOSED_URGENCY.level, JSON.stringify(CLOSED_URGENCY.reasons)],
      );
      await tx.query(`UPDATE deadlines SET case_closed = true WHERE case_id = $1`, [id]);
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.close',
        caseId: id,
        caseReference: row.reference,
        details: { outcome: dto.outcome },
      });
      // Its open offer ends with it (recorded after the close, which caused it).
      await this.referrals.withdrawOpenOffers(tx, actor, { id, reference: row.reference });
      await this.referrals.caseClosed(tx, actor, { id, reference: row.reference }, row.status === 'assigned' ? row.assigned_attorney_id : null, dto.outcome, followed);
    });
    return this.summary(actor, id);
  }

  /**
   * Takes an assigned case from its attorney: a coordinator releasing them, or the attorney stepping down (an attorney
   * reaches only a case assigned to them). The case is new again for a coordinator to place (ReferralsService.releaseOnRequest).
   */
  async release(actor: Principal, id: string, dto: ReleaseCaseDto): Promise<void> {
    const attorneyId = await this.audit.transaction(async (tx) => {
      // An attorney's step-down sent twice (a retry, a double tap, both at once), or after the case was taken from them:
      // the case is no longer theirs, which they know; not a refused access to someone else's case (audited as one).
      // Checked under the case's lock, as the first request's release committed or not at all.
      if (actor.role === 'attorney') {
        // The lock first, the check in a statement of its own: one that waited for the lock sees what it committed.
        await tx.query(`SELECT 1 FROM cases WHERE id = $1 AND organization_id = $2 FOR UPDATE`, [id, actor.organizationId]);
        const [gone] = await tx.query(
          `SELECT 1 FROM cases c WHERE c.id = $1 AND c.assigned_attorney_id IS DISTINCT FROM $2
              AND EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id AND r.attorney_id = $2 AND r.withdrawn_why IN ('STEPPED_DOWN', 'RELEASED'))`,
          [id, actor.userId],
        );
        if (gone) throw new DomainError(HttpStatus.CONFLICT, 'CASE_NOT_ASSIGNED', 'This case is no longer assigned to you: you stepped down from it, or were released');
      }
      const row = await this.visibleRow(tx, actor, id, true);
      if (row.status !== 'assigned' || !row.assigned_attorney_id) {
        throw new DomainError(HttpStatus.CONFLICT, 'CASE_NOT_ASSIGNED', `The case is ${row.status}, not assigned to an attorney`);
      }
      await this.referrals.releaseOnRequest(tx, actor, { id, reference: row.reference }, row.assigned_attorney_id, dto.reason);
      return row.assigned_attorney_id;
    });
    // A conflict holds for the client's other cases too (as a decline for one): an open offer of one to them is withdrawn.
    if (dto.reason === 'conflict') await this.referrals.reviewConflictsOf(actor, [attorneyId]);
  }

  /**
   * Takes back a close made by mistake (coordinators; audited as `case.reopen`, with the outcome it had). The case is
   * open again, no longer counted towards its purge, and its deadlines are followed again: recomputed now, so those
   * that fell due while it was closed are missed, and escalated. It goes back to its attorney if they still practise
   * here (their row share-locked after the case's, as routing does: a deactivation waits, then releases it), else it
   * is new, for a coordinator to place, and the departed attorney's acceptance is withdrawn (as a release does).
   */
  async reopen(actor: Principal, id: string): Promise<CaseSummary> {
    await this.audit.transaction(async (tx) => {
      // Before the case row: a reopen may hand over a departed coordinator's alerts, and a departure holding this lock
      // writes copies that reference case rows (a deadlock the other way round).
      await this.timeline.holdHandOvers(tx, actor.organizationId);
      const row = await this.visibleRow(tx, actor, id, true);
      if (row.status === 'purged') throw new DomainError(HttpStatus.CONFLICT, 'CASE_PURGED', 'This case was purged: nothing remains to reopen');
      if (row.status !== 'closed') throw new DomainError(HttpStatus.CONFLICT, 'CASE_NOT_CLOSED', `The case is ${row.status}, not closed`);
      const attorney = row.assigned_attorney_id
        ? await tx.query(`SELECT 1 FROM users WHERE id = $1 AND active AND role = 'attorney' FOR SHARE`, [row.assigned_attorney_id])
        : [];
      // Not to an attorney the client's consent no longer covers (withdrawn before consent released the case).
      const attorneyId = attorney.length > 0 && row.consent_share ? row.assigned_attorney_id : null;
      const now = this.clock.now();
      await tx.query(
        `UPDATE cases SET status = $2, assigned_attorney_id = $3, outcome = NULL, closed_at = NULL, updated_at = $4 WHERE id = $1`,
        [id, attorneyId ? 'assigned' : 'new', attorneyId, now],
      );
      // An attorney who left: their acceptance ends (kept as a former client's), so that another may accept the case.
      if (!attorneyId) await tx.query(`UPDATE referrals SET status = 'withdrawn', responded_at = $2, withdrawn_why = 'RELEASED' WHERE case_id = $1 AND status = 'accepted'`, [id, now]);
      await tx.query(`UPDATE deadlines SET case_closed = false WHERE case_id = $1`, [id]);
      // An import leaves closed cases as they were: a facility it placed elsewhere meanwhile (the case's, or one it was
      // transferred from) takes the case, and the events read there, where the facility is now, as for the open cases.
      const facilities: { code: string; zone: string; state: string | null; county: string | null }[] = await tx.query(
        `SELECT code, time_zone AS zone, state, county FROM facilities
          WHERE code = $2 OR code IN (SELECT data->>'fromFacilityCode' FROM case_events WHERE case_id = $1 AND type = 'transferred')`,
        [id, row.facility_code],
      );
      const moved = mergeMoved(
        await moveLockedCases(tx, [id], facilities.map((f) => ({ code: f.code, before: null, zone: f.zone }))),
        await placeLockedCases(tx, [id], facilities),
      );
      // A case closed before a release read counties anew kept the older reading (its key emptied since, migration
      // 1764006500000): read now, as the start read the open ones (El Paso County Jail, TX, to Mountain time).
      const placed: CountyPlacedCase[] = await tx.query(
        `SELECT id, county, state, time_zone FROM cases
          WHERE id = $1 AND county_key IS NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL`,
        [id],
      );
      if ((await readCountiesAgain(tx, placed)).has(id)) moved.set(id, [...(moved.get(id) ?? []), 'custody.timeZone']);
      // One placed by its state alone in Tennessee or Oregon, closed before its events kept where their days are read
      // (1764006000000 gave the open ones theirs): given now, before the recompute counts from them.
      const stateAlone = row.facility_code === null && row.county === null ? uncertainDayZone(row.state, null, row.time_zone) : undefined;
      if (stateAlone) await followCaseZone(tx, [id], { [id]: stateAlone });
      // Reminders cancelled while it was closed give their keys back (kept, renamed), so the planner can queue them again.
      await tx.query(
        `UPDATE notifications SET dedupe_key = dedupe_key || ':cancelled:' || id
          WHERE case_id = $1 AND kind = 'deadline.reminder' AND sent_at IS NULL AND cancelled_at IS NOT NULL AND dedupe_key LIKE 'reminder:%'
            AND dedupe_key NOT LIKE '%:cancelled:%'`,
        [id],
      );
      // Alerts the delivery cancelled unsent because the case was closed. A missed deadline's and a conflict's are due
      // again (nothing else would write them: their keys are taken), and the delivery checks each anew (the deadline
      // still missed; the attorney's copy only while the case is theirs). A coverage alert gives its key back, as the
      // reminders do: the recompute below writes it again if the case's attorney still does not cover its facility.
      // The others do not apply (offers were withdrawn with the close; the reopen tells the coordinators itself).
      const departed: { recipient_id: string }[] = await tx.query(
        `WITH revived AS (
           UPDATE notifications SET cancelled_at = NULL, last_error = NULL, next_attempt_at = $2
            WHERE case_id = $1 AND sent_at IS NULL AND cancelled_at >= $3 AND kind IN ('deadline.missed', 'case.conflict')
              -- Not an alert a later one of the same deadline took the place of (marked missed again since).
              AND dedupe_key NOT LIKE '%:earlier:%'
            RETURNING recipient_id
         ) SELECT DISTINCT r.recipient_id FROM revived r JOIN users u ON u.id = r.recipient_id
            WHERE NOT (u.role = 'coordinator' AND u.active) AND r.recipient_id IS DISTINCT FROM $4`,
        [id, now, row.closed_at, row.assigned_attorney_id],
      );
      // Revived to a coordinator who has left since the close (their departure handed over only what was not cancelled):
      // handed over now, to the coordinators there are (or the admins), as at a departure.
      for (const { recipient_id: leaver } of departed) await this.timeline.handOver(tx, row.organization_id, leaver);
      await tx.query(
        `UPDATE notifications SET dedupe_key = dedupe_key || ':cancelled:' || id
          WHERE case_id = $1 AND kind = 'case.coverage' AND sent_at IS NULL AND cancelled_at IS NOT NULL AND dedupe_key LIKE 'coverage:%'
            AND dedupe_key NOT LIKE '%:cancelled:%'`,
        [id],
      );
      // A case whose stored events no longer compute is reopened all the same, and left to the urgency review.
      await tx.query(`SAVEPOINT reopen_recompute`);
      try {
        await this.timeline.recompute(tx, id, now);
        await tx.query(`RELEASE SAVEPOINT reopen_recompute`);
      } catch (error) {
        await tx.query(`ROLLBACK TO SAVEPOINT reopen_recompute`);
        if (!(error instanceof DeadlineInputError)) throw error;
        this.logger.error({ caseId: id, err: error }, 'Reopen: the case could not be recomputed; the urgency review will');
        await tx.query(`UPDATE cases SET urgency_review_at = $2 WHERE id = $1`, [id, now]);
      }
      // Its attorney still practises here, but the client's consent no longer covers them: told it is not theirs.
      const withoutConsent = attorney.length > 0 && !row.consent_share ? row.assigned_attorney_id : null;
      await this.referrals.caseReopened(tx, actor, row, attorneyId, withoutConsent);
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'case.reopen',
        caseId: id,
        caseReference: row.reference,
        // What the facilities' places changed (an import moved them while it was closed), as an import names them, and
        // the zone a new reading of its county gave it.
        fields: [...(moved.get(id) ?? [])].sort(),
        details: { outcome: row.outcome, status: attorneyId ? 'assigned' : 'new' },
      });
    });
    return this.summary(actor, id);
  }

  private async summary(actor: Principal, id: string): Promise<CaseSummary> {
    const row = await this.audit.refusalsAudited(() => this.visibleRow(this.db.manager, actor, id));
    return summaryView({ ...row, status: statusSeenBy(actor.role, row.status) }, await this.deadlines(this.db.manager, row));
  }

  /** Who read which sensitive fields of the case (names only). */
  private recordSensitiveRead(tx: EntityManager, actor: Principal, row: CaseRow, fields: string[]): Promise<void> {
    return this.audit.record(tx, {
      organizationId: actor.organizationId,
      actorId: actor.userId,
      actorRole: actor.role,
      action: 'case.read_sensitive',
      caseId: row.id,
      caseReference: row.reference,
      fields,
    });
  }

  /** The case if the caller may see it at all; otherwise 404 (and the attempt is audited when the case exists). */
  private async visibleRow(manager: EntityManager, actor: Principal, id: string, forUpdate = false): Promise<CaseRow> {
    const sensitiveColumns = SENSITIVE_FIELDS.map((f) => f.column).join(', ');
    const [row]: CaseRow[] = await manager.query(
      `SELECT ${SUMMARY_COLUMNS}, ${sensitiveColumns},
              EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = cases.id AND r.accepted_at IS NOT NULL) AS attorney_held
         FROM cases WHERE id = $1 AND organization_id = $2 ${forUpdate ? 'FOR UPDATE' : ''}`,
      [id, actor.organizationId],
    );
    if (!row) {
      // A case of another organization: the same 404, and the attempt on that organization's trail (its client's
      // case), with the caller's organization. An id that names no case writes nothing.
      const [foreign]: { id: string; reference: string; organization_id: string }[] = await manager.query(
        `SELECT id, reference, organization_id FROM cases WHERE id = $1`, [id]);
      if (!foreign) throw notFound('Case');
      throw new AuditedRefusal(
        { organizationId: foreign.organization_id, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied', caseId: foreign.id, caseReference: foreign.reference, details: { fromOrganizationId: actor.organizationId } },
        notFound('Case'),
      );
    }
    if (caseVisibility(actor, toVisibilityCase(row), this.clock.now()) === 'none') {
      // Recorded by the caller's AuditService.transaction / refusalsAudited, once this connection is free.
      throw new AuditedRefusal(
        { organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied', caseId: row.id, caseReference: row.reference },
        notFound('Case'),
      );
    }
    return row;
  }

  private async decrypt(manager: EntityManager, row: CaseRow): Promise<SensitiveValues> {
    const dek = await this.cipher.loadKey(manager, row.id);
    if (dek) return this.cipher.decrypt(dek, row.id, row);
    // No data key: nothing may decrypt. Ciphertexts without their key mean the row was tampered with or restored, or
    // that a purge committed between reading the row and reading its key (both unlocked): a new statement sees which.
    if (SENSITIVE_FIELDS.some((f) => Buffer.isBuffer(row[f.column]))) {
      const [current] = await manager.query(`SELECT status FROM cases WHERE id = $1`, [row.id]);
      if (current?.status === 'purged') throw new DomainError(HttpStatus.CONFLICT, 'CASE_PURGED', 'This case was purged while it was being read: nothing remains to show');
      throw new CryptoIntegrityError('case has ciphertexts but no data key');
    }
    return {};
  }

  private async deadlines(manager: EntityManager, row: CaseRow): Promise<DeadlineView[]> {
    const rows = await manager.query(
      `SELECT d.*, $2::text AS reference FROM deadlines d WHERE d.case_id = $1 AND d.superseded_at IS NULL ORDER BY d.due_at`,
      [row.id, row.reference],
    );
    return rows.map(toDeadlineView);
  }

  private async writeIndexes(tx: EntityManager, caseId: string, organizationId: string, entries: { kind: string; value: string }[]): Promise<void> {
    if (entries.length === 0) return;
    await tx.query(
      `INSERT INTO case_blind_indexes (case_id, organization_id, kind, value)
       SELECT $1, $2, * FROM unnest($3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      [caseId, organizationId, entries.map((e) => e.kind), entries.map((e) => e.value)],
    );
  }

  /** Whether the case is, or was, held at the facility: its current place, where a transfer took it from, or to (unless retracted). */
  private async heldBefore(manager: EntityManager, caseId: string, current: string | null, code: string): Promise<boolean> {
    if (code === current) return true;
    const [held] = await manager.query(
      `SELECT 1 FROM case_events WHERE case_id = $1 AND type = 'transferred'
          AND (data->>'fromFacilityCode' = $2 OR (data->>'facilityCode' = $2 AND retracted_at IS NULL)) LIMIT 1`,
      [caseId, code],
    );
    return held !== undefined;
  }

  /** The deadline engine's input errors are the caller's: a 400 naming the field (events[n].data.x → x). */
  private deadlineInput<T>(compute: () => T): T {
    const fail = (error: unknown): never => {
      if (!(error instanceof DeadlineInputError)) throw error;
      const field = error.field.replace(/^events\[\d+\]\.(data\.)?/, '');
      throw invalid(field, `${field}: ${error.message.slice(error.field.length + 2)}`);
    };
    try {
      const result = compute();
      return (result instanceof Promise ? result.catch(fail) : result) as T;
    } catch (error) {
      return fail(error);
    }
  }

  /**
   * The zone comes from the facility when its code is known, else from the given zone, else from state and county,
   * else (nobody knows where the person is yet) from the organization's time zone setting.
   */
  private async resolvePlace(
    custody: CustodyDto,
    organizationId: string,
    manager: EntityManager = this.db.manager,
    heldBefore: (code: string) => Promise<boolean> = async () => false,
  ): Promise<Place> {
    if (custody.facilityCode) {
      const facility = await this.reference.find(custody.facilityCode, manager);
      if (!facility) throw invalid('custody.facilityCode', 'custody.facilityCode is not a known ICE detention location code (see GET /api/facilities)');
      // A facility the latest ICE file no longer lists is not chosen anew; a case that was held there keeps it, and may
      // go back to it (a transfer recorded by mistake).
      if (!facility.listed && !(await heldBefore(facility.code))) throw invalid('custody.facilityCode', UNLISTED_FACILITY('custody.facilityCode'));
      return {
        facilityCode: facility.code,
        facilityName: facility.name,
        jail287g: facility.jail287g,
        countyKey: null,
        // Where the facility is, whatever else was typed: routing matches attorneys by it (a family's state is not
        // where the person is held).
        county: facility.county,
        state: facility.state,
        timeZone: facility.timeZone,
      };
    }
    // A county typed with its state and no state ("El Paso County, TX", as a message may suggest) is in that state:
    // left unplaced, it was counted in the organization's zone, checked against no 287(g) agreement, routed anywhere.
    const state = custody.state ?? stateAfterComma(custody.county);
    // A place given by state and county keeps its county's matching key: a recomputation reads the 287(g) agreements
    // by it (a facility row carries its own flag). The intake, computed before it writes, asks the reference data now.
    const key = state && custody.county ? countyKey(custody.county, state) : null;
    const jail287g = custody.status === 'local_jail' && key
      ? await this.reference.isJailEnforcementCounty(state!, custody.county!, manager)
      : undefined;
    const noFacility = { facilityCode: null, facilityName: null, jail287g, countyKey: key };
    if (custody.timeZone) return { ...noFacility, county: custody.county ?? null, state: state ?? null, timeZone: custody.timeZone };
    if (state) {
      try {
        return { ...noFacility, county: custody.county ?? null, state, timeZone: timeZoneFor(state, custody.county ?? null) };
      } catch {
        throw invalid('custody.state', 'custody.state is not a known U.S. state or territory code');
      }
    }
    const [organization]: { time_zone: string }[] = await manager.query(`SELECT time_zone FROM organizations WHERE id = $1`, [organizationId]);
    if (!organization) throw new Error(`organization ${organizationId} not found`);
    return { ...noFacility, county: custody.county ?? null, state: null, timeZone: organization.time_zone };
  }
}

/** The sensitive fields the conflict check reads: names on either side. */
/** The fields a conflict is found by: names, and the birth date and A-number that tell a client's other cases. */
const CONFLICT_FIELDS = ['client.firstName', 'client.lastName', 'client.dateOfBirth', 'client.aNumber', 'adverseParties'];

/** Events after which an open offer is checked again: the place changes, or the case becomes a court matter. */
const REVIEWS_OFFER: ReadonlySet<string> = new Set(['transferred', ...COURT_EVENT_TYPES]);


const EVENT_COLUMNS = 'id, type, occurred_at, data, created_by, created_at, retracted_at, retracted_by';

interface CaseEventRow {
  id: string;
  type: string;
  occurred_at: string;
  data: Record<string, unknown>;
  created_by: string | null;
  created_at: Date;
  retracted_at: Date | null;
  retracted_by: string | null;
}

/** A recorded event with the case's deadlines, urgency and flags after it. */
export interface EventAnswer extends Pick<Timeline, 'deadlines' | 'urgency' | 'flags'> {
  event: CaseEventView;
  /** The case's custody after the event (absent from answers stored before it was added, replayed as stored). */
  custody?: Record<string, unknown>;
}

export interface CaseEventView {
  id: string;
  type: string;
  occurredAt: string;
  [field: string]: unknown;
  recordedAt: string;
  recordedBy: string | null;
  retractedAt?: string;
  retractedBy?: string | null;
}

/**
 * The stored adverse parties as they are, then those sent whose names are not among them (names compared as the
 * conflict check compares them): what a writer who cannot see the list may do to it.
 */
function withAddedParties(stored: unknown, sent: unknown): unknown[] {
  const kept = Array.isArray(stored) ? (stored as { name?: unknown }[]) : [];
  const key = (p: { name?: unknown }) => normalizePersonName(typeof p?.name === 'string' ? p.name : '');
  // Names sent twice are added once; a name already stored is added all the same: left out, the list's size afterwards
  // (which the limit's refusal tells) would say whether it was there. Its readers tidy the list; the conflict check
  // compares names, not entries.
  const seen = new Set<string>();
  const added = (Array.isArray(sent) ? (sent as { name?: unknown }[]) : []).filter((p) => {
    const name = key(p);
    if (name && seen.has(name)) return false;
    if (name) seen.add(name);
    return true;
  });
  return [...kept, ...added];
}

/** An event as the API shows it: its fields as recorded (the manner of entry only with the full view). */
function eventView(e: CaseEventRow, full: boolean): CaseEventView {
  const { [IMPLICIT_ZONE]: _implicit, [DAY_ZONE]: _dayZone, ...fields } = e.data;
  if (!full) delete fields.manner;
  return {
    id: e.id,
    type: e.type,
    occurredAt: e.occurred_at,
    ...fields,
    recordedAt: e.created_at.toISOString(),
    recordedBy: e.created_by,
    ...(e.retracted_at ? { retractedAt: e.retracted_at.toISOString(), retractedBy: e.retracted_by } : {}),
  };
}

interface Place {
  facilityCode: string | null;
  facilityName: string | null;
  jail287g: boolean | undefined;
  /** Stored with the case when placed by state and county (no facility): its county's key for the 287(g) agreements. */
  countyKey: string | null;
  county: string | null;
  state: string | null;
  timeZone: string;
}

const toVisibilityCase = (row: CaseRow) => ({
  createdBy: row.created_by,
  status: row.status,
  createdAt: row.created_at,
  assignedAttorneyId: row.assigned_attorney_id,
  // A row read without it (not by visibleRow) counts as held: the narrower view.
  attorneyHeld: row.attorney_held !== false,
});
