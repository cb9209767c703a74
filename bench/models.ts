/**
 * Single-core cost of model selection: `trainPartition` with all four candidates (fit on the training
 * window, forecast the holdout, score, refit the winner and the baseline on all data) on generated weekly
 * retail series, plus each model's own fit time. Run: node bench/models.ts [partitions=2000] [length=156]
 */
import { performance } from 'node:perf_hooks';
import { forecastSchema } from '../src/config/schema.ts';
import type { Series } from '../src/data/batch.ts';
import { trainPartition } from '../src/engine/train-partition.ts';
import { MODEL_FACTORIES } from '../src/models/index.ts';
import { retailSeries } from '../test/models/fixtures.ts';

const partitions = Number(process.argv[2] ?? 2000);
const length = Number(process.argv[3] ?? 156);
const forecast = forecastSchema.parse({ horizon: 8, holdout: 8 });
const lineage = {
  runId: 'bench',
  codeVersion: 'bench',
  dataFingerprint: 'bench',
  trainedAt: new Date(0).toISOString(),
};

const fixtures = Array.from({ length: partitions }, (_, i) =>
  retailSeries({
    seed: i + 1,
    length,
    key: [`S${i}`, 'B'],
    truth: { season: (i % 5) * 0.1, noise: 0.05 + (i % 4) * 0.05 },
  }),
);
const context = fixtures[0]!.context;
const options = { context, forecast, partitionBy: ['Store', 'Brand'], lineage };

/** Wall time and this process's CPU time: on a shared machine the CPU time is the figure to trust. */
function timeIt(label: string, fn: (series: Series) => void, count = partitions): number {
  for (let i = 0; i < Math.min(200, count); i++) fn(fixtures[i]!.series); // warm-up for the JIT
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) fn(fixtures[i]!.series);
  const wall = (performance.now() - started) / count;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000 / count;
  console.log(`${label.padEnd(30)} ${cpuMs.toFixed(3)} ms CPU/partition (${wall.toFixed(3)} ms wall)`);
  return cpuMs;
}

console.log(
  `${partitions} partitions x ${length} weekly points, holdout 8, one core (node ${process.version})`,
);
for (const kind of (Object.keys(MODEL_FACTORIES) as (keyof typeof MODEL_FACTORIES)[]).filter(
  (k) => k !== 'combo',
)) {
  timeIt(`fit ${kind}`, (series) => MODEL_FACTORIES[kind].fit(series, context));
}
const chosen: Record<string, number> = {};
const total = timeIt('trainPartition (all candidates)', (series) => {
  const outcome = trainPartition(series, options);
  if (outcome.status !== 'ok') throw new Error(`partition ${series.key.join('/')}: ${outcome.status}`);
  chosen[outcome.artifact.chosen] = (chosen[outcome.artifact.chosen] ?? 0) + 1;
});
console.log(`chosen: ${JSON.stringify(chosen)}`);
console.log(`projected 10,000 partitions on 2 workers: ${((total * 10_000) / 2 / 1000).toFixed(1)} s`);
