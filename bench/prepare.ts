// Benchmark: generate a synthetic dataset, prepare it into the lake, then stream it back as typed arrays.
// Prints wall time per phase and the peak RSS of this process (DuckDB runs in-process, so it is included).
//   node bench/prepare.ts [S|M|L] [--keep]
// Sizes: S = 1,000 partitions x 156 weeks, M = 10,000 x 156 weeks, L = 10,000 x 4,000 days (40 M rows).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseConfig } from '../src/config/load.ts';
import { prepare, streamPartitions } from '../src/data/index.ts';
import { generate } from '../src/generate/index.ts';

const SIZES = {
  S: { partitions: 1_000, periods: 156, frequency: 'W' },
  M: { partitions: 10_000, periods: 156, frequency: 'W' },
  L: { partitions: 10_000, periods: 4_000, frequency: 'D' },
} as const;

const size = (process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 'L') as keyof typeof SIZES;
if (!(size in SIZES)) throw new Error(`size must be S, M or L, got ${size}`);
const keep = process.argv.includes('--keep');
const spec = SIZES[size];
const root = path.resolve('.mm/bench', `prepare-${size}`);
const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
const peakRss = () => process.resourceUsage().maxRSS * 1024;

await rm(root, { recursive: true, force: true });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
// Every series full length, so the dataset has exactly partitions x periods rows.
const generated = await generate({
  out: path.join(root, 'raw', 'data.parquet'),
  partitions: spec.partitions,
  periods: spec.periods,
  frequency: spec.frequency,
  seed: 42,
  mix: { short: 0 },
});
const t1 = performance.now();
const cpu1 = process.cpuUsage(cpu0);
const config = parseConfig(
  {
    dataset: {
      path: generated.path,
      partitionBy: ['Store', 'Brand'],
      time: generated.timeColumn,
      target: 'Quantity',
      frequency: spec.frequency,
      features: ['Price', 'Advert'],
    },
    forecast: { horizon: spec.frequency === 'D' ? 28 : 8, holdout: spec.frequency === 'D' ? 28 : 8 },
  },
  'bench/prepare.ts',
);
const prepared = await prepare(config, { outDir: path.join(root, 'prepared') });
const t2 = performance.now();
const cpu2 = process.cpuUsage(cpu0);
const rssAfterPrepare = peakRss();
let partitions = 0;
let rows = 0;
for await (const batch of streamPartitions(prepared.outDir, { batchSize: 64 })) {
  partitions += batch.keys.length;
  rows += batch.time.length;
}
const t3 = performance.now();

const seconds = (a: number, b: number) => ((b - a) / 1000).toFixed(1);
console.log(`size ${size}: ${spec.partitions} partitions x ${spec.periods} periods (${spec.frequency})`);
const cpuSeconds = (u: NodeJS.CpuUsage) => ((u.user + u.system) / 1e6).toFixed(1);
console.log(`generate:  ${seconds(t0, t1)} s  (${generated.rows} rows), CPU ${cpuSeconds(cpu1)} s`);
console.log(
  `prepare:   ${seconds(t1, t2)} s  (${prepared.meta.partitions.ok} ok, ${prepared.meta.partitions.excluded} excluded, ${prepared.meta.buckets} buckets)`,
);
console.log(
  `           validate ${prepared.timings.validate.toFixed(1)} s, write ${prepared.timings.write.toFixed(1)} s, finish ${prepared.timings.finish.toFixed(1)} s`,
);
console.log(
  `generate + prepare: ${seconds(t0, t2)} s, peak RSS ${gib(rssAfterPrepare)} GiB, CPU ${cpuSeconds(cpu2)} s`,
);
console.log(`stream:    ${seconds(t2, t3)} s  (${partitions} partitions, ${rows} rows, batchSize 64)`);
console.log(`peak RSS overall: ${gib(peakRss())} GiB`);
if (!keep) await rm(root, { recursive: true, force: true });
