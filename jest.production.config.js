/**
 * The production profile (`npm run test:production`; not part of `npm test`): the compiled
 * build as separate processes (two workers, two APIs) on the full Temporal server and an
 * embedded Postgres of its own, started once by the global setup. The files share that
 * topology and stop parts of it, so they run one at a time.
 */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['<rootDir>/test/production/**/*.test.ts'],
  globalSetup: '<rootDir>/test/production/global-setup.ts',
  globalTeardown: '<rootDir>/test/production/global-teardown.ts',
  maxWorkers: 1,
  testTimeout: 180_000,
};
