import { Platform1764000000000 } from './1764000000000-Platform';

/** Every migration, in order. The app, the CLI and the tests share this list through one DataSource. */
export const MIGRATIONS = [Platform1764000000000];
