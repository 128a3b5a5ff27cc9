/**
 * One jest run for every test: unit specs beside their files in `src/`, e2e and cross-cutting
 * suites in `test/`. All of them share one PostgreSQL, started (or found through `DATABASE_URL`)
 * by the global setup; the suites truncate its tables between tests, so they run one at a time.
 */
/** @type {import('jest').Config} */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 60_000,
  verbose: true,
};
