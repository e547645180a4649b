export * from './cases.module';
export * from './cases.service';
export * from './case-cipher.service';
export * from './purge.service';
export * from './domain/sensitive-fields';
export * from './domain/visibility';
export * from './key-rotation.service';
export * from './county-keys';
