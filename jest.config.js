/** Jest runs the TypeScript sources as ESM (the toolkit and @azure/identity are ESM-only). */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/packages', '<rootDir>/action-run-flow', '<rootDir>/action-evaluate', '<rootDir>/action-gate', '<rootDir>/action-register', '<rootDir>/action-deploy'],
  testMatch: ['**/test/**/*.test.ts'],
  moduleNameMapper: {
    '^@llmops/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1'
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }]
  },
  testTimeout: 30000
};
