// Under CI a test whose fixture in ../shared is missing fails; outside CI it skips and says why. Checked by running
// a real suite that needs the accelerator sample, with the shared folder pointed at nothing.
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');

function suiteWithoutShared(ci: boolean) {
  const env: Record<string, string | undefined> = { ...process.env, MM_SHARED: '/nonexistent/shared' };
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'CI') delete env[name];
  if (ci) env.CI = 'true';
  return execa(
    process.execPath,
    ['node_modules/vitest/vitest.mjs', 'run', 'test/report/accelerator-sample.test.ts'],
    {
      cwd: repo,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    },
  );
}

describe('a fixture missing from ../shared', () => {
  it('fails the suite under CI, naming the file', async () => {
    const result = await suiteWithoutShared(true);
    expect(result.exitCode, result.all).not.toBe(0);
    expect(result.all).toContain('under CI a missing fixture fails the test');
    expect(result.all).toContain('/nonexistent/shared/data/oj-sales-simulated-99.csv');
  }, 120_000);

  it('skips outside CI, saying why', async () => {
    const result = await suiteWithoutShared(false);
    expect(result.exitCode, result.all).toBe(0);
    expect(result.all).toContain('skipping the accelerator-sample test');
    expect(result.all).toMatch(/1 skipped/);
  }, 120_000);
});
