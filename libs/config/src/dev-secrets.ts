import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DevSecrets {
  AMPARO_KEYS: string;
  AMPARO_INDEX_KEY: string;
  AMPARO_JWT_SECRET: string;
}

const key = () => randomBytes(32).toString('base64');

/**
 * Outside production, missing secrets come from `<dataDir>/keys.json`, generated once. Losing that file loses every
 * encrypted field, which is why production refuses it and demands real keys.
 */
export function loadOrCreateDevSecrets(dataDir: string): { secrets: DevSecrets; created: boolean; path: string } {
  const path = join(dataDir, 'keys.json');
  if (existsSync(path)) {
    return { secrets: JSON.parse(readFileSync(path, 'utf8')) as DevSecrets, created: false, path };
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secrets: DevSecrets = {
    AMPARO_KEYS: `dev1:${key()}`,
    AMPARO_INDEX_KEY: key(),
    AMPARO_JWT_SECRET: key(),
  };
  writeFileSync(path, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return { secrets, created: true, path };
}
