import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closed cases placed by hand (state and county, no facility): the county re-readings of 1764003500000, 1764006100000
 * and 1764006400000 read the open ones again at start, and left closed ones with the reading of the release that
 * closed them (El Paso County Jail, TX, in Central time; a Tarrant County jail without its 287(g) key). Their keys
 * emptied, a reopen reads the county again, as the start reads an open case's (CasesService.reopen). The start's
 * re-reading passes over closed cases, so nothing runs until then.
 */
export class ClosedCountiesReadAtReopen1764006500000 implements MigrationInterface {
  name = 'ClosedCountiesReadAtReopen1764006500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE cases SET county_key = NULL
        WHERE status = 'closed' AND county_key IS NOT NULL AND county IS NOT NULL AND state IS NOT NULL AND facility_code IS NULL`,
    );
  }

  async down(): Promise<void> {
    // Nothing to undo: a reopen reads the county as this release reads it.
  }
}
