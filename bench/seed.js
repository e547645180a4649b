'use strict';
/**
 * Seeds a large organization quickly, entirely server-side: INSERT ... SELECT over generate_series, in chunks run on
 * two connections (this machine has 2 cores). There is no pg-copy-streams package in the project, so COPY FROM STDIN
 * is not available; generate_series needs no data to cross the wire anyway.
 *
 * Blind indexes: seeded cases get the kinds routing reads (party_name, and adverse_party for 8% of them); the
 * lookup kinds (a_number, phone, name_dob) are left out to keep the load within minutes: no measurement at scale
 * reads them (intake, which does, is measured on its own before the seed).
 *
 * Pseudo-random but reproducible: every "random" choice is hashint8extended(g, salt) of the row number g, so a case's
 * deadlines, referrals and blind indexes can be derived from g without joining back to the cases table.
 *
 * Usage as a script: DATABASE_URL=postgres://.../db node bench/seed.js [cases] (a migrated database whose first
 * organization exists, e.g. one the API has booted on once).
 */
const { randomBytes } = require('node:crypto');
const { join } = require('node:path');
const { Pool } = require('pg');

const R = (salt, v = 'g') => `((hashint8extended(${v}::int8, ${salt}) & 2147483647)::float8 / 2147483648.0)`;

/** CASE over cumulative weights: [[value, weight], ...] picked by the uniform expression `u`. */
function weighted(u, pairs, quote = true) {
  const total = pairs.reduce((s, [, w]) => s + w, 0);
  let acc = 0;
  const whens = pairs.slice(0, -1).map(([v, w]) => {
    acc += w / total;
    return `WHEN ${u} < ${acc.toFixed(6)} THEN ${quote ? `'${v}'` : v}`;
  });
  const last = pairs[pairs.length - 1][0];
  return `(CASE ${whens.join(' ')} ELSE ${quote ? `'${last}'` : last} END)`;
}

/** An array of the values each included with its own probability; `fallback` when none was drawn. */
function subset(saltBase, pairs, fallback, v = 'g') {
  const items = pairs.map(([value, p], i) => `CASE WHEN ${R(saltBase + i, v)} < ${p} THEN '${value}' END`);
  return `coalesce(nullif(array_remove(ARRAY[${items.join(', ')}]::text[], NULL), '{}'), ARRAY['${fallback}']::text[])`;
}

const CASE_STATUS = weighted(R(1), [['new', 3], ['offered', 1], ['assigned', 3], ['unplaced', 1], ['closed', 82], ['purged', 10]]);
const ACTIVE = `(${R(1)} < 0.08)`;
/** Cases with an attorney: every assigned case, and 60% of closed or purged ones (the others closed without one). */
const HAS_ATTORNEY = `((${R(1)} >= 0.04 AND ${R(1)} < 0.07) OR (${R(1)} >= 0.08 AND ${R(5)} < 0.6))`;
const IS_PURGED = `(${R(1)} >= 0.90)`;
const IS_OFFERED = `(${R(1)} >= 0.03 AND ${R(1)} < 0.04)`;
const IS_ASSIGNED = `(${R(1)} >= 0.04 AND ${R(1)} < 0.07)`;

const CASE_LANGUAGE = weighted(R(6), [
  ['spa', 62], ['eng', 7], ['mam', 6], ['quc', 4], ['hat', 4], ['por', 3], ['kjb', 2], ['fra', 2], ['ara', 2], ['rus', 2],
  ['zho', 2], ['hin', 2], ['vie', 1], ['tir', 1],
]);
const AREA_PRIMARY = weighted(R(7), [
  ['detention_bond', 30], ['removal_defense', 25], ['asylum', 20], ['crimmigration', 5], ['u_visa', 5], ['other', 5],
  ['vawa', 4], ['daca', 4], ['t_visa', 2],
]);
const CASE_AREAS = `(CASE WHEN ${R(8)} < 0.4 AND ${AREA_PRIMARY} <> 'removal_defense' THEN ARRAY[${AREA_PRIMARY}, 'removal_defense']
                         ELSE ARRAY[${AREA_PRIMARY}] END)::text[]`;
const CUSTODY = weighted(R(9), [['ice_detention', 62], ['local_jail', 20], ['released', 10], ['not_detained', 6], ['unknown', 2]]);
const URGENCY = `(CASE WHEN ${ACTIVE} THEN ${weighted(R(10), [['critical', 10], ['high', 25], ['normal', 40], ['low', 25]])}
                       ELSE ${weighted(R(10), [['low', 70], ['normal', 25], ['high', 5]])} END)`;
const ORDINAL = (v) => `(1 + floor(${v} * $NF)::int)`;
const ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** 7 characters (the API's are 6), a bijection of g, so seeded references never collide with each other or the API's. */
const REFERENCE = `'AMP-' || ${[0, 1, 2, 3, 4, 5, 6]
  .map((i) => `substr('${ALPHABET}', 1 + ((g * 7919 / ${30 ** i}) % 30)::int, 1)`)
  .join(' || ')}`;

const CASE_ID = (v = 'g') => `md5('bench-case-' || ${v})::uuid`;

async function seed(url, options = {}) {
  const totalCases = options.cases ?? 1_000_000;
  const deadlinesPerCase = options.deadlinesPerCase ?? 3;
  const attorneys = options.attorneys ?? 5000;
  const chunk = options.chunk ?? 50_000;
  const log = options.log ?? ((m) => process.stdout.write(`${m}\n`));
  const sizes = options.ciphertextSizes; // column → bytes, measured from a case the API wrote
  const pool = new Pool({ connectionString: url, max: options.connections ?? 2, idleTimeoutMillis: 0 });
  const timings = {};
  const timed = async (name, fn) => {
    const t0 = Date.now();
    const result = await fn();
    timings[name] = Math.round((Date.now() - t0) / 100) / 10;
    log(`seed: ${name} ${timings[name]} s`);
    return result;
  };
  // Bulk-load settings for these sessions only (idle connections are kept, so the settings stay). FK triggers are
  // skipped where allowed (superuser): the rows are consistent by construction and the checks only slow the load.
  const sessions = await Promise.all(Array.from({ length: options.connections ?? 2 }, () => pool.connect()));
  for (const c of sessions) {
    await c.query(
      `SET synchronous_commit = off; SET maintenance_work_mem = '512MB'; SET work_mem = '64MB';
       DO $$ BEGIN SET session_replication_role = replica; EXCEPTION WHEN insufficient_privilege THEN NULL; END $$`,
    );
    c.release();
  }
  try {
    const [{ id: org }] = (await pool.query(`SELECT id FROM organizations ORDER BY created_at LIMIT 1`)).rows;
    const states = (await pool.query(`SELECT DISTINCT state FROM facilities WHERE state IS NOT NULL ORDER BY state`)).rows.map((r) => r.state);
    const [{ nf }] = (await pool.query(`SELECT count(*)::int AS nf FROM facilities`)).rows;
    const { rows: seedUser } = await pool.query(
      `INSERT INTO users (organization_id, email, name, role, password_hash) VALUES ($1, 'seed-intake@bench.amparo.example', 'Seed intake', 'intake', 'no-login')
       ON CONFLICT DO NOTHING RETURNING id`,
      [org],
    );
    const createdBy = seedUser[0]?.id ?? (await pool.query(`SELECT id FROM users WHERE lower(email) = 'seed-intake@bench.amparo.example'`)).rows[0].id;

    await timed('attorneys', async () => {
      await pool.query(
        `INSERT INTO users (organization_id, email, name, role, password_hash)
         SELECT $1, 'attorney' || n || '@bench.amparo.example', 'Bench Attorney ' || n, 'attorney', 'no-login'
           FROM generate_series(1, $2::int) n`,
        [org, attorneys],
      );
      const STATE = weighted(R(20), [['TX', 20], ['CA', 15], ['FL', 8], ['NY', 8], ['AZ', 6], ['GA', 5], ['LA', 5], ['NJ', 5], ['IL', 4], ['*', 24]])
        .replace(`ELSE '*'`, `ELSE ($2::text[])[1 + floor(${R(21)} * array_length($2::text[], 1))::int]`);
      const SECOND = `($2::text[])[1 + floor(${R(22)} * array_length($2::text[], 1))::int]`;
      await pool.query(
        `INSERT INTO attorney_profiles (user_id, organization_id, bar_states, eoir_registered, languages, practice_areas,
                                        facility_codes, states, max_active_cases, accepting_referrals, unavailable_until,
                                        last_offered_at, updated_at)
         SELECT u.id, $1, ARRAY[x.state], ${R(23)} < 0.7,
                ${subset(100, [['eng', 0.92], ['spa', 0.62], ['por', 0.06], ['fra', 0.05], ['hat', 0.04], ['ara', 0.03], ['mam', 0.02],
                               ['rus', 0.02], ['zho', 0.02], ['quc', 0.015], ['vie', 0.015], ['hin', 0.015], ['kjb', 0.01], ['tir', 0.005]], 'eng')},
                ${subset(200, [['detention_bond', 0.45], ['removal_defense', 0.55], ['asylum', 0.5], ['daca', 0.15], ['u_visa', 0.2],
                               ['t_visa', 0.08], ['vawa', 0.15], ['crimmigration', 0.15], ['other', 0.1]], 'removal_defense')},
                (SELECT coalesce(array_agg(code), '{}') FROM (SELECT code FROM facilities f WHERE f.state = x.state
                  ORDER BY md5(f.code || u.g) LIMIT (u.g % 5)) q),
                CASE WHEN ${R(24)} < 0.3 AND ${SECOND} <> x.state THEN ARRAY[x.state, ${SECOND}] ELSE ARRAY[x.state] END,
                3 + floor(${R(25)} * 23)::int, ${R(26)} < 0.85,
                CASE WHEN ${R(27)} < 0.05 THEN now() + interval '10 days' END,
                CASE WHEN ${R(28)} < 0.8 THEN now() - ${R(29)} * interval '60 days' END, now()
           FROM (SELECT id, substring(email from '^attorney(\\d+)@')::int8 AS g FROM users
                  WHERE organization_id = $1 AND role = 'attorney' AND email LIKE 'attorney%@bench.amparo.example') u
           CROSS JOIN LATERAL (SELECT ${STATE.replaceAll('hashint8extended(g::int8', 'hashint8extended(u.g::int8')} AS state) x`
          .replaceAll('hashint8extended(g::int8', 'hashint8extended(u.g::int8'),
        [org, states],
      );
    });

    const bytea = Object.entries(sizes ?? {});
    const blobs = bytea.map(([, n]) => randomBytes(n));
    const FAC = `fac AS (SELECT row_number() OVER (ORDER BY code) AS n, code, state, county, time_zone FROM facilities)`;
    const ATT = `att AS (SELECT row_number() OVER (ORDER BY user_id) AS n, user_id FROM attorney_profiles WHERE organization_id = $1)`;
    const casesSql = `
      WITH ${FAC}, ${ATT}
      INSERT INTO cases (id, organization_id, reference, status, created_by, assigned_attorney_id, preferred_language,
                         needs_interpreter, practice_areas, custody_status, facility_code, county, state, time_zone,
                         detainer_lodged, release_eligible_at, consent_share, consent_obtained_from, urgency_level,
                         urgency_reasons, next_deadline_at, urgency_order_at, flags, outcome, closed_at, purged_at, created_at, updated_at
                         ${bytea.map(([c]) => `, ${c}`).join('')})
      SELECT ${CASE_ID()}, $1, ${REFERENCE}, ${CASE_STATUS}, $2, CASE WHEN ${HAS_ATTORNEY} THEN a.user_id END,
             ${CASE_LANGUAGE}, ${R(11)} < 0.25, ${CASE_AREAS}, ${CUSTODY},
             CASE WHEN ${CUSTODY} IN ('ice_detention', 'local_jail') THEN f.code END, f.county, f.state, f.time_zone,
             ${R(12)} < 0.3, CASE WHEN ${R(12)} < 0.3 THEN t.created + interval '2 days' END,
             ${R(13)} < 0.9, CASE WHEN ${R(14)} < 0.6 THEN 'client' ELSE 'caller' END, ${URGENCY},
             '["Detained with no attorney on record"]', CASE WHEN ${ACTIVE} THEN now() + ${R(15)} * interval '30 days' END,
             CASE WHEN ${ACTIVE} THEN now() + ${R(15)} * interval '30 days' END,
             '[{"code":"detained_without_counsel","label":"Detained with no attorney on record"}]',
             CASE WHEN NOT ${ACTIVE} THEN ${weighted(R(16), [['represented', 50], ['referred_out', 25], ['no_relief', 15], ['client_unreachable', 10]])} END,
             CASE WHEN NOT ${ACTIVE} THEN t.created + interval '45 days' END,
             CASE WHEN ${IS_PURGED} THEN now() - interval '1 day' END,
             t.created, t.created
             ${bytea.map((_, i) => `, CASE WHEN ${IS_PURGED} THEN NULL ELSE $${5 + i}::bytea END`).join('')}
        FROM generate_series($3::int8, $4::int8) g
        CROSS JOIN LATERAL (SELECT CASE WHEN ${ACTIVE} THEN now() - ${R(17)} * interval '120 days'
                                        ELSE now() - interval '60 days' - ${R(17)} * interval '900 days' END AS created) t
        JOIN fac f ON f.n = ${ORDINAL(R(3))}
        LEFT JOIN att a ON a.n = 1 + floor(${R(2)} * $AN)::int`
      .replaceAll('$NF', String(nf))
      .replaceAll('$AN', String(attorneys));

    const rules = ruleCatalog();
    const ruleFor = (k) => {
      // k = 1: the detainer hold; 2: a hearing or bond rule; 3: an appeal, motion or filing window.
      const group = k === 1 ? rules.slice(0, 1) : k === 2 ? rules.slice(1, 4) : rules.slice(4);
      return `(ARRAY[${group.map((r) => `'${r.id}'`).join(',')}])[1 + floor(${R(40 + k)} * ${group.length})::int]`;
    };
    const deadlinesSql = `
      WITH ${FAC}, rules(id, label, citation) AS (VALUES ${rules.map((r) => `('${r.id}', '${esc(r.label)}', '${esc(r.citation)}')`).join(', ')})
      INSERT INTO deadlines (case_id, organization_id, key, rule, label, due_at, time_zone, outer_limit_at, opens_at,
                             citation, rule_version, status, status_changed_at, superseded_at, created_at, case_closed)
      SELECT ${CASE_ID()}, $1, d.rule || ':' || k, d.rule, r.label, d.due, f.time_zone,
             CASE WHEN d.rule = 'detainer_hold' THEN d.due + interval '2 days' END,
             CASE WHEN d.rule = 'detainer_hold' THEN d.due - interval '2 days' END,
             r.citation, '2026.1', d.status, CASE WHEN d.status <> 'open' THEN now() END,
             CASE WHEN ${R(60, 'g * 10 + k')} < 0.03 THEN now() - interval '3 days' END, now() - interval '70 days',
             NOT ${ACTIVE}
        FROM generate_series($2::int8, $3::int8) g
        CROSS JOIN generate_series(1, ${deadlinesPerCase}) k
        CROSS JOIN LATERAL (
          SELECT rule, due,
                 CASE WHEN due > now() THEN ${weighted(R(61, 'g * 10 + k'), [['open', 88], ['met', 8], ['waived', 4]])}
                      ELSE ${weighted(R(61, 'g * 10 + k'), [['met', 50], ['missed', 40], ['waived', 10]])} END AS status
            FROM (SELECT CASE k WHEN 1 THEN ${ruleFor(1)} WHEN 2 THEN ${ruleFor(2)} ELSE ${ruleFor(3)} END AS rule,
                         now() + (${R(62, 'g * 10 + k')} * 120 - 60) * interval '1 day' AS due) x) d
        JOIN rules r ON r.id = d.rule
        JOIN fac f ON f.n = ${ORDINAL(R(3))}`.replaceAll('$NF', String(nf));

    const referralsSql = `
      WITH ${ATT}
      INSERT INTO referrals (case_id, organization_id, attorney_id, status, offered_by, offered_at, respond_by, responded_at,
                             accepted_at, decline_reason, score, reasons)
      SELECT ${CASE_ID()}, $1, x.attorney, x.status, NULL, x.offered, x.offered + interval '1 day',
             CASE WHEN x.status <> 'offered' THEN x.offered + interval '3 hours' END,
             CASE WHEN x.status = 'accepted' THEN x.offered + interval '3 hours' END,
             CASE WHEN x.status = 'declined' THEN 'capacity' END, round((50 + ${R(70)} * 45)::numeric, 1),
             '["speaks Spanish (spa)","visits the facility","2 of 5 case slots in use"]'
        FROM generate_series($2::int8, $3::int8) g
        LEFT JOIN att a ON a.n = 1 + floor(${R(2)} * ${attorneys})::int
        LEFT JOIN att b ON b.n = 1 + floor(${R(71)} * ${attorneys})::int
        CROSS JOIN LATERAL (VALUES
          (CASE WHEN ${HAS_ATTORNEY} THEN 'accepted' WHEN ${IS_OFFERED} THEN 'offered' END, a.user_id, now() - interval '50 days'),
          (CASE WHEN (${HAS_ATTORNEY} OR ${IS_OFFERED}) AND ${R(72)} < 0.3 AND b.user_id <> a.user_id
                THEN ${weighted(R(73), [['declined', 70], ['expired', 20], ['withdrawn', 10]])} END, b.user_id, now() - interval '52 days')
        ) x(status, attorney, offered)
       WHERE x.status IS NOT NULL`;

    const indexesSql = `
      INSERT INTO case_blind_indexes (case_id, organization_id, kind, value)
      SELECT ${CASE_ID()}, $1, x.kind, x.value
        FROM generate_series($2::int8, $3::int8) g
        CROSS JOIN LATERAL (VALUES ('party_name', md5('pn' || g)),
                                   (CASE WHEN ${R(80)} < 0.08 THEN 'adverse_party' END, md5('ap' || g))) x(kind, value)
       WHERE NOT ${IS_PURGED} AND x.kind IS NOT NULL`;

    const ranges = [];
    for (let lo = 1; lo <= totalCases; lo += chunk) ranges.push([lo, Math.min(totalCases, lo + chunk - 1)]);
    const runChunks = async (name, sql, params) =>
      timed(name, async () => {
        let next = 0;
        let done = 0;
        const worker = async () => {
          while (next < ranges.length) {
            const [lo, hi] = ranges[next++];
            await pool.query(sql, params(lo, hi));
            done++;
            if (done % Math.max(1, Math.floor(ranges.length / 4)) === 0) log(`seed: ${name} ${done}/${ranges.length} chunks`);
          }
        };
        await Promise.all(Array.from({ length: options.connections ?? 2 }, worker));
      });
    await runChunks('cases', casesSql, (lo, hi) => [org, createdBy, lo, hi, ...blobs]);
    await runChunks('deadlines', deadlinesSql, (lo, hi) => [org, lo, hi]);
    await runChunks('referrals', referralsSql, (lo, hi) => [org, lo, hi]);
    await runChunks('blind indexes', indexesSql, (lo, hi) => [org, lo, hi]);
    await timed('analyze', () => pool.query('ANALYZE'));
    const counts = (
      await pool.query(`SELECT (SELECT count(*) FROM cases)::int AS cases, (SELECT count(*) FROM deadlines)::int AS deadlines,
                               (SELECT count(*) FROM deadlines WHERE status = 'open' AND superseded_at IS NULL)::int AS open_deadlines,
                               (SELECT count(*) FROM users WHERE role = 'attorney')::int AS attorneys,
                               (SELECT count(*) FROM attorney_profiles)::int AS attorney_profiles,
                               (SELECT count(*) FROM referrals)::int AS referrals,
                               (SELECT count(*) FROM case_blind_indexes)::int AS blind_indexes,
                               pg_size_pretty(pg_database_size(current_database())) AS database_size`)
    ).rows[0];
    const distributions = (
      await pool.query(`SELECT (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM cases GROUP BY 1) s) AS case_status,
                               (SELECT json_object_agg(urgency_level, n) FROM (SELECT urgency_level, count(*) n FROM cases GROUP BY 1) s) AS urgency,
                               (SELECT json_object_agg(status, n) FROM (SELECT status, count(*) n FROM deadlines GROUP BY 1) s) AS deadline_status`)
    ).rows[0];
    return { organizationId: org, counts, distributions, timingsSeconds: timings };
  } finally {
    await pool.end();
  }
}

const esc = (s) => s.replaceAll("'", "''");

function ruleCatalog() {
  const { RULE_SET_2026_1 } = require(join(__dirname, '..', 'dist/libs/deadlines/src'));
  return RULE_SET_2026_1.rules.map((r) => ({ id: r.id, label: r.label, citation: r.citation }));
}

module.exports = { seed };

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL (a migrated database) is required\n');
    process.exit(2);
  }
  seed(url, { cases: Number(process.argv[2] ?? 1_000_000) })
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${e.stack}\n`);
      process.exit(1);
    });
}
