import { hkdfSync, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error';

export interface DevSecrets {
  AMPARO_KEYS: string;
  AMPARO_INDEX_KEY: string;
  AMPARO_JWT_SECRET: string;
  AMPARO_AUDIT_KEYS: string;
}

const NAMES = ['AMPARO_KEYS', 'AMPARO_INDEX_KEY', 'AMPARO_JWT_SECRET'] as const;

/**
 * A keys file written before audit seals existed has no AMPARO_AUDIT_KEYS. Adding one would rewrite a file other
 * processes may be reading; instead every process derives the same key from the file's token secret (HKDF, its own
 * label), so they all seal and verify alike.
 */
function derivedAuditKeys(jwtSecret: string): string {
  const bytes = Buffer.from(hkdfSync('sha256', Buffer.from(jwtSecret, 'base64'), Buffer.alloc(0), 'amparo dev audit seal key', 32));
  return `dev1:${bytes.toString('base64')}`;
}
const key = () => randomBytes(32).toString('base64');

function read(path: string): DevSecrets {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(path, `cannot be read as the generated development keys (${(error as Error).message}): restore it, or set the keys`);
  }
  const missing = NAMES.filter((n) => typeof (parsed as Record<string, unknown> | null)?.[n] !== 'string');
  if (missing.length) throw new ConfigError(path, `lacks ${missing.join(', ')}: restore it, or set the keys`);
  const secrets = parsed as Partial<DevSecrets> & Omit<DevSecrets, 'AMPARO_AUDIT_KEYS'>;
  return { ...secrets, AMPARO_AUDIT_KEYS: typeof secrets.AMPARO_AUDIT_KEYS === 'string' ? secrets.AMPARO_AUDIT_KEYS : derivedAuditKeys(secrets.AMPARO_JWT_SECRET) };
}

/**
 * Outside production, missing secrets come from `<dataDir>/keys.json`, generated once. Losing that file loses every
 * encrypted field, which is why production refuses it and demands real keys. Written whole under another name and
 * linked into place, which fails if the file appeared meanwhile: an API and a CLI started together for the first
 * time end up with the same keys (the one that lost reads the winner's).
 */
export function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; created: boolean; path: string } {
  const path = join(dataDir, 'keys.json');
  if (existsSync(path)) return { secrets: read(path), created: false, path };
  const secrets: DevSecrets = {
    AMPARO_KEYS: `dev1:${key()}`,
    AMPARO_INDEX_KEY: key(),
    AMPARO_JWT_SECRET: key(),
    AMPARO_AUDIT_KEYS: `dev1:${key()}`,
  };
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o755 });
    writeFileSync(temporary, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  } catch (error) {
    throw new ConfigError('AMPARO_DATA_DIR', `cannot hold the development keys (${(error as Error).message}): set it to a directory this user may write, or set the keys`);
  }
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { secrets: read(path), created: false, path };
  } finally {
    unlinkSync(temporary);
  }
  return { secrets, created: true, path };
}
