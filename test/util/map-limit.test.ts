import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/util/map-limit.ts';

describe('mapLimit', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      running++;
      peak = Math.max(peak, running);
      await sleep(n);
      running--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(peak).toBe(2);
  });

  it('starts nothing new after an error and rejects only once started work has settled', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const attempt = mapLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom at 1');
      await sleep(20);
      finished.push(n);
      return n;
    });
    await expect(attempt).rejects.toThrow('boom at 1');
    // 0 was in flight when 1 failed: it ran to completion before the call rejected, and nothing else started.
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([0]);
  });
});

describe('mapLimit with an abort signal', () => {
  it('starts no new item once aborted and rejects with the reason after the started ones settle', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    const run = mapLimit(
      [0, 1, 2, 3, 4, 5],
      2,
      async (n) => {
        started.push(n);
        if (n === 1) controller.abort(new Error('cancelled by the caller'));
        await Promise.resolve();
        return n;
      },
      { abortSignal: controller.signal },
    );
    await expect(run).rejects.toThrow('cancelled by the caller');
    expect(started).toEqual([0, 1]);
  });
});
