import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error';

export interface DevSecrets {
  AMPARO_KEYS: string;
  AMPARO_INDEX_KEY: string;
  AMPARO_JWT_SECRET: string;
}

const NAMES = ['AMPARO_KEYS', 'AMPARO_INDEX_KEY', 'AMPARO_JWT_SECRET'] as const;
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
  return parsed as DevSecrets;
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
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secrets: DevSecrets = {
    AMPARO_KEYS: `dev1:${key()}`,
    AMPARO_INDEX_KEY: key(),
    AMPARO_JWT_SECRET: key(),
  };
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(temporary, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
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
