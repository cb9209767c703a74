import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARM_DOCUMENTED_LIMITS, ArmBudget, withHeadroom } from '../../src/azure/arm-budget.ts';
import { TokenBuckets } from '../../twin/aml/arm-gate.ts';
import { startDevWorkspace } from '../../twin/aml/dev-workspace.ts';
import type { SpecServer } from '../../twin/aml/spec-server.ts';
import { makeArtifact } from '../promotion/fixtures.ts';

// Issue 13, defect 7: registration must pace itself to ARM's throttling budget instead of living on 429s.
describe('the ARM budget (a client-side token bucket)', () => {
  it('lets a burst of the bucket through at once, then one request per refill interval', async () => {
    let now = 0;
    const slept: number[] = [];
    const budget = new ArmBudget({
      limits: withHeadroom(ARM_DOCUMENTED_LIMITS),
      now: () => now,
      sleep: async (ms) => {
        slept.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 180; i++) await budget.take('writes');
    expect(slept).toEqual([]);
    await budget.take('writes');
    // 90 % of ARM's 10 writes/s: one token every 111 ms once the burst of 180 is spent.
    expect(slept).toEqual([112]);
    for (let i = 0; i < 225; i++) await budget.take('reads');
    expect(slept).toHaveLength(1);
  });
});

describe('registering against a throttling ARM (the twin: token buckets per principal, 429 + Retry-After)', () => {
  // ARM's shape at a tenth of its size, so the test takes seconds: 20 writes at once, then 2 per second.
  const small = {
    reads: { bucket: 25, refillPerSecond: 5 },
    writes: { bucket: 20, refillPerSecond: 2 },
    deletes: { bucket: 20, refillPerSecond: 2 },
  };
  let dev: Awaited<ReturnType<typeof startDevWorkspace>>;
  let server: SpecServer;

  beforeAll(async () => {
    dev = await startDevWorkspace({ buckets: new TokenBuckets({ limits: small }) });
    server = dev.server;
  });
  afterAll(async () => {
    await dev.stop();
  });

  const register = (runId: string, budget: ArmBudget | false, count: number) =>
    dev.registry({ budget, retryDelayMs: 10 }).registerMany(
      Array.from({ length: count }, (_, i) => ({
        artifact: makeArtifact({ key: [runId, String(i)] }, { runId, partitions: [] }),
        tags: { 'mm.run.id': runId },
      })),
      { idempotencyTag: 'mm.run.id' },
    );

  const throttled = (from: number) => server.log.slice(from).filter((l) => l.status === 429).length;

  it('meets no 429 when paced by a budget sized to the limits', async () => {
    const from = server.log.length;
    const budget = new ArmBudget({ limits: withHeadroom(small) });
    // One write per new model (the version PUT): more models than the burst, so the budget must wait.
    const versions = await register('paced', budget, 24);
    expect(versions).toHaveLength(24);
    expect(throttled(from)).toBe(0);
    expect(budget.waitedMs.writes).toBeGreaterThan(0);
  });

  it('without it, the same registration runs into 429s (and, once the retries are spent, loses models)', async () => {
    const from = server.log.length;
    // Right after the paced run the bucket is nearly empty: an unpaced burst lives on Retry-After waits.
    const outcome = await register('unpaced', false, 12).then(
      (versions) => versions.length,
      (error: Error) => error.message,
    );
    expect(throttled(from)).toBeGreaterThan(0);
    expect(outcome === 12 || /could not be registered/.test(String(outcome))).toBe(true);
  });
});
