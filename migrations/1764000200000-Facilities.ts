import { MigrationInterface, QueryRunner } from 'typeorm';

export class Facilities1764000200000 implements MigrationInterface {
  name = 'Facilities1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE facilities (
        code text PRIMARY KEY,
        name text NOT NULL,
        address text,
        city text,
        county text,
        state text,
        zip text,
        aor text NOT NULL,
        type text NOT NULL,
        type_detailed text,
        capacity integer,
        first_used date,
        last_used date,
        over_72 boolean,
        time_zone text NOT NULL,
        jail_287g boolean NOT NULL DEFAULT false,
        imported_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX facilities_state_idx ON facilities (state, name)`);
    await q.query(`CREATE INDEX facilities_name_idx ON facilities (lower(name) text_pattern_ops)`);
    await q.query(`
      CREATE TABLE agreements_287g (
        id serial PRIMARY KEY,
        state text NOT NULL,
        agency text NOT NULL,
        agency_type text NOT NULL,
        county text,
        support_type text NOT NULL,
        status text NOT NULL,
        signed date
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agreements_287g`);
    await q.query(`DROP TABLE facilities`);
  }
}
