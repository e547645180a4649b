import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Open cases placed by hand whose county has full-width letters ("Ｅｌ Ｐａｓｏ", as some Asian-language keyboards type
 * it): releases before 1764006100000 read them as no county, and placed the case by its state alone (El Paso, TX, in
 * Central time). 1764006100000's re-reading took such a county for one typed bare, read the same by every release, and
 * kept the state's zone as if sent by hand. Their keys emptied, the start reads them again (CountyKeyBackfill), now
 * moving them to their county's zone, audited and queued for the review.
 */
export class FullWidthCountiesReread1764006400000 implements MigrationInterface {
  name = 'FullWidthCountiesReread1764006400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET county_key = NULL
        WHERE county ~ '[\uFF01-\uFF5E]' AND county_key IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL
          AND status NOT IN ('closed', 'purged')`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: the keys are read again at start, as this release reads them.
  }
}
