import { MigrationInterface, QueryRunner } from 'typeorm';

export class Cases1764000100000 implements MigrationInterface {
  name = 'Cases1764000100000';

  async up(q: QueryRunner): Promise<void> {
    // Plain columns hold only what a de-identified summary may show. Every identifying or sensitive fact is a
    // bytea ciphertext under the case's own data key (see docs/security.md).
    await q.query(`
      CREATE TABLE cases (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations(id),
        reference text NOT NULL UNIQUE,
        status text NOT NULL CHECK (status IN ('new', 'offered', 'assigned', 'closed', 'unplaced', 'purged')),
        created_by uuid REFERENCES users(id),
        assigned_attorney_id uuid REFERENCES users(id),
        preferred_language text NOT NULL,
        needs_interpreter boolean NOT NULL DEFAULT false,
        practice_areas text[] NOT NULL DEFAULT '{}',
        custody_status text NOT NULL,
        facility_code text,
        county text,
        state text,
        time_zone text NOT NULL,
        detainer_lodged boolean NOT NULL DEFAULT false,
        release_eligible_at timestamptz,
        consent_share boolean NOT NULL,
        consent_obtained_from text NOT NULL,
        urgency_level text NOT NULL DEFAULT 'low',
        urgency_reasons jsonb NOT NULL DEFAULT '[]',
        next_deadline_at timestamptz,
        flags jsonb NOT NULL DEFAULT '[]',
        outcome text,
        closed_at timestamptz,
        purged_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        client_first_name bytea,
        client_last_name bytea,
        client_date_of_birth bytea,
        client_a_number bytea,
        client_phone bytea,
        client_email bytea,
        client_address bytea,
        client_country_of_birth bytea,
        client_immigration_status bytea,
        client_criminal_history bytea,
        client_safe_to_contact bytea,
        caller_relationship bytea,
        caller_name bytea,
        caller_phone bytea,
        custody_booking_number bytea,
        narrative bytea
      )`);
    await q.query(`CREATE INDEX cases_org_status_idx ON cases (organization_id, status, created_at DESC)`);
    await q.query(`CREATE INDEX cases_org_creator_idx ON cases (organization_id, created_by, created_at DESC)`);
    await q.query(`CREATE INDEX cases_attorney_idx ON cases (assigned_attorney_id) WHERE assigned_attorney_id IS NOT NULL`);
    await q.query(`CREATE INDEX cases_purge_idx ON cases (closed_at) WHERE status = 'closed'`);

    // One data key per case, wrapped by a key-encryption key of the keyring. Deleting the row shreds the case.
    await q.query(`
      CREATE TABLE case_keys (
        case_id uuid PRIMARY KEY REFERENCES cases(id),
        kek_id text NOT NULL,
        wrapped_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rewrapped_at timestamptz
      )`);
    await q.query(`CREATE INDEX case_keys_kek_idx ON case_keys (kek_id)`);

    await q.query(`
      CREATE TABLE case_blind_indexes (
        case_id uuid NOT NULL REFERENCES cases(id),
        organization_id uuid NOT NULL,
        kind text NOT NULL,
        value text NOT NULL,
        PRIMARY KEY (case_id, kind, value)
      )`);
    await q.query(`CREATE INDEX case_blind_indexes_lookup_idx ON case_blind_indexes (organization_id, kind, value)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users(id),
        key text NOT NULL,
        request_hash bytea NOT NULL,
        status_code integer,
        response jsonb,
        case_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);

    await q.query(`
      CREATE TABLE case_events (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        case_id uuid NOT NULL REFERENCES cases(id),
        type text NOT NULL,
        occurred_at text NOT NULL,
        data jsonb NOT NULL DEFAULT '{}',
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX case_events_case_idx ON case_events (case_id, seq)`);

    await q.query(`
      CREATE TABLE deadlines (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        organization_id uuid NOT NULL,
        key text NOT NULL,
        rule text NOT NULL,
        label text NOT NULL,
        due_at timestamptz NOT NULL,
        time_zone text NOT NULL,
        outer_limit_at timestamptz,
        opens_at timestamptz,
        citation text NOT NULL,
        rule_version text NOT NULL,
        note text,
        trigger_event_id uuid,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'met', 'waived', 'missed')),
        status_note text,
        status_changed_by uuid REFERENCES users(id),
        status_changed_at timestamptz,
        superseded_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (case_id, key)
      )`);
    await q.query(`CREATE INDEX deadlines_board_idx ON deadlines (organization_id, status, due_at) WHERE superseded_at IS NULL`);
    await q.query(`CREATE INDEX deadlines_case_idx ON deadlines (case_id) WHERE superseded_at IS NULL`);

    // Append-only, hash-chained per organization. No foreign keys: the trail must outlive purged cases and users.
    await q.query(`
      CREATE TABLE audit_events (
        id bigint PRIMARY KEY,
        organization_id uuid NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        actor_role text,
        action text NOT NULL,
        case_id uuid,
        case_reference text,
        fields text[] NOT NULL DEFAULT '{}',
        reason text,
        details jsonb NOT NULL DEFAULT '{}',
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL
      )`);
    await q.query(`CREATE SEQUENCE audit_events_id_seq OWNED BY audit_events.id`);
    await q.query(`CREATE INDEX audit_events_org_idx ON audit_events (organization_id, id)`);
    await q.query(`CREATE INDEX audit_events_case_idx ON audit_events (case_id, id) WHERE case_id IS NOT NULL`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id) WHERE actor_id IS NOT NULL`);
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
      FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
      FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);

    // Fixed-window counters for rate limits that must hold across API instances (e.g. A-number lookups).
    await q.query(`
      CREATE TABLE rate_limits (
        key text PRIMARY KEY,
        window_started_at timestamptz NOT NULL,
        hits integer NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE rate_limits`);
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP FUNCTION audit_events_append_only`);
    await q.query(`DROP TABLE deadlines`);
    await q.query(`DROP TABLE case_events`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE case_blind_indexes`);
    await q.query(`DROP TABLE case_keys`);
    await q.query(`DROP TABLE cases`);
  }
}
