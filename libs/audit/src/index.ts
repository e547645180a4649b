export * from './audit-chain';
export * from './audit-seal';
export * from './audit-seal.service';
export * from './audit.service';
export * from './audit.module';
export * from './openapi';
