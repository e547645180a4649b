import { resolve } from 'node:path';
import { isEmail } from 'class-validator';
import { canonicalEmail } from '@amparo/common';
import { ConfigError } from './config-error';
import { AppConfig, NodeEnv, SmtpConfig } from './config.types';
import { loadOrCreateDevSecrets } from './dev-secrets';

type Env = Record<string, string | undefined>;

const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * 32 bytes in base64, as base64 writes them: the last character before `=` carries two bits that must be zero, and a
 * character mistyped there still decodes to 32 bytes (refused later by the key parser, after the database was set up).
 */
const isBase64Key = (value: string) => BASE64_32.test(value) && Buffer.from(value, 'base64').toString('base64') === value;

/** Why a value of the right length is refused (never the value itself, nor the character that should be there). */
const notCanonical = (value: string) =>
  BASE64_32.test(value)
    ? ': its last character before "=" is not the one base64 writes for these bytes. It is the same key: rewrite only that character (docs/deployment.md, Upgrading); do not generate a new one'
    : '';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(name, 'must be true or false');
  return raw === 'true';
}

function nodeEnv(env: Env): NodeEnv {
  const raw = str(env, 'NODE_ENV') ?? 'development';
  if (raw !== 'development' && raw !== 'production' && raw !== 'test') {
    throw new ConfigError('NODE_ENV', `must be development, production or test, got "${raw}"`);
  }
  return raw;
}

function postgresUrl(env: Env, name: string): string | null {
  const raw = str(env, name);
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must use the postgres:// scheme, got "${url.protocol}"`);
  }
  // The driver decodes them: a "%" not starting an escape (a password typed as is) would fail there, with a stack.
  for (const [part, value] of [['user', url.username], ['password', url.password], ['database', url.pathname]] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new ConfigError(name, `has a ${part} with a "%" that does not begin an escape such as %25: percent-encode it (a "%" is %25)`);
    }
  }
  return raw;
}

/**
 * The largest JSON body taken by default: an intake with every field at its longest (a 20,000-character narrative, a
 * 5,000-character criminal history, ten adverse parties: about 30,000 characters) sent by a client that escapes every
 * character outside ASCII (Python's json.dumps does by default) is about 190 kB in a script of the Basic Multilingual
 * Plane (\uXXXX, six bytes), about 370 kB in one beyond it such as Adlam (a surrogate pair, twelve bytes, counted as
 * one character by the length limits).
 */
export const DEFAULT_BODY_LIMIT = '512kb';

/** A JSON body size as the body parser reads it: bytes, or a number with b, kb, mb (1 kB to 50 MB). */
function bodyLimit(env: Env): string {
  const raw = str(env, 'BODY_LIMIT') ?? DEFAULT_BODY_LIMIT;
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb)?$/i.exec(raw);
  const units: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };
  const bytes = match ? Number(match[1]) * units[(match[2] ?? 'b').toLowerCase()] : NaN;
  if (!(bytes >= 1024 && bytes <= 50 * 1024 * 1024)) {
    throw new ConfigError('BODY_LIMIT', `must be a size from 1kb to 50mb, such as 100kb or 1mb, got "${raw}"`);
  }
  return raw;
}

/** The address users reach (calendar-feed URLs, calendar event ids): an http(s) URL. */
function publicUrl(env: Env): string | null {
  const raw = str(env, 'PUBLIC_URL');
  if (raw === undefined) return null;
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || !url.hostname) {
    throw new ConfigError('PUBLIC_URL', `must be an http(s) URL such as https://amparo.example.org, got "${raw}"`);
  }
  // Paths are appended to it (`/api/calendar/...`): a query or fragment would swallow them.
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    throw new ConfigError('PUBLIC_URL', `must be an address without a query or fragment, such as https://amparo.example.org, got "${raw}"`);
  }
  // A trailing slash would make every feed URL `…//api/calendar/…`, which nothing serves.
  return raw.replace(/\/+$/, '');
}

/**
 * DATABASE_URL is the running application's connection; DATABASE_OWNER_URL, when set, the schema owner's, which runs
 * the migrations and grants the application's role its privileges. They must name two roles: the point of the owner's
 * URL is that the application's own cannot alter the schema or rewrite the audit trail.
 */
function databaseUrls(env: Env): { databaseUrl: string | null; databaseOwnerUrl: string | null } {
  const databaseUrl = postgresUrl(env, 'DATABASE_URL');
  const databaseOwnerUrl = postgresUrl(env, 'DATABASE_OWNER_URL');
  if (databaseOwnerUrl === null) return { databaseUrl, databaseOwnerUrl };
  if (databaseUrl === null) {
    throw new ConfigError('DATABASE_OWNER_URL', 'needs DATABASE_URL too (the application\'s own role); without DATABASE_URL the embedded PostgreSQL is used');
  }
  const role = (url: string) => decodeURIComponent(new URL(url).username);
  if (!role(databaseUrl)) throw new ConfigError('DATABASE_URL', 'must name the application\'s role (postgres://role:password@host/db) when DATABASE_OWNER_URL is set');
  if (role(databaseUrl) === role(databaseOwnerUrl)) {
    throw new ConfigError('DATABASE_OWNER_URL', `names the same role as DATABASE_URL ("${role(databaseUrl)}"): the application needs a role of its own`);
  }
  return { databaseUrl, databaseOwnerUrl };
}

/**
 * Database connections per API process. More is not faster: a request holds its connection while the process is busy
 * with other requests, so on a small host a large pool mostly adds transactions waiting on Node (and on each other's
 * row locks). The benchmark measured intake p99 at 32 connections at 227-266 ms with 10 against 289-448 ms with 20, at
 * the same throughput (docs/performance.md).
 */
export const DEFAULT_DB_POOL_SIZE = 10;

export function validateKeyring(spec: string, variable = 'AMPARO_KEYS'): void {
  const seen = new Set<string>();
  for (const entry of spec.split(',')) {
    const separator = entry.indexOf(':');
    const id = entry.slice(0, separator).trim();
    const material = entry.slice(separator + 1).trim();
    if (separator < 1 || !KEY_ID.test(id)) {
      throw new ConfigError(variable, 'must be a comma-separated list of <id>:<base64 32 bytes> (id: letters, digits, _ or -)');
    }
    if (seen.has(id)) throw new ConfigError(variable, `names key id "${id}" twice`);
    seen.add(id);
    if (!isBase64Key(material)) throw new ConfigError(variable, `key "${id}" must be 32 bytes in base64${notCanonical(material)}`);
  }
}

function validateKey(value: string, variable: string): void {
  if (!isBase64Key(value)) throw new ConfigError(variable, `must be 32 bytes in base64${notCanonical(value)}`);
}

/**
 * Each key has one job: the index key hashes A-numbers that an encryption key must not help to guess, and a token
 * secret that is also an encryption key would put that key in every process that checks a token. One key under two
 * names, or under two ids of the keyring, is refused.
 */
function validateDistinct(keyring: string, indexKey: string, jwtSecret: string, auditKeys: string): void {
  const bytes = (b64: string) => Buffer.from(b64, 'base64').toString('hex');
  const seen = new Map<string, string>();
  const ring = (spec: string, variable: string) =>
    spec.split(',').map((entry): [string, string] => {
      const separator = entry.indexOf(':');
      return [`${variable} key "${entry.slice(0, separator).trim()}"`, entry.slice(separator + 1).trim()];
    });
  const entries: [string, string][] = [
    ...ring(keyring, 'AMPARO_KEYS'),
    ['AMPARO_INDEX_KEY', indexKey],
    ['AMPARO_JWT_SECRET', jwtSecret],
    ...ring(auditKeys, 'AMPARO_AUDIT_KEYS'),
  ];
  for (const [name, value] of entries) {
    if (Buffer.from(value, 'base64').every((byte) => byte === 0)) throw new ConfigError(name, 'is all zero bytes: generate a random key');
    const earlier = seen.get(bytes(value));
    if (earlier) throw new ConfigError(name, `is the same key as ${earlier}: each needs its own`);
    seen.set(bytes(value), name);
  }
}

function secrets(env: Env, mode: NodeEnv, dataDir: string): AppConfig['secrets'] {
  const names = ['AMPARO_KEYS', 'AMPARO_INDEX_KEY', 'AMPARO_JWT_SECRET', 'AMPARO_AUDIT_KEYS'] as const;
  const given = Object.fromEntries(names.map((n) => [n, str(env, n)])) as Record<(typeof names)[number], string | undefined>;
  const missing = names.filter((n) => given[n] === undefined);
  let generated = false;
  if (missing.length > 0) {
    if (mode === 'production') {
      throw new ConfigError(missing.join(', '), 'must be set when NODE_ENV=production (dev keys are refused)');
    }
    const dev = loadOrCreateDevSecrets(dataDir).secrets;
    for (const name of missing) given[name] = dev[name];
    // Whether the keys that encrypt, index and sign are the file's (the CLI's key commands refuse those on a database
    // of one's own); the audit key alone from the file protects nothing of the data.
    generated = missing.some((name) => name !== 'AMPARO_AUDIT_KEYS');
  }
  validateKeyring(given.AMPARO_KEYS!);
  validateKey(given.AMPARO_INDEX_KEY!, 'AMPARO_INDEX_KEY');
  validateKey(given.AMPARO_JWT_SECRET!, 'AMPARO_JWT_SECRET');
  validateKeyring(given.AMPARO_AUDIT_KEYS!, 'AMPARO_AUDIT_KEYS');
  validateDistinct(given.AMPARO_KEYS!, given.AMPARO_INDEX_KEY!, given.AMPARO_JWT_SECRET!, given.AMPARO_AUDIT_KEYS!);
  for (const variable of ['AMPARO_KEYS', 'AMPARO_AUDIT_KEYS'] as const) {
    if (mode === 'production' && given[variable]!.split(',').some((e) => e.trim().startsWith('dev'))) {
      throw new ConfigError(variable, 'uses a generated dev key id ("dev…"): generate real keys for production');
    }
  }
  return {
    keyring: given.AMPARO_KEYS!,
    indexKey: given.AMPARO_INDEX_KEY!,
    jwtSecret: given.AMPARO_JWT_SECRET!,
    auditKeys: given.AMPARO_AUDIT_KEYS!,
    generated,
    fromFile: mode === 'production' ? [] : [...missing],
  };
}

function smtp(env: Env): SmtpConfig | null {
  const host = str(env, 'SMTP_HOST');
  if (host === undefined) return null;
  const from = str(env, 'SMTP_FROM');
  if (from === undefined) throw new ConfigError('SMTP_FROM', 'must be set when SMTP_HOST is set');
  // An address, alone or after a name: a mistake here would show only at the first email, as a fault of the server.
  const address = /^(?:[^<>]*<([^<>]+)>|([^<>]+))$/.exec(from.trim());
  // A relay on this host or a private network may have no top-level domain (amparo@localhost) or be an address literal.
  if (!address || !isEmail((address[1] ?? address[2]).trim(), { require_tld: false, allow_ip_domain: true })) {
    throw new ConfigError('SMTP_FROM', `must be an email address, alone or as Name <address>, such as Amparo <no-reply@example.org>; got "${from}"`);
  }
  const secureRaw = str(env, 'SMTP_SECURE') ?? 'false';
  if (secureRaw !== 'true' && secureRaw !== 'false') throw new ConfigError('SMTP_SECURE', 'must be true or false');
  const requireRaw = str(env, 'SMTP_REQUIRE_TLS');
  if (requireRaw !== undefined && requireRaw !== 'true' && requireRaw !== 'false') throw new ConfigError('SMTP_REQUIRE_TLS', 'must be true or false');
  return {
    host,
    port: int(env, 'SMTP_PORT', 587, 1, 65535),
    secure: secureRaw === 'true',
    requireTls: requireRaw === undefined ? null : requireRaw === 'true',
    user: str(env, 'SMTP_USER') ?? null,
    password: str(env, 'SMTP_PASSWORD') ?? null,
    from,
  };
}


/** Reads and validates the environment once, at boot. Throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const mode = nodeEnv(env);
  const dataDir = resolve(cwd, str(env, 'AMPARO_DATA_DIR') ?? '.data');
  // In the form sign-in compares (an invisible character pasted with it would leave an admin nobody can sign in as).
  const adminEmail = canonicalEmail(str(env, 'ADMIN_EMAIL') ?? 'admin@amparo.local');
  // The same test as sign-in's (class-validator's IsEmail): an admin whose address it refuses could never sign in.
  if (!isEmail(adminEmail) || adminEmail.length > 254) throw new ConfigError('ADMIN_EMAIL', `must be an email address, got "${adminEmail}"`);
  const adminPassword = str(env, 'ADMIN_PASSWORD') ?? null;
  if (adminPassword !== null && adminPassword.length < 12) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at least 12 characters');
  }
  // Sign-in takes passwords of up to 200 characters: a longer one would make an admin who could never sign in.
  if (adminPassword !== null && adminPassword.length > 200) {
    throw new ConfigError('ADMIN_PASSWORD', 'must be at most 200 characters (the longest password sign-in takes)');
  }
  const logLevel = str(env, 'LOG_LEVEL') ?? (mode === 'test' ? 'silent' : 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', 'must be one of fatal, error, warn, info, debug, trace, silent');
  }
  // Not 0 (a port the system picks): the default PUBLIC_URL, in every calendar feed's address, needs the real one.
  const port = int(env, 'PORT', 3000, 1, 65535);
  return {
    nodeEnv: mode,
    port,
    ...databaseUrls(env),
    dbPoolSize: int(env, 'DB_POOL_SIZE', DEFAULT_DB_POOL_SIZE, 1, 200),
    dbPreparedStatements: bool(env, 'DB_PREPARED_STATEMENTS', true),
    apiWorkers: int(env, 'API_WORKERS', 1, 1, 64),
    dataDir,
    embeddedPgPort: int(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    admin: { email: adminEmail, password: adminPassword },
    secrets: secrets(env, mode, dataDir),
    auth: {
      accessTtlSeconds: int(env, 'ACCESS_TOKEN_TTL', 900, 60, 3600),
      refreshTtlSeconds: int(env, 'REFRESH_TOKEN_TTL', 14 * 24 * 3600, 3600, 90 * 24 * 3600),
      issuer: 'amparo',
      audience: 'amparo-api',
    },
    bodyLimit: bodyLimit(env),
    trustProxy: int(env, 'TRUST_PROXY', 0, 0, 10),
    logLevel,
    smtp: smtp(env),
    jobs: {
      enabled: bool(env, 'JOBS_ENABLED', mode !== 'test'),
      intervalSeconds: int(env, 'JOBS_INTERVAL_SECONDS', 60, 1, 3600),
      purgeIntervalSeconds: int(env, 'PURGE_INTERVAL_SECONDS', 3600, 1, 86400),
    },
    publicUrl: publicUrl(env) ?? `http://localhost:${port}`,
  };
}
