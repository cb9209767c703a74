import { existsSync, readdirSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerRun } from '../../src/engine/register.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { scoreRun } from '../../src/scoring/score.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';

describe('scoreRun with an abort signal', () => {
  let lake: LakeFixture;
  beforeAll(async () => {
    lake = await preparedLake({ partitions: 24, periods: 80, batchSize: 1 });
    const run = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 't',
      workers: 1,
    });
    await registerRun(run.manifest, run.runDir, new LocalModelRegistry({ root: lake.root, stage: 'prod' }));
  });

  const filesBelow = (dir: string) => (existsSync(dir) ? readdirSync(dir, { recursive: true }) : []);

  it('given a run aborted after its first batch, when it stops, then the rest never runs and nothing is written', async () => {
    const controller = new AbortController();
    let ticks = 0;
    const attempt = scoreRun({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      predictionsDir: lake.layout.predictions,
      warehousePath: lake.layout.warehouse,
      runId: 'aborted',
      workers: 1,
      abortSignal: controller.signal,
      progress: () => ({
        tick: () => {
          ticks++;
          controller.abort(new Error('operator pressed Ctrl-C'));
        },
        stop: () => {},
      }),
    });
    await expect(attempt).rejects.toThrow('operator pressed Ctrl-C');
    expect(ticks).toBe(1); // 24 partitions in batches of 4: five batches never ran
    expect(filesBelow(lake.layout.predictions)).toEqual([]);
    expect(filesBelow(`${lake.layout.predictions}.staging`)).toEqual([]);
    expect(existsSync(lake.layout.warehouse)).toBe(false);
  });

  it('given an already aborted signal, when scoring is asked, then it refuses before reading the lake', async () => {
    const attempt = scoreRun({
      config: lake.config,
      preparedDir: '/nonexistent',
      predictionsDir: lake.layout.predictions,
      runId: 'never',
      abortSignal: AbortSignal.abort(new Error('cancelled')),
    });
    await expect(attempt).rejects.toThrow('cancelled');
  });
});
