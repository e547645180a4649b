'use strict';
/**
 * The raw-PostgreSQL baseline for intake: the rows one POST /api/cases writes, written directly through `pg` with the
 * same pool size and concurrency as the API, one transaction per case, as fast as the database allows.
 *
 * mode 'writes' (the baseline the targets use): the statements CasesService, CaseTimelineService and AuditService write,
 *   with the same SQL: the case with its urgency, bytea ciphertexts of the sizes the API produced, case_keys, blind
 *   indexes and the idempotency key with the stored answer (one statement); the deadline (unnest); the audit row appended
 *   to its chain (one statement, hashed in SQL). BEGIN and COMMIT around them. Like the API, it sends these statements
 *   as named prepared statements (planned once per connection). No reads the service adds (session
 *   check, duplicate search, auto-routing flag), no crypto, no validation, no HTTP.
 * mode 'nolock' (diagnostic): 'writes' with the audit row appended outside any chain (no head row to wait on), to show
 *   what keeping the chains linear costs.
 *
 * It uses its own organization, user and session, so the API's audit chain is not touched.
 * Standalone: DATABASE_URL=postgres://.../migrated_db node bench/baseline-pg.js [concurrency] [seconds] [mode]
 */
const { createHash, randomBytes, randomUUID } = require('node:crypto');
const { Pool } = require('pg');
const { summarize } = require('./lib/util');

const DEFAULT_SIZES = {
  client_first_name: 38, client_last_name: 51, client_date_of_birth: 42, client_a_number: 44, client_phone: 47,
  client_email: 59, client_address: 76, client_country_of_birth: 37, client_immigration_status: 89,
  client_criminal_history: 86, client_safe_to_contact: 107, caller_relationship: 38, caller_name: 43, caller_phone: 47,
  custody_booking_number: 42, narrative: 340, adverse_parties: 90,
};

const CITATION =
  'ICE form I-247A (2017): "not to exceed 48 hours beyond the time he or she would otherwise have been released"; outer limit 8 CFR 287.7(d) (48 hours excluding Saturdays, Sundays and holidays)';

const REASONS = [
  'ICE detainer: release-eligible Fri 27 Nov, 5:09 AM CST; the 48-hour hold would end Sun 29 Nov, 5:09 AM CST at Harris County Jail',
  'Detained with no attorney on record',
];
const FLAGS = [{ code: 'detained_without_counsel', label: 'Detained with no attorney on record' }];

/** A separate organization, user and session for the baseline. */
async function prepareTenant(url) {
  const pool = new Pool({ connectionString: url, max: 1 });
  try {
    const [{ id: org }] = (await pool.query(`INSERT INTO organizations (name, auto_routing) VALUES ('Baseline org', false) RETURNING id`)).rows;
    const [{ id: user }] = (
      await pool.query(
        `INSERT INTO users (organization_id, email, name, role, password_hash) VALUES ($1, $2, 'Baseline intake', 'intake', 'no-login') RETURNING id`,
        [org, `baseline-${randomUUID()}@bench.amparo.example`],
      )
    ).rows;
    const [{ id: session }] = (
      await pool.query(`INSERT INTO auth_sessions (user_id, expires_at) VALUES ($1, now() + interval '1 day') RETURNING id`, [user])
    ).rows;
    // The chain heads the API creates on a chain's first event, created here up front.
    await pool.query(`INSERT INTO audit_heads (organization_id, chain, hash) SELECT $1, c, '\\x${'00'.repeat(32)}'::bytea FROM generate_series(0, 15) AS c`, [org]);
    return { org, user, session };
  } finally {
    await pool.end();
  }
}

/** As the API sends its hot statements: named prepared statements, parsed and planned once per connection. */
function prepared(client, text, values) {
  return client.query({ name: `bl_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`, text, values });
}

async function oneCase(client, t, cols, blobs, mode) {
  const id = randomUUID();
  const key = `bl-${randomUUID()}`;
  const now = new Date();
  const releaseEligibleAt = new Date(now.getTime() + 6 * 3600_000);
  const due = new Date(releaseEligibleAt.getTime() + 48 * 3600_000);
  await client.query('BEGIN');
  try {
    // The deadline as CaseTimelineService.plannedRows builds it (the id given here), and the answer the intake stores.
    const deadline = {
      id: randomUUID(), key: 'detainer_hold', rule: 'detainer_hold', label: 'ICE detainer 48-hour hold', dueAt: due,
      timeZone: 'America/Chicago', outerLimitAt: new Date(due.getTime() + 2 * 86400_000), opensAt: releaseEligibleAt,
      citation: CITATION, ruleVersion: '2026.1', status: 'open', caseId: id, reference: 'BL',
    };
    const answer = { id, reference: 'BL', status: 'new', urgency: { level: 'high', reasons: REASONS, nextDeadlineAt: due }, deadlines: [deadline], flags: FLAGS };
    // The case, its wrapped data key, its blind indexes and the Idempotency-Key claim with the stored answer (about the
    // size of the API's 201 body) in one statement, as CasesService writes them (without its duplicate search).
    const kinds = ['a_number', 'phone', 'name_dob', 'name_tokens_dob', 'name_short_dob', 'party_name', 'adverse_party'];
    const values = kinds.map(() => randomBytes(24).toString('base64url'));
    const claim = 28 + cols.length;
    await prepared(client,
      `WITH inserted AS (
         INSERT INTO cases (id, organization_id, reference, status, created_by, preferred_language, needs_interpreter,
                            practice_areas, custody_status, facility_code, county, state, time_zone, detainer_lodged,
                            release_eligible_at, consent_share, consent_obtained_from, created_at, updated_at,
                            urgency_level, urgency_reasons, next_deadline_at, flags, urgency_review_at, county_key,
                            custody_stated_at, detainer_stated_at, urgency_order_at
                            ${cols.map((c) => `, ${c}`).join('')})
         VALUES ($1, $2, $3, 'new', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18, $19, $20, $21, $26, $27,
                 CASE WHEN $8::text <> 'unknown' THEN $17::timestamptz END, CASE WHEN $13::boolean THEN $17::timestamptz END, $20
                 ${cols.map((_, i) => `, $${28 + i}`).join('')})
         RETURNING id, organization_id
       ), key AS (
         INSERT INTO case_keys (case_id, kek_id, wrapped_key) SELECT id, $22, $23 FROM inserted
       ), indexed AS (
         INSERT INTO case_blind_indexes (case_id, organization_id, kind, value)
         SELECT inserted.id, inserted.organization_id, i.kind, i.value FROM inserted, unnest($24::text[], $25::text[]) AS i(kind, value)
         ON CONFLICT DO NOTHING
       )
       INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response, case_id)
       VALUES ($4, $${claim}, $${claim + 1}, 201, $${claim + 2}::jsonb || jsonb_build_object('possibleDuplicates', '[]'::jsonb), $1)
       ON CONFLICT DO NOTHING RETURNING key`,
      [id, t.org, `BL-${id.slice(0, 13)}`, t.user, 'spa', true, ['detention_bond', 'removal_defense'], 'local_jail', null,
        'Harris', 'TX', 'America/Chicago', true, releaseEligibleAt, true, 'caller', now, 'high', JSON.stringify(REASONS), due,
        JSON.stringify(FLAGS), 'k1', randomBytes(64), kinds, values, releaseEligibleAt, 'HARRIS', ...blobs,
        key, createHash('sha256').update(key).digest(), JSON.stringify(answer)],
    );
    // The planned deadlines, as CaseTimelineService.insertPlanned writes them (arrays through unnest, ids given).
    await prepared(client,
      `INSERT INTO deadlines (case_id, organization_id, id, key, rule, label, due_at, time_zone, outer_limit_at, opens_at,
                              citation, rule_version, note, trigger_event_id, status)
       SELECT $1, $2, * FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[], $9::timestamptz[],
                                    $10::timestamptz[], $11::text[], $12::text[], $13::text[], $14::uuid[], $15::text[])`,
      [id, t.org, [deadline.id], [deadline.key], [deadline.rule], [deadline.label], [due], [deadline.timeZone],
        [deadline.outerLimitAt], [releaseEligibleAt], [CITATION], ['2026.1'], [null], [null], ['open']],
    );
    // The audit append as AuditService.record does it (one statement: head row lock, id, hash, row, head moved); 'nolock'
    // appends the row without the chain (no head row, so no waiting on it).
    const chain = createHash('sha256').update(id).digest()[0] % 16;
    const after = Buffer.from(JSON.stringify([t.org, chain, now.toISOString(), t.user, 'intake', 'case.create', id, 'BL',
      ['client.firstName', 'client.lastName', 'narrative'], null, {}]).slice(1));
    const auditValues = [t.org, chain, after, now, t.user, 'intake', 'case.create', id, 'BL', ['client.firstName', 'client.lastName', 'narrative'], null, '{}'];
    if (mode === 'nolock') {
      await prepared(client,
        `INSERT INTO audit_events (id, organization_id, chain, occurred_at, actor_id, actor_role, action, case_id, case_reference,
                                   fields, reason, details, prev_hash, hash)
         SELECT nextval('audit_events_id_seq'), $1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, '\\x00'::bytea, sha256($3::bytea)`,
        auditValues,
      );
    } else {
      const appended = await prepared(client,
        `WITH head AS (
           SELECT hash FROM audit_heads WHERE organization_id = $1 AND chain = $2 FOR UPDATE
         ), link AS (
           SELECT id, prev_hash, sha256(prev_hash || convert_to('["' || id || '",', 'UTF8') || $3::bytea) AS hash
             FROM (SELECT nextval('audit_events_id_seq') AS id, hash AS prev_hash FROM head) AS next
         ), appended AS (
           INSERT INTO audit_events (id, organization_id, chain, occurred_at, actor_id, actor_role, action, case_id,
                                     case_reference, fields, reason, details, prev_hash, hash)
           SELECT id, $1, $2, $4, $5, $6, $7, $8, $9, $10, $11, $12, prev_hash, hash FROM link
         ), moved AS (
           UPDATE audit_heads AS h SET hash = link.hash FROM link WHERE h.organization_id = $1 AND h.chain = $2
         )
         SELECT id FROM link`,
        auditValues,
      );
      if (appended.rowCount !== 1) throw new Error('baseline: the audit chain head is missing');
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/**
 * Closed loop: `concurrency` workers, each starting its next transaction when the previous one ends, for `seconds`.
 * `onStart` is called when the pool is warm, just before the clock starts (the benchmark starts its CPU meter there).
 * @returns {{ requests: number, errors: number, throughput: number, latencyMs: object }}
 */
async function runBaseline({ url, tenant, concurrency, seconds, poolSize, mode = 'writes', sizes = DEFAULT_SIZES, onStart }) {
  const cols = Object.keys(sizes);
  const blobs = cols.map((c) => randomBytes(sizes[c]));
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`poolSize must be a positive integer (got ${poolSize}); is dist/ built?`);
  const pool = new Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  const latencies = [];
  let errors = 0;
  let firstError = null;
  // Warm the pool up to the concurrency that will be used.
  const warm = await Promise.all(Array.from({ length: Math.min(poolSize, concurrency) }, () => pool.connect()));
  warm.forEach((c) => c.release());
  onStart?.();
  const started = process.hrtime.bigint();
  const end = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const t0 = process.hrtime.bigint();
      const client = await pool.connect();
      try {
        await oneCase(client, tenant, cols, blobs, mode);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      } catch (error) {
        errors++;
        firstError ??= error.message;
      } finally {
        client.release();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  return {
    mode,
    concurrency,
    seconds: Math.round(elapsed * 10) / 10,
    requests: latencies.length,
    errors,
    firstError,
    throughput: Math.round((latencies.length / elapsed) * 10) / 10,
    latencyMs: summarize(latencies),
  };
}

module.exports = { runBaseline, prepareTenant, DEFAULT_SIZES };

if (require.main === module) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL (a migrated database) is required\n');
    process.exit(2);
  }
  const [concurrency = '8', seconds = '10', mode = 'writes'] = process.argv.slice(2);
  prepareTenant(url)
    .then((tenant) => runBaseline({ url, tenant, concurrency: Number(concurrency), seconds: Number(seconds), mode, poolSize: Number(process.env.DB_POOL_SIZE ?? require('../dist/libs/config/src').DEFAULT_DB_POOL_SIZE) }))
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e) => {
      process.stderr.write(`${e.stack}\n`);
      process.exit(1);
    });
}
