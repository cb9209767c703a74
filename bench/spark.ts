// Benchmark: the same prepared lake trained by the in-process engine (worker threads) and by the Spark job on a
// local Spark (pipelines/spark/mm_spark.py, local[N], one engine host per Python worker), side by side.
//   node bench/spark.ts [--partitions 2000] [--periods 156] [--buckets 8] [--cores 2]
// The dataset is cached in .mm/bench/spark-<partitions>x<periods>-b<buckets>/. Both runs train with N cores: the
// in-process run with N worker threads, Spark with local[N] (N Python workers, each with a one-thread host).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLocalSpark } from '../src/compute/spark-local.ts';
import { loadConfig } from '../src/config/load.ts';
import { prepare } from '../src/data/index.ts';
import { readManifest, trainRun } from '../src/engine/run.ts';
import { generate } from '../src/generate/index.ts';

const { values } = parseArgs({
  options: {
    partitions: { type: 'string', default: '2000' },
    periods: { type: 'string', default: '156' },
    buckets: { type: 'string', default: '8' },
    cores: { type: 'string', default: '2' },
  },
});
const partitions = Number(values.partitions);
const periods = Number(values.periods);
const buckets = Number(values.buckets);
const cores = Number(values.cores);
const root = path.resolve('.mm/bench', `spark-${partitions}x${periods}-b${buckets}`);
const raw = path.join(root, 'raw', 'data.parquet');
const configPath = path.join(root, 'config.yaml');
const yaml = `dataset:
  path: ${JSON.stringify(raw)}
  partitionBy: [Store, Brand]
  time: WeekStarting
  target: Quantity
  frequency: W
  features: [Price, Advert]
forecast:
  horizon: 8
  holdout: 8
storage:
  kind: local
  root: ${JSON.stringify(root)}
`;
mkdirSync(root, { recursive: true });
writeFileSync(configPath, yaml);
const config = loadConfig({ configPath });
if (!existsSync(path.join(root, 'prepared', 'catalog.parquet'))) {
  await generate({ out: raw, partitions, periods, frequency: 'W', seed: 11 });
  await prepare(config, { outDir: path.join(root, 'prepared'), buckets });
}
await rm(path.join(root, 'runs'), { recursive: true, force: true });

let t = performance.now();
const local = await trainRun({
  config,
  preparedDir: path.join(root, 'prepared'),
  runsDir: path.join(root, 'runs'),
  runId: 'in-process',
  workers: cores,
});
const localSeconds = (performance.now() - t) / 1000;

t = performance.now();
const code = await runLocalSpark(
  { stage: 'train', runId: 'spark', config: configPath, env: 'local', noRegister: true },
  { lakeRoot: root, master: `local[${cores}]`, output: 'ignore' },
);
const sparkSeconds = (performance.now() - t) / 1000;
if (code !== 0) throw new Error(`the Spark job exited with ${code}`);
const spark = await readManifest(path.join(root, 'runs', 'spark', 'manifest.json'));
const same =
  JSON.stringify(spark.partitions.map((p) => [p.name, p.status, p.chosen, p.metrics])) ===
  JSON.stringify(local.manifest.partitions.map((p) => [p.name, p.status, p.chosen, p.metrics]));

const n = local.manifest.partitions.length;
console.log(`| engine | partitions | buckets | cores | wall | partitions/s |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
console.log(
  `| in-process (worker threads) | ${n} | ${buckets} | ${cores} | ${localSeconds.toFixed(1)} s | ${(n / localSeconds).toFixed(0)} |`,
);
console.log(
  `| local Spark (mm_spark.py) | ${spark.partitions.length} | ${buckets} | ${cores} | ${sparkSeconds.toFixed(1)} s | ${(n / sparkSeconds).toFixed(0)} |`,
);
console.log(`same partitions, chosen models and metrics: ${same}`);
