// Jest runs TypeScript through SWC (NestJS 12 ships ESM only, so @nestjs is transpiled too).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      // Rewrites @amparo/* imports to relative paths, so global setup (which ignores moduleNameMapper) resolves them.
      baseUrl: __dirname,
      paths: { '@amparo/*': ['libs/*/src'] },
    },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = { '^@amparo/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const shared = {
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(@nestjs|iso-639-3)/)'],
  moduleNameMapper,
  testEnvironment: 'node',
};

module.exports = {
  // Global: e2e tests boot the app and talk to PostgreSQL, and CI machines are small.
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
