import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.12 (in force from 2026-11-27, Eastern) tells the entries of a one-a-day rule apart by the day they
 * count from: at a place whose zone is uncertain, two entries of two days read there as one day's (an EOIR-33 deadline,
 * an appeal, hidden). The open cases where that can change an answer (two entries or more of such a type, one of them
 * read with a day zone of its own) are due for the urgency review now, which recomputes them. So are the open cases with
 * a DACA renewal window open or missed: the window, guidance and not law, makes a case high at most now, and a case
 * graded critical for it stayed so until its next review (a month after a missed window). A review already overdue
 * keeps its place.
 */
export class CountedDayReviews1764006600000 implements MigrationInterface {
  name = 'CountedDayReviews1764006600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND c.id IN (SELECT e.case_id FROM case_events e
                        WHERE e.type IN ('bond_decision', 'motion_decided', 'address_changed') AND e.retracted_at IS NULL
                        GROUP BY e.case_id, e.type HAVING count(*) > 1 AND bool_or(e.data ? 'dayZone')
                       UNION
                       SELECT d.case_id FROM deadlines d
                        WHERE d.rule = 'daca_renewal' AND d.status IN ('open', 'missed') AND d.superseded_at IS NULL)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set and urgency policy are in force.
  }
}
