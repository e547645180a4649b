import { DataSource } from 'typeorm';
import { pgErrorCode } from './pg-errors';

const PG_DUPLICATE_OBJECT = '42710';
const PG_INSUFFICIENT_PRIVILEGE = '42501';

/** The tables the running application may read and add to, but never change. */
const APPEND_ONLY_TABLES = ['audit_events'] as const;
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
 * A role that already exists keeps its password unless `syncPassword` (the embedded server, whose role is ours):
 * a role someone else manages is theirs to change.
 */
export async function ensureRuntimeRole(ownerUrl: string, runtimeUrl: string, options: { syncPassword?: boolean } = {}): Promise<void> {
  const { role, password } = urlCredentials(runtimeUrl);
  if (!role) throw new Error('DATABASE_URL names no role (user) for the application');
  const attributes = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT';
  await withConnection(ownerUrl, async (ds) => {
    const [existing] = await ds.query(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [role]);
    if (existing && !options.syncPassword) return;
    // Role names and passwords cannot be bound as parameters: PostgreSQL quotes them itself (%I, %L).
    const verb = existing ? 'ALTER' : 'CREATE';
    const [{ statement }] = await ds.query(`SELECT format('${verb} ROLE %I WITH ${attributes} PASSWORD %L', $1::text, $2::text) AS statement`, [
      role,
      password,
    ]);
    try {
      await ds.query(statement);
    } catch (error) {
      // Another process (the API and a CLI command starting together) created it first.
      if (pgErrorCode(error) !== PG_DUPLICATE_OBJECT) throw error;
    }
  });
}

/**
 * Gives the application's role what it needs on the migrated schema, run as the tables' owner after every migration:
 * read and write every table, except that the audit trail is append-only (no UPDATE, DELETE or TRUNCATE: the trigger
 * that also refuses them can be disabled by the owner, never by this role) and the migrations table is read-only.
 * The role owns nothing, so it cannot alter, drop or disable anything; PostgreSQL 15+ gives it no CREATE on `public`.
 */
export async function grantRuntimePrivileges(ownerUrl: string, runtimeRole: string): Promise<void> {
  await withConnection(ownerUrl, async (ds) => {
    const [{ owner, quoted }] = await ds.query(`SELECT current_user AS owner, quote_ident($1::text) AS quoted`, [runtimeRole]);
    if (owner === runtimeRole) throw new Error(`the application's role "${runtimeRole}" is the schema's owner: give it a role of its own`);
    const [target] = await ds.query(`SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = $1`, [runtimeRole]);
    if (!target) throw new Error(`the application's role "${runtimeRole}" does not exist`);
    if (target.superuser) throw new Error(`the application's role "${runtimeRole}" is a superuser: grants cannot restrict it`);
    await ds.transaction(async (tx) => {
      await tx.query(`GRANT USAGE ON SCHEMA public TO ${quoted}`);
      await tx.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${quoted}`);
      await tx.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${quoted}`);
      for (const table of APPEND_ONLY_TABLES) {
        await tx.query(`REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${table} FROM ${quoted}`);
      }
      for (const table of READ_ONLY_TABLES) {
        await tx.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${table} FROM ${quoted}`);
      }
    });
  });
}

/**
 * Whether the role of `url` could change or erase the audit trail: it owns the table (and so can disable its
 * trigger), is a superuser, or holds UPDATE, DELETE or TRUNCATE on it. The boot warns when it can.
 */
export async function canRewriteAuditTrail(url: string): Promise<boolean> {
  return withConnection(url, async (ds) => {
    const [{ can }] = await ds.query(`
      SELECT r.rolsuper
          OR pg_has_role(current_user, c.relowner, 'USAGE')
          OR has_table_privilege(current_user, c.oid, 'UPDATE, DELETE, TRUNCATE') AS can
        FROM pg_class c, pg_roles r
       WHERE c.oid = 'audit_events'::regclass AND r.rolname = current_user`);
    return can === true;
  });
}

/** Whether `error` is PostgreSQL refusing a statement for want of privilege (a runtime role running migrations). */
export function isInsufficientPrivilege(error: unknown): boolean {
  return pgErrorCode(error) === PG_INSUFFICIENT_PRIVILEGE;
}
