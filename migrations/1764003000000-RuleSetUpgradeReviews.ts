import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A rule set that changes an answer is in force for every computation after its effective date, but a case is only
 * computed again when something happens to it or its review time comes, which can be days later. The open cases with
 * an open deadline computed by an earlier rule set, of a rule a later one changed, are due for the urgency review now:
 * - 2026.2 (from 2026-11-25): `detainer_hold` (a corrected, earlier release-eligible time wins; over once no jail
 *   may hold the person), `bond_hearing` (ended by a bond decision), `daca_renewal` (a corrected expiry date wins);
 * - 2026.3 (from 2026-11-26): `petition_for_review` (ends at the circuit clerk's midnight).
 * The review recomputes under the rule set in force; what it then gives differently (another trigger, another zone)
 * replaces the stored deadline (docs/deadlines.md, "Adding or changing a rule").
 */
export class RuleSetUpgradeReviews1764003000000 implements MigrationInterface {
  name = 'RuleSetUpgradeReviews1764003000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET urgency_review_at = now()
        WHERE status NOT IN ('closed', 'purged')
          AND id IN (SELECT case_id FROM deadlines
                      WHERE status = 'open' AND superseded_at IS NULL
                        AND ((rule_version = '2026.1' AND rule IN ('detainer_hold', 'bond_hearing', 'daca_renewal'))
                             OR (rule_version IN ('2026.1', '2026.2') AND rule = 'petition_for_review')))`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a review recomputes under whichever rule set is in force.
  }
}
