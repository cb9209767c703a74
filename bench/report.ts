// Benchmark: `mm report` on runs of 1,000 / 10,000 / 100,000 partitions (manifest + decisions + the charted
// partitions' artifacts; the page reads no other artifact). Prints wall time per phase, page size and peak RSS.
//   node bench/report.ts [1000 10000 100000]
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { buildCharts } from '../src/report/charts.ts';
import { renderPage } from '../src/report/html.ts';
import { loadReportData } from '../src/report/load.ts';
import { renderChartSvg } from '../src/report/render.ts';
import { summarize } from '../src/report/summary.ts';
import { writeReport } from '../src/report/write.ts';
import { type PartitionSpec, writeRun } from '../test/report/fixtures.ts';

const sizes = process.argv.slice(2).map(Number);
const counts = sizes.length > 0 ? sizes : [1_000, 10_000, 100_000];
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const peakRss = () => process.resourceUsage().maxRSS * 1024;
const ms = (t: number) => `${Math.round(performance.now() - t)} ms`;

function specs(n: number): PartitionSpec[] {
  // Accuracy grows worse with the index, so the charted (3 best, 3 worst) partitions are known up front and
  // only their artifacts are written; every 50th partition failed or was skipped.
  const trained = (i: number) => i % 50 !== 49;
  const ok = Array.from({ length: n }, (_, i) => i).filter(trained);
  const charted = new Set([...ok.slice(0, 3), ...ok.slice(-3)]);
  return Array.from({ length: n }, (_, i): PartitionSpec => {
    if (!trained(i)) return { key: [`S${i}`, 'b'], status: i % 100 === 99 ? 'failed' : 'skipped' };
    const m = 0.05 + (0.4 * i) / n;
    const isBaseline = i % 3 === 0;
    return {
      key: [`S${i}`, `brand-${i % 7}`],
      wape: isBaseline
        ? { seasonal_naive: m, ridge: m + 0.02, naive: m * 1.4 }
        : { ridge: m, ets: m + 0.02, seasonal_naive: m * 1.3, naive: m * 1.4 },
      chosen: isBaseline ? 'seasonal_naive' : 'ridge',
      outcome: isBaseline ? 'promote-baseline' : 'promote',
      noArtifact: !charted.has(i),
    };
  });
}

for (const n of counts) {
  const root = path.resolve('.mm/bench', `report-${n}`);
  await rm(root, { recursive: true, force: true });
  let t = performance.now();
  const run = writeRun(root, 'bench', specs(n));
  const setup = ms(t);

  t = performance.now();
  const data = await loadReportData({ runDir: run.runDir, root });
  const load = ms(t);
  t = performance.now();
  const summary = summarize(data);
  const charts = buildCharts(data, summary);
  const rendered = charts.map((spec) => ({ spec, svg: renderChartSvg(spec) }));
  const html = renderPage(data, summary, rendered);
  const render = ms(t);
  t = performance.now();
  const written = await writeReport({ runDir: run.runDir, root });
  const total = ms(t);
  console.log(
    `${n} partitions: setup ${setup}; load ${load}; charts+render ${render} (${charts.length} charts); ` +
      `writeReport end to end ${total}; page ${mib(Buffer.byteLength(html))} MiB; peak RSS ${mib(peakRss())} MiB` +
      `; warnings ${written.warnings.length}`,
  );
  await rm(root, { recursive: true, force: true });
}
