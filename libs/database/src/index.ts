export * from './embedded-postgres';
export * from './test-database-guard';
export * from './pg-errors';
export * from './migrate';
export * from './prepared';
export * from './retry';
export * from './database-unavailable';
export * from './runtime-role';
