import { HttpStatus, Injectable, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AuditService, AuditedRefusal } from '@amparo/audit';
import type { Principal } from '@amparo/auth';
import { Clock, DomainError, conflict, entityTags, invalid, notFound } from '@amparo/common';
import { CaseTimelineService, DeadlineRow, DeadlineView, toDeadlineView } from './case-timeline.service';
import { missedGraceHours } from '../domain/rule-set';

export interface BoardFilter {
  status?: string;
  dueBefore?: string;
  level?: string;
  /** A cursor the previous page answered (`next`): the rows after its last one. */
  after?: string;
  page: number;
  limit: number;
}

/**
 * The board's cursor: where a row stands in its order (due time to the microsecond, then id), opaque to clients.
 * Reading on from it, a row marked met on the page before (or swept missed) does not shift the next page by one, as a
 * page number does: none is skipped, none repeated.
 */
export const boardCursor = (dueAt: string, id: string) => Buffer.from(`${dueAt}|${id}`).toString('base64url');
const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The position a cursor holds, or null when it is not one the board answered. */
export function readBoardCursor(cursor: string): { dueAt: string; id: string } | null {
  if (!/^[A-Za-z0-9_-]{1,120}$/.test(cursor)) return null;
  const match = CURSOR.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!match) return null;
  // A real instant, as the board wrote it (Date.parse takes 30 February; PostgreSQL does not).
  const at = new Date(match[1]);
  const year = at.getUTCFullYear();
  return year >= 1900 && year <= 2300 && at.toISOString().slice(0, 23) === match[1].slice(0, 23) ? { dueAt: match[1], id: match[2] } : null;
}

export type BoardItem = DeadlineView & { caseUrgency: string };

const tokenHash = (token: string) => createHash('sha256').update(token).digest();

export interface BoardPage {
  items: BoardItem[];
  page: number;
  limit: number;
  hasMore: boolean;
  /** With hasMore: the cursor to read on from (`after`). */
  next: string | null;
}

/** Which cases' deadlines a role sees: coordinators the organization's, attorneys their assigned cases'. */
function scope(actor: Principal, params: unknown[]): string {
  const clauses = [`d.organization_id = $${params.push(actor.organizationId)}`, 'd.superseded_at IS NULL', `c.status <> 'purged'`];
  if (actor.role === 'attorney') clauses.push(`c.assigned_attorney_id = $${params.push(actor.userId)} AND c.status IN ('assigned', 'closed')`);
  return clauses.join(' AND ');
}


/** Deadlines a calendar feed holds at most (calendar apps time out on larger feeds): those due soonest. */
export const FEED_LIMIT = 2000;

/**
 * How far back a missed deadline's due time may be for its outer limit to be ahead: a detainer hold's limit is 48 hours
 * excluding weekends and holidays after its due time, days at most (14 is more than any run of them).
 */
const OUTER_LIMIT_LOOKBACK_MS = 14 * 86_400_000;

/**
 * A deadline's version (its ETag, for If-Match on a mark): when its status last changed (`statusChangedAt`, as stored
 * or as a view shows it), or `never`. A deadline opened again by a correction reads `never` again, as before any mark.
 */
export function deadlineVersion(statusChangedAt: Date | string | null | undefined): string {
  if (statusChangedAt instanceof Date) return statusChangedAt.toISOString();
  return statusChangedAt ?? 'never';
}

@Injectable()
export class DeadlinesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly timeline: CaseTimelineService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async board(actor: Principal, filter: BoardFilter): Promise<BoardPage> {
    const params: unknown[] = [];
    const where = [scope(actor, params)];
    if (filter.dueBefore) where.push(`d.due_at < $${params.push(filter.dueBefore)}`);
    if (filter.level) where.push(`c.urgency_level = $${params.push(filter.level)}`);
    if (filter.after !== undefined) {
      const after = readBoardCursor(filter.after);
      if (!after) throw invalid('after', 'after must be the `next` cursor of a board page, as it was answered');
      if (filter.page !== 1) throw invalid('page', 'page cannot be given with after: the cursor says where the page starts');
      where.push(`(d.due_at, d.id) > ($${params.push(after.dueAt)}::timestamptz, $${params.push(after.id)}::uuid)`);
    }
    const clause = where.join(' AND ');
    const select = `SELECT d.*, c.reference, c.urgency_level, to_char(d.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
         FROM deadlines d JOIN cases c ON c.id = d.case_id`;
    // The board is of open deadlines unless the caller asks for another status, or `all`. A closed case's deadlines are
    // no longer followed: they are not open work (status=all still lists them); marked on the deadline itself, so the
    // open board reads an index of followed open deadlines (deadlines_open_board_idx). The open board also holds a
    // missed detainer hold while its outer limit (8 CFR 287.7(d)) is ahead and a jail may still hold the person for
    // ICE, as the calendar feed does: by its due time, before what is still to come (it dropped off the board at its
    // 48 hours, for the days it could still be acted on). Each part is read by its own index and ordered, then both.
    const status = filter.status ?? 'open';
    const now = status === 'open' ? params.push(this.clock.now()) : 0;
    const since = status === 'open' ? params.push(new Date(this.clock.now().getTime() - OUTER_LIMIT_LOOKBACK_MS)) : 0;
    const organization = status === 'open' ? params.push(actor.organizationId) : 0;
    const statusParam = status === 'open' || status === 'all' ? 0 : params.push(status);
    const [limit, offset] = [params.push(filter.limit + 1), params.push((filter.page - 1) * filter.limit)];
    const page = `LIMIT $${limit} OFFSET $${offset}`;
    const enough = `LIMIT $${limit}::bigint + $${offset}::bigint`;
    // The missed holds whose outer limit is ahead are found by that limit (deadlines_missed_hold_limit_idx, an
    // index-only scan), their cases checked, and only those left read whole and ordered. The subquery is kept apart
    // (OFFSET 0): merged into the ordered, limited read, the planner walked an index in due order instead, reading every
    // missed deadline of the lookback from the table to find the few with a limit ahead.
    const sql = status === 'open'
      ? `SELECT * FROM (
           (${select} WHERE ${clause} AND d.status = 'open' AND NOT d.case_closed ORDER BY d.due_at, d.id ${enough})
           UNION ALL
           (SELECT d.*, c.reference, c.urgency_level, to_char(d.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS position
              FROM (SELECT h.id, h.case_id FROM deadlines h
                     WHERE h.organization_id = $${organization} AND h.status = 'missed' AND h.outer_limit_at > $${now} AND h.due_at > $${since}
                       AND h.superseded_at IS NULL AND NOT h.case_closed OFFSET 0) held
              JOIN cases c ON c.id = held.case_id JOIN deadlines d ON d.id = held.id
             WHERE ${clause} AND c.custody_status IN ('local_jail', 'unknown') AND c.detainer_lodged ORDER BY d.due_at, d.id ${enough})
         ) board ORDER BY due_at, id ${page}`
      : `${select} WHERE ${clause}${statusParam ? ` AND d.status = $${statusParam}` : ''} ORDER BY d.due_at, d.id ${page}`;
    // No count: counting every open deadline of a large organization costs far more than the page. One row past
    // the page says whether there is more.
    type Row = DeadlineRow & { urgency_level: string; position: string };
    // The missed holds are few, but estimated as many: the planner read them in parallel workers, whose start cost
    // more than the whole read (the board's p95 at a million cases went from 10 to 27 ms). Read in this process.
    const rows: Row[] = status !== 'open' ? await this.db.query(sql, params) : await this.db.transaction(async (tx) => {
      await tx.query('SET LOCAL max_parallel_workers_per_gather = 0');
      return tx.query(sql, params);
    });
    const items = rows.slice(0, filter.limit);
    const last = items[items.length - 1];
    const hasMore = rows.length > filter.limit;
    return {
      items: items.map((r) => ({ ...toDeadlineView(r), caseUrgency: r.urgency_level })),
      page: filter.page,
      limit: filter.limit,
      hasMore,
      next: hasMore ? boardCursor(last.position, last.id) : null,
    };
  }

  async updateStatus(actor: Principal, id: string, status: 'open' | 'met' | 'waived' | 'missed', note?: string, ifMatch?: string): Promise<DeadlineView> {
    const versions = entityTags(ifMatch);
    return this.audit.transaction(async (tx) => {
      const params: unknown[] = [];
      const clause = scope(actor, params);
      params.push(id);
      // The case row first, then the deadline: the order of every other path that changes both (events, custody
      // changes, acceptance, the missed sweep), so that none of them waits on this one in the opposite order.
      const [visible] = await tx.query(`SELECT d.case_id FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE ${clause} AND d.id = $${params.length}`, params);
      if (visible) await tx.query(`SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, [visible.case_id]);
      const [row]: (DeadlineRow & { previous: string })[] = visible
        ? await tx.query(
            `SELECT d.*, c.reference FROM deadlines d JOIN cases c ON c.id = d.case_id
              WHERE ${clause} AND d.id = $${params.length} FOR UPDATE OF d`,
            params,
          )
        : [];
      if (!row) {
        // Of any organization: an attempt on another's is audited on that organization's trail (its client's case).
        const [hidden] = await tx.query(
          `SELECT d.case_id, d.organization_id, d.superseded_at IS NOT NULL AS superseded, c.assigned_attorney_id, c.status
             FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE d.id = $1`,
          [id],
        );
        const foreign = hidden && hidden.organization_id !== actor.organizationId;
        const mine = hidden && !foreign && (actor.role !== 'attorney' || (hidden.assigned_attorney_id === actor.userId && ['assigned', 'closed'].includes(hidden.status)));
        // One's own deadline that a changed or retracted trigger replaced: said so, not taken for an attempt on
        // someone else's record.
        if (mine && hidden.superseded && hidden.status !== 'purged') {
          throw conflict('DEADLINE_SUPERSEDED', 'This deadline no longer applies: what started it was changed or retracted');
        }
        if (hidden) {
          // Recorded by AuditService.transaction once this transaction has given its connection back.
          throw new AuditedRefusal(
            {
              organizationId: hidden.organization_id, actorId: actor.userId, actorRole: actor.role, action: 'case.access_denied', caseId: hidden.case_id,
              details: foreign ? { deadlineId: id, fromOrganizationId: actor.organizationId } : { deadlineId: id },
            },
            notFound('Deadline'),
          );
        }
        throw notFound('Deadline');
      }
      // An appointment (a hearing) may be reopened during its grace, while the system itself would still hold it open.
      const graceMs = (missedGraceHours()[row.rule] ?? 0) * 3600_000;
      if (status === 'open' && row.due_at.getTime() + graceMs < this.clock.now().getTime()) {
        throw new DomainError(HttpStatus.CONFLICT, 'DEADLINE_PAST', 'A deadline that has passed cannot be reopened');
      }
      if (status === 'missed' && row.due_at >= this.clock.now()) {
        throw new DomainError(HttpStatus.CONFLICT, 'DEADLINE_NOT_DUE', 'A deadline can be marked missed only once it has passed');
      }
      const view = async () =>
        toDeadlineView((await tx.query(`SELECT d.*, $2::text AS reference FROM deadlines d WHERE d.id = $1`, [id, row.reference]))[0]);
      // The status it has, and no note: nothing to change (a double tap, or a second coordinator marking it too). Not
      // written again: that would take the first mark's note and its author away, for good (the trail keeps neither).
      if (status === row.status && note === undefined) return view();
      // Marked since the caller read it (a second coordinator working from an older board): refused, rather than
      // replacing the first one's mark and note, which the trail does not keep. (A resend of the same mark, with no
      // note, replaces nothing: answered above.)
      if (versions && !versions.includes('*') && !versions.includes(deadlineVersion(row.status_changed_at))) {
        throw new DomainError(HttpStatus.PRECONDITION_FAILED, 'STALE_RECORD',
          'The deadline\'s status changed since you read it: read it again, then send your change against what it holds now');
      }
      await tx.query(
        `UPDATE deadlines SET status = $2, status_note = $3, status_changed_by = $4, status_changed_at = $5 WHERE id = $1`,
        [id, status, note ?? null, actor.userId, this.clock.now()],
      );
      // Marked missed by a person (a filing that did not arrive): the coordinators are told, as when the sweep marks it.
      // Also when they were told of it before, and it was marked met or waived in between: earlier alerts give their keys
      // to new ones, and one still waiting is cancelled (a delivery pass that read the deadline as met could cancel it
      // after this commits, and nobody would be told; the new one it cannot have read).
      if (status === 'missed' && row.status !== 'missed') {
        await tx.query(
          `UPDATE notifications SET dedupe_key = dedupe_key || ':earlier:' || id,
                  cancelled_at = CASE WHEN sent_at IS NULL THEN coalesce(cancelled_at, $2) ELSE cancelled_at END,
                  last_error = CASE WHEN sent_at IS NULL AND cancelled_at IS NULL THEN 'cancelled: a new alert took its place' ELSE last_error END
            WHERE kind = 'deadline.missed' AND dedupe_key LIKE 'missed:' || $1::text || ':%' AND dedupe_key NOT LIKE '%:earlier:%'`,
          [id, this.clock.now()],
        );
        await this.timeline.escalateMissed(tx, actor.organizationId, row.case_id, [{ ...row, status: 'missed' }], this.clock.now());
      }
      await this.timeline.recompute(tx, row.case_id, this.clock.now());
      await this.audit.record(tx, {
        organizationId: actor.organizationId,
        actorId: actor.userId,
        actorRole: actor.role,
        action: 'deadline.update',
        caseId: row.case_id,
        caseReference: row.reference,
        details: { deadlineId: id, rule: row.rule, from: row.status, to: status },
      });
      return view();
    });
  }

  /**
   * Issues (or rotates: the old URL stops working) the caller's calendar token. Only its hash is stored; the issue is
   * audited, never with the token.
   */
  async issueCalendarToken(actor: Principal): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.db.transaction(async (tx) => {
      // The user as the request found them, their row share-locked: a role change or deactivation that committed
      // while the request was on its way has ended their access (and deleted their token), and must not be followed
      // by a fresh token listing what the old role saw. One still to come waits for this, then deletes the token.
      const still = await tx.query(`SELECT 1 FROM users WHERE id = $1 AND role = $2 AND active FOR SHARE`, [actor.userId, actor.role]);
      if (still.length === 0) throw new UnauthorizedException();
      // Nor may a session revoked meanwhile (a password changed or reset: it deleted the token there was) get one. Read
      // after the lock: a change that committed first is seen; one still to come waits, then deletes this token.
      const live = await tx.query(`SELECT 1 FROM auth_sessions WHERE id = $1 AND revoked_at IS NULL`, [actor.sessionId]);
      if (live.length === 0) throw new UnauthorizedException();
      const [{ replaced }] = await tx.query(
        `INSERT INTO calendar_tokens (user_id, token_hash) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()
         RETURNING (xmax <> 0) AS replaced`,
        [actor.userId, tokenHash(token)],
      );
      await this.audit.record(tx, {
        organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'calendar.token_issue',
        details: { replacedPrevious: replaced },
      });
    });
    return token;
  }

  async revokeCalendarToken(actor: Principal): Promise<void> {
    await this.db.transaction(async (tx) => {
      const deleted = await tx.query(`DELETE FROM calendar_tokens WHERE user_id = $1 RETURNING user_id`, [actor.userId]);
      // TypeORM answers a DELETE ... RETURNING with [rows, count].
      const count = Array.isArray(deleted) && typeof deleted[1] === 'number' ? deleted[1] : 0;
      if (count > 0) {
        await this.audit.record(tx, {
          organizationId: actor.organizationId, actorId: actor.userId, actorRole: actor.role, action: 'calendar.token_revoke',
        });
      }
    });
  }

  /**
   * The open deadlines of the token owner's scope, and the missed ones whose outer limit is still ahead (at that limit),
   * the FEED_LIMIT soonest (`more`: there are others), or null for an unknown token or an inactive user.
   */
  async calendarFeed(token: string): Promise<{ deadlines: DeadlineView[]; more: boolean } | null> {
    const [owner] = await this.db.query(
      `SELECT u.id, u.role, u.organization_id FROM calendar_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND u.active AND u.role IN ('coordinator', 'attorney')`,
      [tokenHash(token)],
    );
    if (!owner) return null;
    const actor = { userId: owner.id, role: owner.role, organizationId: owner.organization_id, sessionId: '' } as Principal;
    const params: unknown[] = [];
    const where = scope(actor, params);
    const now = params.push(this.clock.now());
    // Each part ordered and cut on its own, by its index (the organization's open deadlines by due time; its missed
    // ones of the last 14 days, which an outer limit ahead needs): ordered only over their union, every open deadline
    // of the organization was read and sorted on every fetch. A missed hold counts while a jail may still hold the
    // person for ICE (the urgency policy's rule): not once they are released or the detainer is lifted.
    const since = params.push(new Date(this.clock.now().getTime() - OUTER_LIMIT_LOOKBACK_MS));
    const rows: DeadlineRow[] = await this.db.query(
      `SELECT * FROM (
         (SELECT d.*, c.reference, d.due_at AS at FROM deadlines d JOIN cases c ON c.id = d.case_id
           WHERE ${where} AND d.status = 'open' AND NOT d.case_closed ORDER BY d.due_at, d.id LIMIT ${FEED_LIMIT + 1})
         UNION ALL
         (SELECT d.*, c.reference, d.outer_limit_at AS at FROM deadlines d JOIN cases c ON c.id = d.case_id
           WHERE ${where} AND d.status = 'missed' AND d.due_at > $${since} AND d.outer_limit_at > $${now} AND NOT d.case_closed
             AND c.custody_status IN ('local_jail', 'unknown') AND c.detainer_lodged
           ORDER BY d.outer_limit_at, d.id LIMIT ${FEED_LIMIT + 1})
       ) feed ORDER BY at, id LIMIT ${FEED_LIMIT + 1}`,
      params,
    );
    return { deadlines: rows.slice(0, FEED_LIMIT).map(toDeadlineView), more: rows.length > FEED_LIMIT };
  }
}
