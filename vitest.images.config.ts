import { defineConfig } from 'vitest/config';

// The container image suites (`npm run test:images`, run by .ci/run after `npm test`): they build images with
// buildah and run the engine and the service inside them. Minutes, not seconds: one file at a time, since two
// vfs builds at once only thrash a small machine.
export default defineConfig({
  test: {
    include: ['test/images/**/*.test.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
