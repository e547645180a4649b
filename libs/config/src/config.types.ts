export type NodeEnv = 'development' | 'production' | 'test';

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  /** STARTTLS required: null = the default (required unless the server is on this host). */
  requireTls: boolean | null;
  user: string | null;
  password: string | null;
  from: string;
}

export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  /** null: run an embedded PostgreSQL under dataDir. */
  databaseUrl: string | null;
  /** The schema owner's connection (migrations, grants); null: migrations run as DATABASE_URL's role. */
  databaseOwnerUrl: string | null;
  /** Connections per API instance (per worker process when apiWorkers > 1). */
  dbPoolSize: number;
  /** Hot statements as named prepared statements; off behind a pooler that cannot keep them (see docs). */
  dbPreparedStatements: boolean;
  /** HTTP worker processes (node:cluster) sharing the port; 1 runs the API in the main process. */
  apiWorkers: number;
  dataDir: string;
  embeddedPgPort: number;
  /**
   * The first organization's admin, created on a first start with an empty database. `bootstrap: false` (the CLI)
   * leaves that to the API, whose log is where the docs send an operator for a generated password.
   */
  admin: { email: string; password: string | null; bootstrap?: boolean };
  secrets: {
    keyring: string;
    indexKey: string;
    jwtSecret: string;
    /** AMPARO_AUDIT_KEYS: `id:<base64 32 bytes>,…`; the first seals the audit chains, every one verifies seals. */
    auditKeys: string;
    /** True when the secrets came from the git-ignored dev file rather than the environment. */
    generated: boolean;
    /** The variables read from that file (not set in the environment). */
    fromFile: string[];
  };
  auth: { accessTtlSeconds: number; refreshTtlSeconds: number; issuer: string; audience: string };
  bodyLimit: string;
  /** Express 'trust proxy': how many reverse proxies sit in front (so req.ip is the client's). */
  trustProxy: number;
  logLevel: string;
  smtp: SmtpConfig | null;
  /** Background jobs (purge, reminders, offer expiry). Off in tests, which run them by hand with a controlled clock. */
  jobs: { enabled: boolean; intervalSeconds: number; purgeIntervalSeconds: number };
  publicUrl: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
