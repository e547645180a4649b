import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { Client, type Pool } from 'pg';
import { PREPARED_STATEMENT_CAP, isStalePreparedStatement, isUniqueViolation, preparedQuery } from '@amparo/database';
import { MIGRATION_TIMEOUTS, dataSourceOptions } from '../apps/api/src/data-source';
import { TestApp, createTestApp, createTestDatabase } from './support/test-app';
import { intakeBody } from './support/cases';
import { Session, createUser, loginAdmin } from './support/users';

describe('prepared statements (e2e)', () => {
  let t: TestApp;
  let admin: Session;
  let intake: Session;

  beforeAll(async () => {
    // One pool connection, so every statement of the file runs on the same PostgreSQL session.
    // These tests change the schema under the app's own connections, as a migration would: the app runs as the owner.
    t = await createTestApp({ env: { DB_POOL_SIZE: '1' }, asOwner: true });
    admin = await loginAdmin(t.http);
    intake = await createUser(t.http, admin, 'intake');
  });
  afterAll(() => t.close());

  it('prepares a statement once per connection and reuses it', async () => {
    const sql = 'SELECT $1::int * 2 AS doubled';
    await t.db.transaction(async (tx) => {
      expect(await preparedQuery(tx, sql, [21])).toEqual([{ doubled: 42 }]);
      expect(await preparedQuery(tx, sql, [5])).toEqual([{ doubled: 10 }]);
      const [row] = await tx.query(
        `SELECT count(*)::int AS n, sum(generic_plans + custom_plans)::int AS executions FROM pg_prepared_statements WHERE statement = $1`,
        [sql],
      );
      expect(row).toEqual({ n: 1, executions: 2 });
    });
  });

  it("runs in the caller's transaction, and outside one on a pooled connection", async () => {
    await t.db.query(`CREATE TABLE prepared_probe (id int PRIMARY KEY)`);
    await expect(
      t.db.transaction(async (tx) => {
        await preparedQuery(tx, 'INSERT INTO prepared_probe (id) VALUES ($1)', [1]);
        expect(await preparedQuery(tx, 'SELECT id FROM prepared_probe WHERE id = $1', [1])).toEqual([{ id: 1 }]);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await preparedQuery(t.db, 'SELECT id FROM prepared_probe WHERE id = $1', [1])).toEqual([]);
  });

  it('fails as TypeORM queries do: a QueryFailedError with the driver error (constraint names included)', async () => {
    await t.db.query(`CREATE TABLE prepared_unique (id int CONSTRAINT prepared_unique_pk PRIMARY KEY)`);
    await preparedQuery(t.db, 'INSERT INTO prepared_unique (id) VALUES ($1)', [7]);
    const error = await preparedQuery(t.db, 'INSERT INTO prepared_unique (id) VALUES ($1)', [7]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(isUniqueViolation(error, 'prepared_unique_pk')).toBe(true);
  });

  it('needs explicit result columns: a prepared `*` breaks when a column is added, a column list does not', async () => {
    await t.db.transaction(async (tx) => {
      await tx.query(`CREATE TABLE prepared_shape (id int)`);
      await tx.query(`INSERT INTO prepared_shape VALUES (1)`);
      const star = 'SELECT * FROM prepared_shape WHERE id = $1';
      const listed = 'SELECT id FROM prepared_shape WHERE id = $1';
      await preparedQuery(tx, star, [1]);
      await preparedQuery(tx, listed, [1]);
      await tx.query(`ALTER TABLE prepared_shape ADD COLUMN extra text`);
      expect(await preparedQuery(tx, listed, [1])).toEqual([{ id: 1 }]);
      await tx.query('SAVEPOINT star');
      await expect(preparedQuery(tx, star, [1])).rejects.toThrow('cached plan must not change result type');
      await tx.query('ROLLBACK TO SAVEPOINT star');
    });
  });

  it("prepares a statement again when a migration changes a returned column's type", async () => {
    await t.db.query(`CREATE TABLE prepared_types (v int)`);
    await t.db.query(`INSERT INTO prepared_types VALUES (1)`);
    const pooled = 'SELECT v FROM prepared_types';
    const inTransaction = 'SELECT v FROM prepared_types WHERE v > $1';
    expect(await preparedQuery(t.db, pooled, [])).toEqual([{ v: 1 }]);
    expect(await t.db.transaction((tx) => preparedQuery(tx, inTransaction, [0]))).toEqual([{ v: 1 }]);
    await t.db.query(`ALTER TABLE prepared_types ALTER COLUMN v TYPE bigint`);
    // Outside a transaction: retried at once under a new name (bigint comes back as a string).
    expect(await preparedQuery(t.db, pooled, [])).toEqual([{ v: '1' }]);
    // Inside one: that transaction fails (recognisably, for a retry); the next one on the connection prepares it again.
    const failed = await t.db.transaction((tx) => preparedQuery(tx, inTransaction, [0])).catch((e: unknown) => e);
    expect(isStalePreparedStatement(failed)).toBe(true);
    expect(await t.db.transaction((tx) => preparedQuery(tx, inTransaction, [0]))).toEqual([{ v: '1' }]);
    // The old plans are released: each text is prepared once on the connection.
    const [{ copies }] = await t.db.query(`SELECT count(*)::int AS copies FROM pg_prepared_statements WHERE statement LIKE 'SELECT v FROM prepared_types%'`);
    expect(copies).toBe(2);
  });

  it('retries an intake that failed because a migration changed a column type under its prepared statement', async () => {
    // The intake's case statement returns auto_routing: changing that column's type changes the statement's result.
    expect((await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'type-change-1').send(intakeBody())).status).toBe(201);
    await t.db.query(`ALTER TABLE organizations ALTER COLUMN auto_routing TYPE text USING auto_routing::text`);
    try {
      const res = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'type-change-2').send(intakeBody());
      expect(res.status).toBe(201);
    } finally {
      await t.db.query(`ALTER TABLE organizations ALTER COLUMN auto_routing TYPE boolean USING auto_routing::boolean`);
    }
  });

  it('refuses to run on a transaction that has ended', async () => {
    let ended: EntityManager | undefined;
    await t.db.transaction(async (tx) => {
      ended = tx;
    });
    await expect(preparedQuery(ended!, 'SELECT 1 AS one', [])).rejects.toBeInstanceOf(QueryRunnerAlreadyReleasedError);
  });

  it('keeps working on connections that prepared the intake statements when a migration adds columns', async () => {
    const intakeOnce = (key?: string) => {
      const req = t.http.post('/api/cases').set(intake.auth);
      return (key ? req.set('Idempotency-Key', key) : req).send(intakeBody());
    };
    for (let i = 0; i < 3; i++) {
      expect((await intakeOnce()).status).toBe(201);
      expect((await intakeOnce(`before-key-${i}`)).status).toBe(201);
    }
    for (const table of ['cases', 'deadlines', 'idempotency_keys', 'audit_events', 'auth_sessions', 'users']) {
      await t.db.query(`ALTER TABLE ${table} ADD COLUMN prepared_probe_extra text`);
    }
    for (const key of [undefined, 'after-key-1', undefined, 'after-key-2']) {
      const res = await intakeOnce(key);
      expect(res.status).toBe(201);
      expect(res.body.deadlines[0]).toEqual(expect.objectContaining({ rule: 'detainer_hold', status: 'open' }));
    }
    // One pool connection: these intakes ran on the connection that prepared the statements before the change.
    const [{ prepared }] = await t.db.query(`SELECT count(*)::int AS prepared FROM pg_prepared_statements WHERE statement LIKE '%INSERT INTO cases%'`);
    expect(prepared).toBe(2);
  });

  // Last: it fills the process-wide budget of prepared statements.
  it(`prepares at most ${PREPARED_STATEMENT_CAP} distinct statements; past that they run unprepared, with correct results`, async () => {
    await t.db.transaction(async (tx) => {
      for (let k = 0; k < PREPARED_STATEMENT_CAP + 10; k++) {
        expect(await preparedQuery(tx, `SELECT $1::int + ${k} AS sum`, [1])).toEqual([{ sum: 1 + k }]);
      }
      // Counting every prepared statement of the session: the ones prepared again after a type change released theirs.
      const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`);
      expect(n).toBeLessThanOrEqual(PREPARED_STATEMENT_CAP);
      const [{ unprepared }] = await tx.query(
        `SELECT count(*)::int AS unprepared FROM pg_prepared_statements WHERE statement = $1`,
        [`SELECT $1::int + ${PREPARED_STATEMENT_CAP + 9} AS sum`],
      );
      expect(unprepared).toBe(0);
    });
  });
});

describe('DB_PREPARED_STATEMENTS=false (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ env: { DB_POOL_SIZE: '1', DB_PREPARED_STATEMENTS: 'false' }, asOwner: true });
  });
  afterAll(() => t.close());

  it('sends every statement unnamed, for poolers that cannot keep prepared statements', async () => {
    const admin = await loginAdmin(t.http);
    const intake = await createUser(t.http, admin, 'intake');
    const res = await t.http.post('/api/cases').set(intake.auth).set('Idempotency-Key', 'unprepared-key-1').send(intakeBody());
    expect(res.status).toBe(201);
    const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`);
    expect(n).toBe(0);
  });
});

describe('connections cut while serving (e2e)', () => {
  let t: TestApp;
  let intake: Session;

  beforeAll(async () => {
    t = await createTestApp();
    intake = await createUser(t.http, await loginAdmin(t.http), 'intake');
  });
  afterAll(() => t.close());

  it('intakes in flight when the server cuts the API\'s connections (a restart, a failover) are 201 or 503, never a 500', async () => {
    const owner = new Client({ connectionString: t.databaseUrl });
    await owner.connect();
    const statuses: number[] = [];
    let running = true;
    const worker = async () => {
      while (running) statuses.push((await t.http.post('/api/cases').set(intake.auth).send(intakeBody())).status);
    };
    try {
      const workers = Array.from({ length: 6 }, worker);
      for (let cut = 0; cut < 8; cut++) {
        await new Promise((resolve) => setTimeout(resolve, 60));
        await owner.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'amparo' AND pid <> pg_backend_pid()`);
      }
      // And it goes on by itself: intakes are taken again, on new connections.
      const answered = statuses.length;
      for (let wait = 0; wait < 100 && statuses.slice(answered).filter((status) => status === 201).length < 3; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      running = false;
      await Promise.all(workers);
    } finally {
      running = false;
      await owner.end();
    }
    expect(statuses.filter((status) => status !== 201 && status !== 503)).toEqual([]);
    expect(statuses.filter((status) => status === 201).length).toBeGreaterThanOrEqual(3);
  }, 60_000);
});

describe('a pooled connection cut while idle (e2e)', () => {
  it('is logged outside the context of the request that opened it (its id and user are another request\'s, long answered)', async () => {
    const url = await createTestDatabase();
    const ds = new DataSource(dataSourceOptions(url, 2));
    await ds.initialize();
    const owner = new Client({ connectionString: url });
    await owner.connect();
    // The request context as the logger reads it (nestjs-pino keeps it in an AsyncLocalStorage).
    const request = new AsyncLocalStorage<string>();
    const contexts: (string | undefined)[] = [];
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => void contexts.push(request.getStore() ?? 'none'));
    try {
      const pool = (ds.driver as unknown as { master: Pool }).master;
      // Both of the pool's connections held at once: the second is opened by this request (the first, at start).
      const pids = await request.run('request-1', async () => {
        const clients = [await pool.connect(), await pool.connect()];
        try {
          return await Promise.all(clients.map(async (client) => (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number));
        } finally {
          for (const client of clients) client.release();
        }
      });
      await owner.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      for (let wait = 0; wait < 50 && contexts.length < 2; wait++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(contexts).toEqual(['none', 'none']);
    } finally {
      warn.mockRestore();
      await owner.end();
      await ds.destroy();
    }
  });
});

describe('a pool that ends (e2e)', () => {
  it('has closed its connections when its end resolves: a server stopped right after (the embedded one, at a stop) cuts none', async () => {
    const ds = new DataSource(dataSourceOptions(await createTestDatabase(), 3));
    await ds.initialize();
    const pool = (ds.driver as unknown as { master: Pool }).master;
    const clients = [await pool.connect(), await pool.connect(), await pool.connect()];
    const open = new Set(clients);
    for (const client of clients) client.once('end', () => open.delete(client));
    await Promise.all(clients.map((client) => client.query('SELECT 1')));
    for (const client of clients) client.release();
    await ds.destroy();
    // node-postgres called a pool ended once it had asked its connections to close: all three were still open, and
    // the embedded server, stopped next, cut them ("terminating connection due to administrator command", logged).
    expect(open.size).toBe(0);
  });
});

describe('the timeouts of migrations (e2e)', () => {
  it('a migration runs without the requests\' statement timeout, even where the database sets one', async () => {
    const url = await createTestDatabase();
    const name = new URL(url).pathname.slice(1);
    const owner = new Client({ connectionString: url });
    await owner.connect();
    try {
      await owner.query(`ALTER DATABASE "${name}" SET statement_timeout = '50ms'`);
    } finally {
      await owner.end();
    }
    const timeoutOf = async (timeouts?: { statementMs: number; queryMs: number }) => {
      const ds = new DataSource(dataSourceOptions(url, 1, timeouts));
      await ds.initialize();
      try {
        const [{ statement_timeout: setting }] = await ds.query('SHOW statement_timeout');
        const slow = await ds.query('SELECT pg_sleep(0.2)').then(() => 'done', (error: Error) => error.message);
        return [setting, slow];
      } finally {
        await ds.destroy();
      }
    };
    expect(await timeoutOf(MIGRATION_TIMEOUTS)).toEqual(['0', 'done']);
    expect(await timeoutOf()).toEqual(['30s', 'done']);
  });
});
