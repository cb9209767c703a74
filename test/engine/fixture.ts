import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { prepare } from '../../src/data/index.ts';
import { generate } from '../../src/generate/index.ts';
import { lakeLayout } from '../../src/storage/layout.ts';

export interface LakeFixture {
  root: string;
  configPath: string;
  config: Config;
  layout: ReturnType<typeof lakeLayout>;
}

/** A small generated weekly dataset, prepared into a lake in a temp folder, with a config pointing at it. */
export async function preparedLake(options: {
  partitions: number;
  periods: number;
  batchSize?: number;
  /** Hash buckets of the prepared lake (default: prepare's choice, one for data this small). */
  buckets?: number;
}): Promise<LakeFixture> {
  const root = mkdtempSync(path.join(tmpdir(), 'mm-engine-'));
  const layout = lakeLayout(root);
  const data = path.join(layout.raw, 'sales.parquet');
  await generate({
    out: data,
    partitions: options.partitions,
    periods: options.periods,
    frequency: 'W',
    seed: 7,
    futureHorizon: 8,
  });
  const configPath = path.join(root, 'config.yaml');
  writeFileSync(
    configPath,
    [
      'dataset:',
      `  path: ${JSON.stringify(data)}`,
      '  partitionBy: [Store, Brand]',
      '  time: WeekStarting',
      '  target: Quantity',
      '  frequency: W',
      '  features: [Price, Advert]',
      'forecast:',
      '  horizon: 8',
      '  holdout: 8',
      'engine:',
      `  batchSize: ${options.batchSize ?? 16}`,
      '  workers: 2',
      '  maxFailedShare: 0.2',
      'storage:',
      '  kind: local',
      `  root: ${JSON.stringify(root)}`,
      '',
    ].join('\n'),
  );
  const config = loadConfig({ configPath });
  await prepare(config, {
    outDir: layout.prepared,
    ...(options.buckets ? { buckets: options.buckets } : {}),
  });
  return { root, configPath, config, layout };
}
