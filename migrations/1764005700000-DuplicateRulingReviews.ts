import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule set 2026.10 (in force from 2026-11-27, Eastern) counts a ruling on a motion, or a change of address, entered
 * twice on one day as one: 2026.9 gave each entry a deadline, due at the same time, and the one left open beside a
 * filed twin was swept missed. The open cases where that can change an answer (two such events or more recorded) are
 * due for the urgency review now, which recomputes them under 2026.10: the twin goes, and a filing recorded on either
 * entry stays. A review already overdue keeps its place.
 */
export class DuplicateRulingReviews1764005700000 implements MigrationInterface {
  name = 'DuplicateRulingReviews1764005700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases c SET urgency_review_at = LEAST(COALESCE(c.urgency_review_at, 'infinity'), now())
        WHERE c.status NOT IN ('closed', 'purged')
          AND c.id IN (SELECT e.case_id FROM case_events e
                        WHERE e.type IN ('motion_decided', 'address_changed') AND e.retracted_at IS NULL
                        GROUP BY e.case_id, e.type HAVING count(*) > 1)`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
