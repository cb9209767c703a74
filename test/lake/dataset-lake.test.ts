import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conditionAdmitsPath, writesOnlyUnder } from '../../infra/blob-conditions.ts';
import { loadPipelineSpec } from '../../src/compute/aml-parallel-spec.ts';
import { sparkJobArgs } from '../../src/compute/spark-job.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { generate } from '../../src/generate/generate.ts';
import {
  pipelineSpecUnderPrefix,
  registryIndexPrefix,
  synapseDataSourceName,
} from '../../src/lake/dataset-lake.ts';
import { stageContextFor } from '../../src/stages/context.ts';
import { evaluateAndPromoteStage } from '../../src/stages/evaluate-and-promote.ts';
import { prepareStage } from '../../src/stages/prepare.ts';
import { scoreStage } from '../../src/stages/score.ts';
import { trainStage } from '../../src/stages/train.ts';
import { blobStoreFor } from '../../src/storage/factory.ts';
import { twinCredential } from '../../twin/storage/lakes.ts';
import { createMmProject, weeklySalesConfig } from '../support/mm-project.ts';
import { startLakes } from '../twin/lake-fixture.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** Every string in a pipeline spec that names a datastore path. */
function datastorePaths(value: unknown): string[] {
  if (typeof value === 'string') return value.startsWith('azureml://datastores/') ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(datastorePaths);
  if (value && typeof value === 'object') return Object.values(value).flatMap(datastorePaths);
  return [];
}

describe("a dataset's folder of the lake, in every form a path takes outside this process", () => {
  it('moves every datastore path of both pipeline jobs into the folder; the merge step mounts the folder itself', () => {
    for (const stage of ['train', 'score']) {
      const spec = loadPipelineSpec(path.join(repo, 'pipelines', `${stage}-pipeline.yml`));
      const moved = datastorePaths(pipelineSpecUnderPrefix(spec, 'datasets/demo'));
      expect(moved.length).toBe(datastorePaths(spec).length);
      for (const uri of moved)
        expect(uri).toMatch(/^azureml:\/\/datastores\/mm_lake\/paths\/datasets\/demo\//);
      if (stage === 'train') expect(moved).toContain('azureml://datastores/mm_lake/paths/datasets/demo/');
    }
  });

  it('names the folder to the Spark job, the model index and the Synapse data source; a container of its own has none', () => {
    const request = { stage: 'train' as const, runId: 'r1', config: 'configs/demo.yaml', env: 'dev' };
    expect(
      sparkJobArgs(
        { ...request, lakeFolder: 'datasets/demo' },
        { lake: '/Volumes/x', node: 'n', appRoot: 'a' },
      ),
    ).toEqual(expect.arrayContaining(['--lake-folder', 'datasets/demo']));
    const azure = {
      kind: 'azure' as const,
      accountUrl: 'https://a.blob.core.windows.net',
      container: 'lake',
      cacheRoot: 'c',
    };
    expect(registryIndexPrefix({ ...azure, prefix: 'datasets/demo' }, 'prod')).toBe(
      'datasets/demo/registry/prod',
    );
    expect(registryIndexPrefix(azure, 'prod')).toBe('registry/prod');
    expect(synapseDataSourceName({ ...azure, prefix: 'datasets/demo' })).toBe('mm_lake_demo');
    expect(synapseDataSourceName(azure)).toBe('mm_lake');
  });

  it("lets a lake-folder write condition admit that folder in any dataset's namespace, and nothing else", () => {
    const condition = writesOnlyUnder(['predictions/', 'runs/']);
    expect(conditionAdmitsPath(condition, 'predictions/run_id=s1/p.parquet')).toBe(true);
    expect(conditionAdmitsPath(condition, 'datasets/demo/predictions/run_id=s1/p.parquet')).toBe(true);
    expect(conditionAdmitsPath(condition, 'datasets/sales/runs/r1/manifest.json')).toBe(true);
    expect(conditionAdmitsPath(condition, 'datasets/demo/registry/prod/mm-a/latest.json')).toBe(false);
    expect(conditionAdmitsPath(condition, 'registry/prod/mm-a/latest.json')).toBe(false);
  });
});

describe('two datasets on one ADLS lake container (the twin: Azurite behind the HNS proxy, signed in by token)', () => {
  let twin: Awaited<ReturnType<typeof startLakes>>;
  let work: string;
  const project = createMmProject('one-lake');

  beforeAll(async () => {
    twin = await startLakes();
    work = mkdtempSync(path.join(tmpdir(), 'mm-one-lake-'));
    project.write(
      'environments/dev.yaml',
      `storage:\n  kind: azure\n  accountUrl: ${twin.lakes.accountUrl('dev')}\n  cacheRoot: ${path.join(work, 'cache')}\n`,
    );
    for (const [name, partitions] of [
      ['sales', 4],
      ['returns', 6],
    ] as const) {
      await generate({
        out: path.join(project.dir, 'data', `${name}.parquet`),
        partitions,
        periods: 60,
        seed: partitions,
      });
      project.write(
        `configs/${name}.yaml`,
        weeklySalesConfig({
          name,
          path: `../data/${name}.parquet`,
          horizon: 4,
          holdout: 4,
          candidates: '[naive, mean]',
        }),
      );
    }
  }, 180_000);
  afterAll(async () => {
    await twin?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const credential = () => twinCredential(twin.issuer, twin.estate.principal('dev/training'));
  const configOf = (name: string): Config =>
    loadConfig({
      configPath: path.join(project.dir, 'configs', `${name}.yaml`),
      env: 'dev',
      projectRoot: project.dir,
    });
  const contextOf = (config: Config) =>
    stageContextFor(config, {
      source: { configPath: `configs/${config.dataset.name}.yaml`, env: 'dev' },
      blobStore: blobStoreFor(config, { credential: credential() }),
    });
  const keysOf = async (prefix: string) => {
    const keys: string[] = [];
    for await (const key of twin.store('dev', 'dev/training').list(prefix)) keys.push(key);
    return keys;
  };

  it('prepares, trains, promotes and scores each in its own folder; neither sees the other', async () => {
    const runs: Record<string, { run: string; scoring: string }> = {};
    for (const name of ['sales', 'returns']) {
      const config = configOf(name);
      expect(config.storage.kind === 'azure' && config.storage.prefix).toBe(`datasets/${name}`);
      const context = await contextOf(config);
      await prepareStage(context);
      // Trained and scored here; on Azure a cluster writes the run and the predictions into the lake, as the
      // session's push does (the Azure ML job paths are checked above and by the rehearsal).
      const trained = await trainStage(context, { runId: `train-${name}` });
      await context.lake.push([`runs/${trained.runId}`]);
      await evaluateAndPromoteStage(context, { runId: trained.runId });
      await scoreStage(context, { runId: `score-${name}` });
      await context.lake.push(['predictions']);
      runs[name] = { run: trained.runId, scoring: `score-${name}` };
    }
    // Nothing at the container's root: every blob is in one dataset's folder.
    expect((await keysOf('')).filter((k) => !k.startsWith('datasets/'))).toEqual([]);
    for (const [name, other] of [
      ['sales', 'returns'],
      ['returns', 'sales'],
    ] as const) {
      const mine = blobStoreFor(configOf(name), { credential: credential() });
      expect(await mine.exists('prepared/meta.json')).toBe(true);
      expect(await mine.exists(`runs/${runs[name]!.run}/manifest.json`)).toBe(true);
      expect(await mine.exists(`runs/${runs[other]!.run}/manifest.json`)).toBe(false);
      const predictions: string[] = [];
      for await (const key of mine.list('predictions/')) predictions.push(key);
      expect(predictions.some((k) => k.startsWith(`predictions/run_id=${runs[name]!.scoring}/`))).toBe(true);
      expect(predictions.some((k) => k.includes(runs[other]!.scoring))).toBe(false);
    }
    // Each prepared lake is its own data: 4 and 6 partitions of 3 brands.
    const count = async (name: string) => {
      const store = blobStoreFor(configOf(name), { credential: credential() });
      const manifest = JSON.parse(
        new TextDecoder().decode(await store.get(`runs/${runs[name]!.run}/manifest.json`)),
      );
      return manifest.partitions.length as number;
    };
    expect(await count('sales')).toBeLessThan(await count('returns'));
  }, 600_000);

  it('refuses a new dataset on a lake whose root still holds a prepared lake from before the folders, naming how to move it', async () => {
    const root = twin.store('dev', 'dev/training');
    await root.put('prepared/meta.json', '{}');
    try {
      project.write(
        'configs/fresh.yaml',
        weeklySalesConfig({ name: 'fresh', path: '../data/sales.parquet', horizon: 4, holdout: 4 }),
      );
      await expect(prepareStage(await contextOf(configOf('fresh')))).rejects.toThrow(
        /holds a prepared lake at its root.*az storage fs directory move.*datasets\/fresh\/prepared/s,
      );
      expect(await keysOf('datasets/fresh/')).toEqual([]);
      // A dataset whose folder is already there is not held up by the leftovers.
      expect(
        await blobStoreFor(configOf('sales'), { credential: credential() }).exists('prepared/meta.json'),
      ).toBe(true);
    } finally {
      await root.delete('prepared/meta.json');
    }
  }, 120_000);
});
