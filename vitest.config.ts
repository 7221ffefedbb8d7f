import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real PTYs, git processes and SQLite files: two cores are shared by everything.
    pool: 'forks',
    maxWorkers: 2,
  },
});
