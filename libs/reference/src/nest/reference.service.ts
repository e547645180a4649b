import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { Page, countMatches } from '@amparo/common';
import { parse287gCsv } from '../domain/agreements-287g';
import { countyKey } from '../domain/county-name';
import {
  FACILITY_FLAG_RULE_VERSION, correctedCounty, enrichFacilities, inJailEnforcementCounty, isCountyJailEnforcement, isLocalJail, jailEnforcementCounties,
} from '../domain/enrich';
import type { Agreement287g } from '../domain/types';
import { parseFacilitiesCsv } from '../domain/facilities';
import { ReferenceDataError, type RowIssue } from '../domain/errors';
import type { AgreementStatus, FacilityRecord } from '../domain/types';

/**
 * The reference data shipped with the install (`data/` beside package.json), found from this file's place, in the
 * sources or in `dist/`: not from the working directory, which is wherever the service was started from (a start from
 * another directory failed on a missing file after the first admin had been created).
 */
function shippedDataDir(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'data', 'ice-detention-facilities.csv')) && existsSync(join(dir, 'package.json'))) return join(dir, 'data');
  }
  return join(process.cwd(), 'data');
}

const SHIPPED_DATA_DIR = shippedDataDir();
export const DEFAULT_FACILITIES_FILE = join(SHIPPED_DATA_DIR, 'ice-detention-facilities.csv');
export const DEFAULT_287G_FILE = join(SHIPPED_DATA_DIR, 'ice-287g-agreements.csv');

const JAIL_COUNTIES_TTL_MS = 60_000;

/**
 * A reference file's text, which must be UTF-8: one saved in Windows-1252 (Excel's "CSV" rather than "CSV UTF-8")
 * would be imported with its accented letters and curly apostrophes replaced, and no warning.
 */
function readUtf8(file: string): string {
  const bytes = readFileSync(file);
  if (!isUtf8(bytes)) {
    throw new ReferenceDataError('REFERENCE_NOT_UTF8', `${file} is not UTF-8 text: save it as UTF-8 (in Excel, "CSV UTF-8"); nothing imported`);
  }
  return bytes.toString('utf8');
}

/**
 * An import may unlist at most this many facilities, or this share of the listed ones when that is fewer, unless told
 * (acceptUnlisting): a file lacking 60 of 1,532 (an older one, or one cut short) took them away.
 */
const UNLISTING_FLOOR = 10;
const UNLISTING_SHARE = 0.05;

/** A county agency's participating Jail Enforcement Model agreement with a county to match: its key, else null. */
function jailEnforcementKey(agreement: Agreement287g): string | null {
  const key = countyKey(agreement.county, agreement.state);
  return key !== '' && isCountyJailEnforcement(agreement) ? key : null;
}

export interface FacilityView {
  code: string;
  name: string;
  city: string | null;
  county: string | null;
  state: string | null;
  timeZone: string;
  type: string;
  jail287g: boolean;
  /** In the latest facilities file imported: one dropped from it stays for the cases placed there, not to be chosen anew. */
  listed: boolean;
}

/** A facility the reference data now places in another zone than before. */
export interface FacilityRezoning {
  code: string;
  before: string;
  zone: string;
}

/** What an import changed that records placed by the reference data depend on. */
export interface ReferenceChanges {
  /** `STATE:COUNTY_KEY` of the counties whose county-jail 287(g) agreement began or ended. */
  countyPairs: string[];
  /** Facilities whose 287(g) flag changed. */
  flippedFacilities: string[];
  /** Facilities placed in another time zone. */
  rezoned: FacilityRezoning[];
  /** Facilities placed in another state or county (a corrected row), with where they are now. */
  replaced: FacilityPlace[];
}

export interface FacilityPlace {
  code: string;
  state: string | null;
  county: string | null;
}

/**
 * Applies an import's changes to what depends on the reference data (the cases placed by it), inside the import's
 * transaction: both commit, or neither. Registered by the library that owns those records (the cases).
 */
export type ReferenceChangeListener = (tx: EntityManager, changes: ReferenceChanges) => Promise<{ rezonedCases: number }>;

export interface ImportReport {
  /** Rows of the facilities file imported; without one (agreements only), the stored facilities flagged again. */
  facilities: number;
  agreements: number;
  /** Of those `facilities`, how many a county-jail 287(g) agreement covers. */
  jail287g: number;
  /** Facilities of earlier files that this one no longer lists. */
  unlisted: number;
  /**
   * Open cases held, now or before a transfer, at a facility this file places in another time zone, and those held at
   * one it places in another state or county (moved there): due for a recompute.
   */
  rezonedCases: number;
  errors: RowIssue[];
  /** Rows left out (each may have several `errors`). */
  rejectedRows: number;
  /** Rows imported with a value set aside (an unreadable date, say): how many, and which (line, column, why). */
  warnings: number;
  warningRows: (RowIssue & { file: 'facilities' | 'agreements' })[];
}

/** A stored facility, as far as its 287(g) flag goes. */
interface StoredFacility {
  code: string;
  city: string | null;
  jail_287g: boolean;
  time_zone: string;
  county: string | null;
  state: string | null;
  type: string;
  type_detailed: string | null;
  name: string;
}

/** A stored facility's 287(g) flag under the counties `jemCounties`, by this release's rule. */
function storedFlag(f: StoredFacility, jemCounties: ReadonlySet<string>): boolean {
  const county = correctedCounty({ code: f.code, county: f.county });
  return isLocalJail({ code: f.code, type: f.type, name: f.name, typeDetailed: f.type_detailed, county, city: f.city })
    && inJailEnforcementCounty({ state: f.state, county }, jemCounties);
}

interface FacilityRow {
  code: string;
  name: string;
  city: string | null;
  county: string | null;
  state: string | null;
  time_zone: string;
  type: string;
  jail_287g: boolean;
  listed: boolean;
}

const toView = (r: FacilityRow): FacilityView => ({
  code: r.code,
  name: r.name,
  city: r.city,
  county: r.county,
  state: r.state,
  timeZone: r.time_zone,
  type: r.type,
  jail287g: r.jail_287g,
  listed: r.listed,
});

@Injectable()
export class ReferenceService implements OnApplicationBootstrap {
  private readonly logger = new Logger('ReferenceData');

  private readonly jailCounties = new Map<string, { keys: Set<string>; at: number }>();

  private readonly listeners: ReferenceChangeListener[] = [];

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Called with every import's changes, in its transaction (see ReferenceChangeListener). */
  onChanges(listener: ReferenceChangeListener): void {
    this.listeners.push(listener);
  }

  /** The shipped snapshot is loaded on first start; `npm run cli -- import-reference` refreshes it. */
  async onApplicationBootstrap(): Promise<void> {
    const [{ count }] = await this.db.query('SELECT count(*)::int AS count FROM facilities');
    if (count > 0) {
      await this.fillAgreementKeys();
      return this.reflagIfRuleChanged();
    }
    const report = await this.importFiles(DEFAULT_FACILITIES_FILE, DEFAULT_287G_FILE);
    this.logger.log(`Loaded ${report.facilities} facilities and ${report.agreements} 287(g) agreements (${report.warnings} rows with a value set aside)`);
  }

  /**
   * The stored facilities' 287(g) flags, derived again when this release's rule (FACILITY_FLAG_RULE_VERSION) gives
   * others: flags of a database from before the rule was versioned (2026-11-27, when a city jail or a private ICE
   * centre in a county with a Jail Enforcement Model agreement was flagged), or written since by an older release's
   * import. As an import of no file would: the open cases at a facility whose flag changed are marked for the urgency
   * review. Flags a newer release derived (a higher version recorded) are left as they are.
   */
  private async reflagIfRuleChanged(): Promise<void> {
    const version = await this.storedRuleVersion(this.db.manager);
    if (version > FACILITY_FLAG_RULE_VERSION) return;
    const stored: StoredFacility[] = await this.db.query(`SELECT code, jail_287g, time_zone, county, state, city, type, type_detailed, name FROM facilities`);
    const jemCounties = jailEnforcementCounties(await this.storedAgreements(this.db.manager));
    if (version === FACILITY_FLAG_RULE_VERSION && stored.every((f) => storedFlag(f, jemCounties) === f.jail_287g)) return;
    const report = await this.importFiles(null, null, { storedOnly: true });
    if (report.facilities > 0) this.logger.log(`Derived the facilities' 287(g) flags again under rule ${FACILITY_FLAG_RULE_VERSION}: ${report.jail287g} flagged`);
  }

  private async storedRuleVersion(manager: EntityManager): Promise<number> {
    const [row] = await manager.query(`SELECT version FROM reference_rules WHERE name = 'facility_jail_flag'`);
    return row?.version ?? 0;
  }

  /** Agreements imported before they had matching keys (migration 1764001600000): their keys, once. */
  private async fillAgreementKeys(): Promise<void> {
    const rows: { id: number; state: string; agency: string; agency_type: string; county: string | null; support_type: string; status: string }[] =
      await this.db.query(`SELECT id, state, agency, agency_type, county, support_type, status FROM agreements_287g WHERE county_key IS NULL`);
    if (rows.length === 0) return;
    const agreements = rows.map((r) => ({
      state: r.state, agency: r.agency, agencyType: r.agency_type, county: r.county, supportType: r.support_type,
      status: r.status as AgreementStatus, signed: null,
    }));
    await this.db.query(
      `UPDATE agreements_287g a SET county_key = k.key, jail_enforcement = k.jem
         FROM unnest($1::int[], $2::text[], $3::boolean[]) AS k(id, key, jem) WHERE a.id = k.id`,
      [rows.map((r) => r.id), agreements.map((a) => countyKey(a.county, a.state)), agreements.map((a) => jailEnforcementKey(a) !== null)],
    );
  }

  /**
   * Replaces the agreements and upserts the facilities in one transaction: a file that fails to parse leaves the current
   * data in place, and so does one with rejected rows (a stray comma in a header rejects every row, which would empty
   * the agreements and clear every facility's 287(g) flag) unless `acceptRejectedRows` says to import the rest.
   * A file with no usable row at all is always refused. With no facilities file (`null`), the stored facilities stay
   * as they are (listed, unlisted, zones) and only their 287(g) flags are derived again from the new agreements.
   */
  async importFiles(
    facilitiesFile: string | null,
    agreementsFile: string | null,
    options: { acceptRejectedRows?: boolean; acceptUnlisting?: boolean; storedOnly?: boolean } = {},
  ): Promise<ImportReport> {
    // `storedOnly`: no file, the stored facilities flagged again under the stored agreements (a rule changed).
    if (facilitiesFile === null && agreementsFile === null && !options.storedOnly) throw new ReferenceDataError('REFERENCE_EMPTY_FILE', 'no file to import');
    const facilities = facilitiesFile === null ? null : parseFacilitiesCsv(readUtf8(facilitiesFile), facilitiesFile);
    // No 287(g) file: the stored agreements stay, and the facilities are flagged under them (a newer facilities file
    // alone must not bring back the shipped agreements, older than those imported since).
    // (read under the import's lock, below).
    const agreements = agreementsFile === null ? { records: [] as Agreement287g[], errors: [], warnings: [] } : parse287gCsv(readUtf8(agreementsFile), agreementsFile);
    const rejected = [...(facilities?.errors ?? []), ...agreements.errors];
    // A row may have several problems (a bad state and an empty field): the rows are counted, each file's apart.
    const rejectedRows = new Set((facilities?.errors ?? []).map((e) => e.line)).size + new Set(agreements.errors.map((e) => e.line)).size;
    if (facilities?.records.length === 0 || (agreementsFile !== null && agreements.records.length === 0)) {
      throw new ReferenceDataError('REFERENCE_EMPTY_FILE', `no usable row in ${facilities?.records.length === 0 ? facilitiesFile : agreementsFile}: nothing imported`);
    }
    if (rejected.length > 0 && !options.acceptRejectedRows) {
      const first = rejected.slice(0, 5).map((e) => `line ${e.line}: ${e.code}${e.column ? ` (${e.column})` : ''}`).join('; ');
      throw new ReferenceDataError(
        'REFERENCE_ROWS_REJECTED',
        `${rejectedRows} row(s) rejected, nothing imported (${first}${rejected.length > 5 ? '; ...' : ''}). Fix the file, or import the other rows with --accept-rejected-rows`,
      );
    }
    const report = { facilities: 0, jail287g: 0, unlisted: 0, rezonedCases: 0 };
    await this.db.transaction(async (tx) => {
      await tx.query('LOCK TABLE facilities, agreements_287g IN EXCLUSIVE MODE');
      // A newer release's start or import may have derived the flags while this one waited for the lock.
      if (options.storedOnly && (await this.storedRuleVersion(tx)) > FACILITY_FLAG_RULE_VERSION) return;
      if (agreementsFile === null) agreements.records = await this.storedAgreements(tx);
      const pairs = async () =>
        new Set(((await tx.query(`SELECT DISTINCT state || ':' || county_key AS pair FROM agreements_287g WHERE jail_enforcement`)) as { pair: string }[]).map((r) => r.pair));
      const known = new Map<string, StoredFacility>(
        ((await tx.query(`SELECT code, jail_287g, time_zone, county, state, city, type, type_detailed, name FROM facilities`)) as StoredFacility[]).map((r) => [r.code, r]),
      );
      const before = await pairs();
      if (agreementsFile !== null) await tx.query('DELETE FROM agreements_287g');
      for (let i = 0; agreementsFile !== null && i < agreements.records.length; i += 500) {
        const chunk = agreements.records.slice(i, i + 500);
        await tx.query(
          `INSERT INTO agreements_287g (state, agency, agency_type, county, support_type, status, signed, county_key, jail_enforcement)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::date[], $8::text[], $9::boolean[])`,
          [
            chunk.map((a) => a.state),
            chunk.map((a) => a.agency),
            chunk.map((a) => a.agencyType),
            chunk.map((a) => a.county),
            chunk.map((a) => a.supportType),
            chunk.map((a) => a.status),
            chunk.map((a) => a.signed),
            chunk.map((a) => countyKey(a.county, a.state)),
            chunk.map((a) => jailEnforcementKey(a) !== null),
          ],
        );
      }
      // Each facility's code and 287(g) flag as this import leaves it, and those it places in another zone. A stored
      // facility the file does not have (unlisted, or no file) is flagged again under the new agreements too: it stays
      // for the cases placed there.
      const jemCounties = jailEnforcementCounties(agreements.records);
      const flagStored = async (codes: string[]) => {
        const stored = codes.map((code) => {
          const f = known.get(code)!;
          return { code, jail287g: storedFlag(f, jemCounties) };
        });
        await tx.query(
          `UPDATE facilities f SET jail_287g = k.flag FROM unnest($1::text[], $2::boolean[]) AS k(code, flag)
            WHERE f.code = k.code AND f.jail_287g IS DISTINCT FROM k.flag`,
          [stored.map((f) => f.code), stored.map((f) => f.jail287g)],
        );
        return stored;
      };
      let flags: { code: string; jail287g: boolean }[];
      let rezoned: FacilityRezoning[] = [];
      let replaced: FacilityPlace[] = [];
      if (facilities) {
        const records = enrichFacilities(facilities.records, agreements.records);
        for (let i = 0; i < records.length; i += 500) await this.upsertFacilities(tx, records.slice(i, i + 500));
        // What the file no longer lists (closed, renamed) stays for the cases placed there, but is not offered anew. Not
        // when some of its rows were rejected (a rejected row's facility is still in the file), and not for more than a
        // few facilities unless told: an older file imported by mistake would otherwise take newer facilities away.
        if (facilities.errors.length === 0) report.unlisted = await this.unlistMissing(tx, records, options.acceptUnlisting);
        rezoned = records
          .filter((r) => known.has(r.code) && known.get(r.code)!.time_zone !== r.timeZone)
          .map((r) => ({ code: r.code, before: known.get(r.code)!.time_zone, zone: r.timeZone }));
        replaced = records
          .filter((r) => known.has(r.code) && (known.get(r.code)!.state !== r.state || known.get(r.code)!.county !== r.county))
          .map((r) => ({ code: r.code, state: r.state, county: r.county }));
        const inFile = new Set(records.map((r) => r.code));
        flags = [...records, ...(await flagStored([...known.keys()].filter((code) => !inFile.has(code))))];
        report.facilities = records.length;
        report.jail287g = records.filter((r) => r.jail287g).length;
      } else {
        flags = await flagStored([...known.keys()]);
        report.facilities = flags.length;
        report.jail287g = flags.filter((f) => f.jail287g).length;
      }
      const after = await pairs();
      const changes: ReferenceChanges = {
        countyPairs: [...before].filter((p) => !after.has(p)).concat([...after].filter((p) => !before.has(p))),
        flippedFacilities: flags.filter((f) => known.has(f.code) && known.get(f.code)!.jail_287g !== f.jail287g).map((f) => f.code),
        rezoned,
        replaced,
      };
      for (const listener of this.listeners) report.rezonedCases += (await listener(tx, changes)).rezonedCases;
      // Every import derives the flags under this release's rule: recorded, so that a start of a newer one derives them again.
      await tx.query(
        `INSERT INTO reference_rules (name, version) VALUES ('facility_jail_flag', $1) ON CONFLICT (name) DO UPDATE SET version = EXCLUDED.version`,
        [FACILITY_FLAG_RULE_VERSION],
      );
      // The first load (an empty database, as in a test's template) concerns no case; any later one does.
      if (this.listeners.length === 0 && known.size > 0) {
        this.logger.warn('Reference data imported with no listener for its changes: no case was marked for review or moved');
      }
    });
    this.jailCounties.clear();
    return {
      ...report,
      agreements: agreements.records.length,
      errors: rejected,
      rejectedRows,
      warnings: (facilities?.warnings.length ?? 0) + agreements.warnings.length,
      warningRows: [
        ...(facilities?.warnings ?? []).map((w) => ({ file: 'facilities' as const, ...w })),
        ...agreements.warnings.map((w) => ({ file: 'agreements' as const, ...w })),
      ],
    };
  }

  private storedAgreements(tx: EntityManager): Promise<Agreement287g[]> {
    return tx.query(
      `SELECT state, agency, agency_type AS "agencyType", county, support_type AS "supportType", status,
              to_char(signed, 'YYYY-MM-DD') AS signed
         FROM agreements_287g ORDER BY id`,
    );
  }

  /**
   * Whether a county's jail works with ICE under a participating 287(g) Jail Enforcement Model agreement of a county
   * agency, for a local jail given by state and county (no ICE facility code), as an intake is opened (in memory, before
   * it writes). Read per state from the agreements and kept a minute (an import in this process clears it; an import
   * by the CLI is seen within the minute, and marks the open cases it concerns for the urgency review, which reads the
   * agreements themselves).
   */
  async isJailEnforcementCounty(state: string | null, county: string | null, manager: EntityManager = this.db.manager): Promise<boolean> {
    if (!state || !county) return false;
    const code = state.toUpperCase();
    let cached = this.jailCounties.get(code);
    if (!cached || cached.at < Date.now() - JAIL_COUNTIES_TTL_MS) {
      const rows: { county_key: string }[] = await manager.query(
        `SELECT DISTINCT county_key FROM agreements_287g WHERE state = $1 AND jail_enforcement`,
        [code],
      );
      cached = { keys: new Set(rows.map((r) => r.county_key)), at: Date.now() };
      this.jailCounties.set(code, cached);
    }
    return cached.keys.has(countyKey(county, code));
  }

  /** By code; pass the transaction's manager when calling inside one (a second pool connection must not be needed). */
  async find(code: string, manager: EntityManager = this.db.manager): Promise<FacilityView | null> {
    const rows: FacilityRow[] = await manager.query('SELECT * FROM facilities WHERE code = $1', [code.toUpperCase()]);
    return rows[0] ? toView(rows[0]) : null;
  }

  /** Listed facilities only: the list is for choosing one (`find` still knows a dropped one, for the cases placed there). */
  async search(filter: { q?: string; state?: string }, page: number, limit: number): Promise<Page<FacilityView>> {
    const where: string[] = ['listed'];
    const params: unknown[] = [];
    if (filter.state) where.push(`state = $${params.push(filter.state.toUpperCase())}`);
    if (filter.q) {
      // As a phone keyboard types it: a curly apostrophe (Byrd’s), two spaces, accents (Doña Ana, Cañon City: the ICE
      // file writes its names without; a name written with them is found as typed too); compared the same way.
      const spaced = filter.q.toLowerCase().replace(/[‘’ʼ´`]/g, "'").replace(/\s+/g, ' ');
      const typed = [...new Set([spaced.normalize('NFKD').replace(/\p{M}/gu, ''), spaced])];
      const plain = (column: string) => `translate(regexp_replace(lower(${column}), '\\s+', ' ', 'g'), '‘’ʼ´\`', repeat('''', 5))`;
      // Its county too: a volunteer may know the county, not the facility's name or town.
      where.push(`(${typed.map((text) => {
        const pattern = `$${params.push(`%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)}`;
        return `${plain('name')} LIKE ${pattern} OR lower(code) LIKE ${pattern} OR ${plain('city')} LIKE ${pattern} OR ${plain('county')} LIKE ${pattern}`;
      }).join(' OR ')})`);
    }
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const counted = await countMatches(this.db, `facilities ${clause}`, params, page, limit);
    const rows: FacilityRow[] = await this.db.query(
      `SELECT * FROM facilities ${clause} ORDER BY state NULLS LAST, name, code LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, (page - 1) * limit],
    );
    return { items: rows.map(toView), page, limit, ...counted };
  }

  /** Unlists the listed facilities `records` lacks (refused beyond the threshold unless accepted); returns how many. */
  private async unlistMissing(tx: EntityManager, records: FacilityRecord[], acceptUnlisting = false): Promise<number> {
    const codes = records.map((r) => r.code);
    const [{ listed, dropping }]: { listed: number; dropping: number }[] = await tx.query(
      `SELECT count(*)::int AS listed, count(*) FILTER (WHERE NOT (code = ANY($1)))::int AS dropping FROM facilities WHERE listed`,
      [codes],
    );
    if (dropping > Math.min(UNLISTING_FLOOR, listed * UNLISTING_SHARE) && !acceptUnlisting) {
      throw new ReferenceDataError(
        'REFERENCE_UNLISTING',
        `the facilities file lacks ${dropping} of the ${listed} listed facilities, which would no longer be offered for intakes and transfers; nothing imported. Check that it is the newest file, or import it with --accept-unlisting`,
      );
    }
    const [{ n }]: { n: number }[] = await tx.query(
      `WITH dropped AS (UPDATE facilities SET listed = false WHERE listed AND NOT (code = ANY($1)) RETURNING 1) SELECT count(*)::int AS n FROM dropped`,
      [codes],
    );
    return n;
  }

  private async upsertFacilities(tx: { query(sql: string, params?: unknown[]): Promise<unknown> }, rows: FacilityRecord[]): Promise<void> {
    await tx.query(
      `INSERT INTO facilities (code, name, address, city, county, state, zip, aor, type, type_detailed, capacity,
                               first_used, last_used, over_72, time_zone, jail_287g, imported_at)
       SELECT *, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::int[], $12::date[], $13::date[], $14::bool[],
                            $15::text[], $16::bool[])
       ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, city = EXCLUDED.city,
         county = EXCLUDED.county, state = EXCLUDED.state, zip = EXCLUDED.zip, aor = EXCLUDED.aor, type = EXCLUDED.type,
         type_detailed = EXCLUDED.type_detailed, capacity = EXCLUDED.capacity, first_used = EXCLUDED.first_used,
         last_used = EXCLUDED.last_used, over_72 = EXCLUDED.over_72, time_zone = EXCLUDED.time_zone,
         rezoned_at = CASE WHEN (facilities.time_zone, facilities.state, facilities.county) IS DISTINCT FROM (EXCLUDED.time_zone, EXCLUDED.state, EXCLUDED.county)
                           THEN now() ELSE facilities.rezoned_at END,
         rezoned_from = CASE WHEN (facilities.time_zone, facilities.state, facilities.county) IS DISTINCT FROM (EXCLUDED.time_zone, EXCLUDED.state, EXCLUDED.county)
                             THEN facilities.time_zone ELSE facilities.rezoned_from END,
         jail_287g = EXCLUDED.jail_287g, listed = true, imported_at = now()`,
      [
        rows.map((r) => r.code), rows.map((r) => r.name), rows.map((r) => r.address), rows.map((r) => r.city),
        rows.map((r) => r.county), rows.map((r) => r.state), rows.map((r) => r.zip), rows.map((r) => r.aor),
        rows.map((r) => r.type), rows.map((r) => r.typeDetailed), rows.map((r) => r.capacity),
        rows.map((r) => r.firstUsed), rows.map((r) => r.lastUsed), rows.map((r) => r.over72),
        rows.map((r) => r.timeZone), rows.map((r) => r.jail287g),
      ],
    );
  }
}
