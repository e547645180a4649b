import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { PG_UNIQUE_VIOLATION, pgErrorCode } from './pg-errors';
import { StartupError } from './startup-error';

const PG_DUPLICATE_OBJECT = '42710';
const PG_INSUFFICIENT_PRIVILEGE = '42501';
/** "tuple concurrently updated": two sessions changed the same role or the same object's privileges at once. */
const PG_INTERNAL_ERROR = 'XX000';
/** Advisory lock (per database) that orders role changes and grants of processes starting together. */
const ROLE_LOCK = 7_264_002;

/** The tables the running application may read and add to, but never change. */
const APPEND_ONLY_TABLES = ['audit_events', 'audit_seals'] as const;
/** TypeORM's record of applied migrations: only the owner, who runs them, writes it. */
const READ_ONLY_TABLES = ['migrations'] as const;

/** The role a postgres:// URL logs in as, and its password (both decoded). */
export function urlCredentials(url: string): { role: string; password: string } {
  const parsed = new URL(url);
  return { role: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}

/** `url` with another role and password. */
export function withCredentials(url: string, role: string, password: string): string {
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(role);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

async function withConnection<T>(url: string, run: (ds: DataSource) => Promise<T>): Promise<T> {
  const ds = new DataSource({ type: 'postgres', url, applicationName: 'amparo-setup', extra: { max: 1 } });
  await ds.initialize();
  try {
    return await run(ds);
  } finally {
    await ds.destroy();
  }
}

/**
 * Makes sure the application's login role exists, as an ordinary role: no superuser, no CREATEROLE or CREATEDB, no
 * replication, no row-security bypass. `ownerUrl` must be allowed to create roles (a superuser or CREATEROLE).
 * A role that already exists keeps its password unless `syncPassword` (the embedded server, whose role is ours) and
 * the password no longer works: a role someone else manages is theirs to change. The password is sent as a
 * SCRAM-SHA-256 verifier, never in clear: a failed or logged statement does not disclose it.
 */
export async function ensureRuntimeRole(ownerUrl: string, runtimeUrl: string, options: { syncPassword?: boolean } = {}): Promise<void> {
  const { role, password } = urlCredentials(runtimeUrl);
  if (!role) throw new StartupError('DATABASE_URL names no role (user) for the application');
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
  const exists = async (ds: DataSource | EntityManager) => (await ds.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role])).length > 0;
  await withConnection(ownerUrl, async (ds) => {
    if (await exists(ds)) {
      if (!options.syncPassword || (await canLogIn(runtimeUrl))) return;
    } else {
      const [me] = await ds.query(`SELECT rolsuper OR rolcreaterole AS can FROM pg_roles WHERE rolname = current_user`);
      if (!me?.can) {
        throw Object.assign(new Error(`role "${role}" does not exist, and the owner's role may not create roles`), { code: PG_INSUFFICIENT_PRIVILEGE });
      }
    }
    await withRetry(() =>
      ds.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock($1)`, [ROLE_LOCK]);
        const verb = (await exists(tx)) ? 'ALTER' : 'CREATE';
        // Role names and passwords cannot be bound as parameters: PostgreSQL quotes them itself (%I, %L).
        const [{ statement }] = await tx.query(`SELECT format('${verb} ROLE %I WITH ${attributes} PASSWORD %L', $1::text, $2::text) AS statement`, [
          role,
          passwordVerifier(password),
        ]);
        await tx.query(statement);
      }),
    );
  });
}

/** Whether `url` logs in as it is (its role exists and its password is right). */
async function canLogIn(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * PostgreSQL's SCRAM-SHA-256 verifier of `password` (RFC 5802/7677, as `pg_authid` stores it), which `PASSWORD`
 * accepts instead of the password. A password with characters outside printable ASCII is sent as it is: PostgreSQL
 * normalizes such passwords (SASLprep) before hashing, which this does not reproduce.
 */
export function passwordVerifier(password: string): string {
  if (!/^[\x20-\x7e]*$/.test(password)) return password;
  const iterations = 4096;
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * Runs `work` again when it lost a race with another process starting at the same time: the role created meanwhile
 * (duplicate), or the same role or privileges changed at once ("tuple concurrently updated"; the advisory lock orders
 * processes on one database, not across databases of one server).
 */
async function withRetry(work: () => Promise<void>, attempts = 5): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = pgErrorCode(error);
      const raced = code === PG_DUPLICATE_OBJECT || code === PG_UNIQUE_VIOLATION || code === PG_INTERNAL_ERROR;
      if (!raced || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}

/**
 * Gives the application's role what it needs on the migrated schema, run as the tables' owner after every migration:
 * read and write every table, except that the audit trail is append-only (no UPDATE, DELETE or TRUNCATE: the trigger
 * that also refuses them can be disabled by the owner, never by this role) and the migrations table is read-only.
 * The role owns nothing, so it cannot alter, drop or disable anything; PostgreSQL 15+ gives it no CREATE on `public`.
 * Refused for a superuser or a role that may create roles (it could grant itself the owner's role).
 */
export async function grantRuntimePrivileges(ownerUrl: string, runtimeRole: string): Promise<void> {
  await withConnection(ownerUrl, async (ds) => {
    const [{ owner, quoted }] = await ds.query(`SELECT current_user AS owner, quote_ident($1::text) AS quoted`, [runtimeRole]);
    if (owner === runtimeRole) throw new StartupError(`the application's role "${runtimeRole}" is the schema's owner: give it a role of its own`);
    const [target] = await ds.query(`SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = $1`, [runtimeRole]);
    if (!target) throw new StartupError(`the application's role "${runtimeRole}" does not exist`);
    if (target.rolsuper || target.rolcreaterole) {
      throw new StartupError(`the application's role "${runtimeRole}" is a superuser or may create roles: grants cannot restrict it (ALTER ROLE ... NOSUPERUSER NOCREATEROLE)`);
    }
    await withRetry(() =>
      ds.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock($1)`, [ROLE_LOCK]);
        await tx.query(`GRANT USAGE ON SCHEMA public TO ${quoted}`);
        await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quoted}`);
        await tx.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${quoted}`);
        for (const table of APPEND_ONLY_TABLES) {
          await tx.query(`REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${table} FROM ${quoted}`);
        }
        for (const table of READ_ONLY_TABLES) {
          await tx.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${table} FROM ${quoted}`);
        }
      }),
    );
  });
}

/**
 * Whether the role of `url` could change or erase the audit trail or its seals: it owns a table (and so can disable
 * its trigger), is a superuser, may create roles (and so grant itself the owner's), or holds UPDATE, DELETE or
 * TRUNCATE on one. The boot warns when it can.
 */
export async function canRewriteAuditTrail(url: string): Promise<boolean> {
  return withConnection(url, async (ds) => {
    const rows: { can: boolean }[] = await ds.query(`
      SELECT r.rolsuper
          OR pg_has_role(current_user, c.relowner, 'USAGE')
          OR r.rolcreaterole
          OR has_table_privilege(current_user, c.oid, 'UPDATE, DELETE, TRUNCATE') AS can
        FROM pg_class c, pg_roles r
       WHERE c.relname IN ('audit_events', 'audit_seals') AND c.relnamespace = 'public'::regnamespace AND r.rolname = current_user`);
    return rows.some((row) => row.can === true);
  });
}

/** Whether `error` is PostgreSQL refusing a statement for want of privilege (a runtime role running migrations). */
export function isInsufficientPrivilege(error: unknown): boolean {
  return pgErrorCode(error) === PG_INSUFFICIENT_PRIVILEGE;
}
