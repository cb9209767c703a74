import { describe, expect, it } from 'vitest';
import { registerRun } from '../../src/engine/register.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { preparedLake } from './fixture.ts';

describe('registerRun with an abort signal', () => {
  it('given a cancelled stage, when the run is registered, then no version is written and a later call registers all', async () => {
    const lake = await preparedLake({ partitions: 6, periods: 60 });
    const run = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'r',
      workers: 1,
    });
    const dev = new LocalModelRegistry({ root: lake.root, stage: 'dev' });
    const cancelled = AbortSignal.abort(new Error('stage cancelled'));
    await expect(registerRun(run.manifest, run.runDir, dev, { abortSignal: cancelled })).rejects.toThrow(
      'stage cancelled',
    );
    const listed: string[] = [];
    for await (const v of dev.list()) listed.push(v.name);
    expect(listed).toEqual([]);
    const versions = await registerRun(run.manifest, run.runDir, dev, {
      abortSignal: new AbortController().signal,
    });
    expect(versions.length).toBe(run.manifest.partitions.filter((p) => p.status === 'ok').length);
  });
});
