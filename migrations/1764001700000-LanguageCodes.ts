import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Language codes are stored as ISO 639-3 codes in lower case from now on (an ISO 639-2 form such as `fre` is read as
 * `fra`, and `esp`, which is none, as meant: `spa`). Routing matches them exactly, so the codes stored before are
 * rewritten the same way: an attorney's `fre` would otherwise no longer match a client's `fra`. Duplicates a rewrite
 * makes in a profile's list are dropped; the list keeps its order.
 */
// A copy of the application's map (libs/common, normalizeLanguageCode) as of this migration: a migration must keep
// doing what it did when it was released, whatever the application's code becomes.
const MAP: Record<string, string> = {
  alb: 'sqi', arm: 'hye', baq: 'eus', bur: 'mya', chi: 'zho', cze: 'ces', dut: 'nld', fre: 'fra', geo: 'kat', ger: 'deu',
  gre: 'ell', ice: 'isl', mac: 'mkd', mao: 'mri', may: 'msa', per: 'fas', rum: 'ron', slo: 'slk', tib: 'bod', wel: 'cym',
  esp: 'spa',
};

export class LanguageCodes1764001700000 implements MigrationInterface {
  name = 'LanguageCodes1764001700000';

  async up(q: QueryRunner): Promise<void> {
    const from = Object.keys(MAP);
    const to = Object.values(MAP);
    await q.query(
      `UPDATE cases c SET preferred_language = m.t FROM unnest($1::text[], $2::text[]) AS m(f, t) WHERE c.preferred_language = m.f`,
      [from, to],
    );
    await q.query(
      `UPDATE attorney_profiles p SET languages = ARRAY(
         SELECT code FROM (
           SELECT DISTINCT ON (code) code, ord FROM (
             SELECT COALESCE(m.t, l.code) AS code, l.ord FROM unnest(p.languages) WITH ORDINALITY AS l(code, ord)
               LEFT JOIN unnest($1::text[], $2::text[]) AS m(f, t) ON m.f = l.code
           ) x ORDER BY code, ord
         ) y ORDER BY ord)
        WHERE p.languages && $1::text[]`,
      [from, to],
    );
  }

  async down(): Promise<void> {
    // The old spellings are not kept: nothing to restore.
  }
}
