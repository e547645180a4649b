import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * countyKey now reads a county typed the way people write where someone is held: "Galveston County, TX", "County of
 * Galveston", "Galveston County Jail", "City of Hopewell". The keys of open cases placed by state and county are
 * emptied, and the application fills them again at start (CountyKeyBackfill), marking for the urgency review a county
 * jail case whose new key meets a 287(g) Jail Enforcement Model agreement. Keys of agreements and facilities come from
 * the shipped files, whose counties read the same under the new rule.
 */
export class CountyKeysRecomputed1764003500000 implements MigrationInterface {
  name = 'CountyKeysRecomputed1764003500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET county_key = NULL
        WHERE county_key IS NOT NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
          AND status NOT IN ('closed', 'purged')`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: the keys are filled again under whichever rule the application has.
  }
}
