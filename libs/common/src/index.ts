export * from './domain-error';
export * from './validation';
export * from './all-exceptions.filter';
export * from './logging';
export * from './http-hardening';
export * from './pagination';
export * from './clock';
export * from './common.module';
