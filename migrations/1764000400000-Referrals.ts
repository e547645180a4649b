import { MigrationInterface, QueryRunner } from 'typeorm';

export class Referrals1764000400000 implements MigrationInterface {
  name = 'Referrals1764000400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE attorney_profiles (
        user_id uuid PRIMARY KEY REFERENCES users(id),
        organization_id uuid NOT NULL REFERENCES organizations(id),
        bar_states text[] NOT NULL DEFAULT '{}',
        eoir_registered boolean NOT NULL DEFAULT false,
        languages text[] NOT NULL DEFAULT '{}',
        practice_areas text[] NOT NULL DEFAULT '{}',
        facility_codes text[] NOT NULL DEFAULT '{}',
        states text[] NOT NULL DEFAULT '{}',
        max_active_cases integer NOT NULL DEFAULT 5 CHECK (max_active_cases BETWEEN 0 AND 500),
        accepting_referrals boolean NOT NULL DEFAULT true,
        unavailable_until timestamptz,
        last_offered_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Candidate selection runs in SQL: accepting attorneys of the organization, by array overlap.
    await q.query(`CREATE INDEX attorney_profiles_accepting_idx ON attorney_profiles (organization_id) WHERE accepting_referrals`);
    await q.query(`CREATE INDEX attorney_profiles_areas_idx ON attorney_profiles USING gin (practice_areas)`);
    await q.query(`CREATE INDEX attorney_profiles_languages_idx ON attorney_profiles USING gin (languages)`);

    await q.query(`
      CREATE TABLE referrals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id),
        organization_id uuid NOT NULL,
        attorney_id uuid NOT NULL REFERENCES users(id),
        status text NOT NULL CHECK (status IN ('offered', 'accepted', 'declined', 'expired', 'withdrawn')),
        offered_by uuid REFERENCES users(id),
        offered_at timestamptz NOT NULL,
        respond_by timestamptz NOT NULL,
        responded_at timestamptz,
        decline_reason text,
        decline_note text,
        score numeric(5, 1) NOT NULL,
        reasons jsonb NOT NULL DEFAULT '[]'
      )`);
    // At most one open offer and one acceptance per case: concurrent routing and double accepts end in a 409.
    await q.query(`CREATE UNIQUE INDEX referrals_one_open_offer ON referrals (case_id) WHERE status = 'offered'`);
    await q.query(`CREATE UNIQUE INDEX referrals_one_acceptance ON referrals (case_id) WHERE status = 'accepted'`);
    await q.query(`CREATE INDEX referrals_attorney_idx ON referrals (attorney_id, status)`);
    await q.query(`CREATE INDEX referrals_expiry_idx ON referrals (respond_by) WHERE status = 'offered'`);

    // Adverse parties (e.g. the abuser in a VAWA or U visa case): encrypted, with a blind index for conflict checks.
    await q.query(`ALTER TABLE cases ADD COLUMN adverse_parties bytea`);
    await q.query(`CREATE INDEX case_blind_indexes_kind_value_idx ON case_blind_indexes (kind, value)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX case_blind_indexes_kind_value_idx`);
    await q.query(`ALTER TABLE cases DROP COLUMN adverse_parties`);
    await q.query(`DROP TABLE referrals`);
    await q.query(`DROP TABLE attorney_profiles`);
  }
}
