import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cases placed by state and county keep the zone they were given: a county an older release could not read ("El Paso
 * County Jail", "Condado de El Paso", "Knoxville") left them in their state's zone, and nothing moved them when counties
 * were read better (1764003500000 refilled the keys only). countyKey now also reads "Sheriff's Department", "Cty" and
 * letters typed full-width. The keys of the open cases placed by hand are emptied, and the application reads them again
 * at start (CountyKeyBackfill): a case its county now places in another zone moves there, and one now in a county
 * with a 287(g) Jail Enforcement Model agreement is reviewed.
 */
export class CountyZonesReread1764006100000 implements MigrationInterface {
  name = 'CountyZonesReread1764006100000';

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
