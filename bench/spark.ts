// Benchmark: the same prepared lake trained by the in-process engine (worker threads) and by the Spark job on a
// local Spark (pipelines/spark/mm_spark.py, local[N], one engine host per Python worker), side by side.
//   node bench/spark.ts [--partitions 2000] [--periods 156] [--buckets 8] [--cores 2]
// The dataset is cached in .mm/bench/spark-<partitions>x<periods>-b<buckets>/. Both runs train with N cores: the
// in-process run with N worker threads, Spark with local[N] (N Python workers, each with a one-thread host).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLocalSpark, sparkPython } from '../src/compute/spark-local.ts';
import { loadConfig } from '../src/config/load.ts';
import { prepare } from '../src/data/index.ts';
import { readManifest, trainAndReadManifest } from '../src/engine/run.ts';
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

// CPU seconds (user + system): the in-process run is this process (all its worker threads); the Spark job is a
// tree of processes (JVM, Python daemon and workers, Node engine hosts, the driver's finishing mm), summed by
// bench/tree-cpu.py, which adopts and reaps every descendant.
const cpuBefore = process.cpuUsage();
let t = performance.now();
const local = await trainAndReadManifest({
  config,
  preparedDir: path.join(root, 'prepared'),
  runsDir: path.join(root, 'runs'),
  runId: 'in-process',
  workers: cores,
});
const localSeconds = (performance.now() - t) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const localCpu = (cpu.user + cpu.system) / 1e6;

// The job's own log is kept: a stalled or slow run can be read afterwards (its events carry seconds per phase).
const log = path.join(root, 'spark-job.log');
const meter = path.join(root, 'spark-cpu.json');
writeFileSync(log, '');
t = performance.now();
const code = await runLocalSpark(
  { stage: 'train', runId: 'spark', config: configPath, env: 'local', noRegister: true },
  {
    lakeRoot: root,
    master: `local[${cores}]`,
    output: { file: log },
    launcher: [sparkPython(), path.resolve(import.meta.dirname, 'tree-cpu.py'), meter],
  },
);
const sparkSeconds = (performance.now() - t) / 1000;
if (code !== 0) throw new Error(`the Spark job exited with ${code}; its log: ${log}`);
const tree = JSON.parse(readFileSync(meter, 'utf8')) as { userSeconds: number; systemSeconds: number };
const sparkCpu = tree.userSeconds + tree.systemSeconds;
const events = readFileSync(log, 'utf8')
  .split('\n')
  .flatMap((line) => {
    const at = line.indexOf('{"event": "spark-');
    return at < 0 ? [] : [JSON.parse(line.slice(at)) as { event: string; seconds?: number }];
  });
const phase = (name: string) => events.find((e) => e.event === name)?.seconds ?? Number.NaN;
const spark = await readManifest(path.join(root, 'runs', 'spark', 'manifest.json'));
const same =
  JSON.stringify(spark.partitions.map((p) => [p.name, p.status, p.chosen, p.metrics])) ===
  JSON.stringify(local.manifest.partitions.map((p) => [p.name, p.status, p.chosen, p.metrics]));

const n = local.manifest.partitions.length;
console.log(`| engine | partitions | buckets | cores | wall | CPU (user+sys) | partitions/s (wall) |`);
console.log(`|---|---:|---:|---:|---:|---:|---:|`);
console.log(
  `| in-process (worker threads) | ${n} | ${buckets} | ${cores} | ${localSeconds.toFixed(1)} s | ${localCpu.toFixed(1)} s | ${(n / localSeconds).toFixed(0)} |`,
);
console.log(
  `| local Spark (mm_spark.py), whole job | ${spark.partitions.length} | ${buckets} | ${cores} | ${sparkSeconds.toFixed(1)} s | ${sparkCpu.toFixed(1)} s | ${(n / sparkSeconds).toFixed(0)} |`,
);
console.log(
  `Spark phases: session ready ${phase('spark-session-ready')} s, grouped stage ${phase('spark-stage-done')} s, ` +
    `whole job ${phase('spark-job-done')} s (log: ${path.relative(process.cwd(), log)})`,
);
console.log(`same partitions, chosen models and metrics: ${same}`);
