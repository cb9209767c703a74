/**
 * Holdout accuracy of model selection: mean WAPE per candidate, what gets chosen, and how often the chosen
 * model beats the baseline, on (a) generated retail series with known structure and (b) the accelerator's
 * OJ sample (uniform noise, where nothing should beat the mean). Run: node bench/models-accuracy.ts [n=500]
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { forecastSchema } from '../src/config/schema.ts';
import { epochDayOf, type Series } from '../src/data/batch.ts';
import { trainPartition } from '../src/engine/train-partition.ts';
import { wape as wapeOf } from '../src/metrics/index.ts';
import type { SeriesContext } from '../src/models/types.ts';
import { noiseSeries, retailSeries } from '../test/models/fixtures.ts';

const n = Number(process.argv[2] ?? 500);
const forecast = forecastSchema.parse({ horizon: 8, holdout: 8 });
const lineage = {
  runId: 'bench',
  codeVersion: 'bench',
  dataFingerprint: 'bench',
  trainedAt: new Date(0).toISOString(),
};
const context: SeriesContext = { frequency: 'W', seasonLength: 52, features: ['Price', 'Advert'] };

function report(label: string, all: Series[], oracleLevel?: number): void {
  const wape: Record<string, number[]> = { chosen: [] };
  if (oracleLevel !== undefined) wape.oracle = [];
  const chosen: Record<string, number> = {};
  let beats = 0;
  let ok = 0;
  for (const series of all) {
    const outcome = trainPartition(series, { context, forecast, partitionBy: ['Store', 'Brand'], lineage });
    if (outcome.status !== 'ok') continue;
    ok++;
    const { holdout, baseline } = outcome.artifact;
    for (const [kind, c] of Object.entries(holdout.candidates)) {
      wape[kind] ??= [];
      wape[kind].push(c.metrics.wape);
    }
    wape.chosen!.push(holdout.candidates[outcome.artifact.chosen]!.metrics.wape);
    if (oracleLevel !== undefined)
      wape.oracle!.push(wapeOf(holdout.actual, new Array(holdout.actual.length).fill(oracleLevel)));
    chosen[outcome.artifact.chosen] = (chosen[outcome.artifact.chosen] ?? 0) + 1;
    if (
      holdout.candidates[outcome.artifact.chosen]!.metrics.wape < holdout.candidates[baseline]!.metrics.wape
    )
      beats++;
  }
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  console.log(`\n${label}: ${ok}/${all.length} partitions trained`);
  for (const [kind, values] of Object.entries(wape))
    console.log(`  mean holdout WAPE ${kind.padEnd(15)} ${mean(values).toFixed(3)}`);
  console.log(`  chosen: ${JSON.stringify(chosen)}`);
  console.log(
    `  chosen beats the baseline on ${((100 * beats) / ok).toFixed(1)}% of partitions (selection-biased: the chosen one is the holdout minimum)`,
  );
}

report(
  'generated retail (known elasticity, lift, season; noise sd 0.05-0.2)',
  Array.from(
    { length: n },
    (_, i) => retailSeries({ seed: 10_000 + i, truth: { noise: 0.05 + (i % 4) * 0.05 } }).series,
  ),
);
report(
  'generated uniform noise (oracle = the true mean, 12,500)',
  Array.from({ length: n }, (_, i) => noiseSeries(20_000 + i).series),
  12_500,
);

const oj = path.resolve(import.meta.dirname, '../../shared/data/oj-sales-simulated-99.csv');
if (existsSync(oj)) {
  // WeekStarting,Store,Brand,Quantity,Advert,Price,Revenue; sorted by store, brand, week.
  const groups = new Map<string, string[][]>();
  for (const line of readFileSync(oj, 'utf8').trim().split('\n').slice(1)) {
    const cells = line.split(',');
    const key = `${cells[1]}|${cells[2]}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(cells);
  }
  const series = [...groups.entries()].map(([key, rows]) => {
    rows.sort((a, b) => a[0]!.localeCompare(b[0]!));
    return {
      key: key.split('|'),
      time: Int32Array.from(rows, (r) => epochDayOf(new Date(`${r[0]}T00:00:00Z`))),
      y: Float64Array.from(rows, (r) => Number(r[3])),
      x: [Float64Array.from(rows, (r) => Number(r[5])), Float64Array.from(rows, (r) => Number(r[4]))],
    };
  });
  report('OJ sample (accelerator, uniform noise)', series);
} else {
  console.log(`\n(OJ sample not found at ${oj}; skipped)`);
}
