import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The image suites build containers for minutes: `npm run test:images` (vitest.images.config.ts).
    exclude: [...configDefaults.exclude, 'test/images/**'],
    // Integration suites start servers (Azurite, HTTP) and DuckDB; on a 2-core machine they need headroom.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
