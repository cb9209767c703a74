// Benchmark: batch-score every partition of size S, M or L with its prod model.
//   node bench/score.ts [S|M|L]
// Reuses the prepared lake and the training run that `node bench/train.ts <size>` leaves in .mm/bench/train-<size>/;
// every trained model is registered in a fresh prod registry first (not timed), then `scoreRun` is timed.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { registerRun } from '../src/engine/register.ts';
import { readManifest } from '../src/engine/run.ts';
import { LocalModelRegistry } from '../src/registry/local.ts';
import { scoreRun } from '../src/scoring/score.ts';
import { lakeLayout } from '../src/storage/layout.ts';

const size = (process.argv.slice(2).find((a) => /^[SML]$/.test(a)) ?? 'M') as 'S' | 'M' | 'L';
const root = path.resolve('.mm/bench', `train-${size}`);
const runDir = path.join(root, 'runs', 'bench');
if (!existsSync(path.join(runDir, 'manifest.json'))) {
  throw new Error(`no training run in ${runDir}: run 'node bench/train.ts ${size} --peer 0' first`);
}
const daily = size === 'L';
const config = parseConfig(
  {
    dataset: {
      path: path.join(root, 'raw', 'data.parquet'),
      partitionBy: ['Store', 'Brand'],
      time: daily ? 'Date' : 'WeekStarting',
      target: 'Quantity',
      frequency: daily ? 'D' : 'W',
      features: ['Price', 'Advert'],
    },
    forecast: { horizon: daily ? 28 : 8, holdout: daily ? 28 : 8 },
    storage: { kind: 'local', root },
  },
  'bench/score.ts',
);
const layout = lakeLayout(root);
await rm(layout.registry('prod'), { recursive: true, force: true });
await rm(layout.predictions, { recursive: true, force: true });
await rm(layout.warehouse, { force: true });
const manifest = await readManifest(path.join(runDir, 'manifest.json'));
const prod = new LocalModelRegistry({ root, stage: 'prod', durable: false });
const registerCpu = process.cpuUsage();
const registering = performance.now();
const registered = await registerRun(manifest, runDir, prod);
const register = { wall: (performance.now() - registering) / 1000, cpu: process.cpuUsage(registerCpu) };

const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await scoreRun({
  config,
  preparedDir: layout.prepared,
  predictionsDir: layout.predictions,
  warehousePath: layout.warehouse,
  runId: 'bench-score',
});
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuS = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;
console.log(
  `== batch scoring, ${size}: ${result.partitions} partitions (${registered.length} with a prod model), ${os.availableParallelism()} worker threads`,
);
console.log(
  `wall ${seconds.toFixed(1)} s, ${(result.partitions / seconds).toFixed(0)} partitions/s, ${result.rows} prediction rows`,
);
console.log(
  `statuses ${JSON.stringify(result.byStatus)}; peak RSS ${((process.resourceUsage().maxRSS * 1024) / 2 ** 30).toFixed(2)} GiB`,
);
console.log(
  `CPU (user+sys, all threads; the machine is shared, so wall time is noise): scoring ${cpuS(cpu).toFixed(1)} s, ` +
    `${((cpuS(cpu) * 1000) / result.partitions).toFixed(3)} ms per partition; registering the run's models from its packs ` +
    `${cpuS(register.cpu).toFixed(1)} s CPU, ${register.wall.toFixed(1)} s wall`,
);
console.log(`predictions ${result.parquetPath}`);
