// Accuracy on real data, next to R's forecast package and a scikit-learn log-log regression.
//   node bench/accuracy.ts [cheese|tuna|all] [--no-peers] [--work DIR] [--reuse-peers] [--partial-peers] [--windows N]
//     [--candidates a,b] [--no-gate] [--real-data] [--combination] [--timing-replicas N]
// --work keeps the split data and the peers' forecasts in DIR/<dataset>; --reuse-peers then reads the peers'
// forecasts from there instead of running R and Python again (they do not change when our models do).
// For each dataset in ../shared/data, the last 12 weeks of every series are held out (their covariates are known,
// as a retailer's price and promotion plan is). Our pipeline runs end to end through the real `mm` stages (prepare,
// train, evaluate-and-promote, score --future); R (Debian r-cran-forecast: naive, ets, auto.arima, auto.arima with
// log price and promotion as xreg on the log scale) and scikit-learn (Debian python3-sklearn: log-log regression)
// forecast the same 12 weeks from the same history. Every system is scored the same way: pooled WAPE, mean and
// median MASE (scale: the in-sample lag-1 MAE of the history), 80 % and 95 % interval coverage, time per series.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryOnce } from '../src/data/duckdb.ts';
import { mmConfig, runStages, STAGES, type StagesRun, startupCpu } from './lab/mm-stages.ts';
import { type Forecast, type Point, peerSystems, type SystemResult } from './lab/peers.ts';

const repo = path.resolve(import.meta.dirname, '..');
const DATA = path.resolve(repo, '../shared/data');
const HELD_OUT = 12;

interface Dataset {
  file: string;
  key: string;
  target: string;
  price: string;
  promo: string;
}
const DATASETS: Record<string, Dataset> = {
  cheese: { file: 'cheese.csv', key: 'Retailer', target: 'Volume', price: 'Price', promo: 'Display' },
  tuna: { file: 'tuna.csv', key: 'Brand', target: 'Quantity', price: 'Price', promo: 'Promo' },
};

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const optionValues = new Set(
  ['--work', '--windows', '--candidates', '--timing-replicas'].map(option).filter(Boolean),
);
const candidates = option('--candidates');
const which = args.find((a) => !a.startsWith('--') && !optionValues.has(a)) ?? 'all';
const peers = !args.includes('--no-peers');
const work = option('--work');
const reusePeers = args.includes('--reuse-peers');
// With --partial-peers, whatever peer files exist are read (an R process that did not finish leaves its half out)
// and every system is scored only on the series all of them forecast.
const partialPeers = args.includes('--partial-peers');
// --real-data: the configuration chosen for real data by the design protocol (bench/accuracy-design.ts, several
// design origins per dataset, never the held-out weeks): 3 backtest windows and no beats-baseline gate.
const realData = args.includes('--real-data');
const windows = Number(option('--windows') ?? (realData ? 3 : 1));
const noGate = realData || args.includes('--no-gate');
// --combination: session 3's configuration, chosen on one design origin of cheese (bench/accuracy-lab.ts --dev):
// the mean of the best model candidates unless a single one is 10 % better, no trend column, no gate.
const combination = args.includes('--combination');
// --timing-replicas N: also run the stages on every series repeated N times, for the CPU per series without any
// fixed cost (start-up, worker threads, DuckDB) that 88 or 7 series cannot amortise.
const replicas = Number(option('--timing-replicas') ?? 1);

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Splits each series into a regular weekly history (gaps as NA, covariates carried forward) and 12 held-out weeks. */
async function split(ds: Dataset, dir: string) {
  const raw = await queryOnce(
    `SELECT "${ds.key}" AS k, CAST(WeekStarting AS DATE) AS d, "${ds.target}" AS y, "${ds.price}" AS p, "${ds.promo}" AS q
       FROM read_csv('${path.join(DATA, ds.file)}') ORDER BY k, d`,
  );
  const byKey = new Map<string, { t: number; y: number; p: number; q: number }[]>();
  for (const r of raw) {
    const list = byKey.get(String(r.k)) ?? [];
    list.push({ t: Date.parse(String(r.d)), y: Number(r.y), p: Number(r.p), q: Number(r.q) });
    byKey.set(String(r.k), list);
  }
  const history: string[] = ['key,t,date,y,x1,x2'];
  const future: string[] = ['key,h,date,x1,x2'];
  const mmHistory: string[] = [`${ds.key},WeekStarting,${ds.target},${ds.price},${ds.promo}`];
  const mmFuture: string[] = [`${ds.key},WeekStarting,${ds.price},${ds.promo}`];
  const points: Point[] = [];
  const scales = new Map<string, number>();
  // mm forecasts from each series' last observation; a series whose history ends in a gap (every tuna brand misses
  // the 3 weeks before the cut) needs a longer horizon to reach the held-out weeks, which are matched by date.
  let horizon = HELD_OUT;
  const q = (s: string) => JSON.stringify(s);
  for (const [key, list] of byKey) {
    const last = list.at(-1)!.t;
    const cut = last - HELD_OUT * 7 * DAY;
    const hist = list.filter((r) => r.t <= cut);
    const test = list.filter((r) => r.t > cut);
    if (hist.length < 30) continue;
    // A regular weekly grid for R and Python; the raw rows (with their gaps) for mm, whose prepare fills them.
    const start = hist[0]!.t;
    const byT = new Map(hist.map((r) => [Math.round((r.t - start) / (7 * DAY)), r]));
    const n = Math.round((cut - start) / (7 * DAY)) + 1;
    let carry = hist[0]!;
    const ys: number[] = [];
    for (let i = 0; i < n; i++) {
      const r = byT.get(i);
      if (r) carry = r;
      ys.push(r ? r.y : Number.NaN);
      history.push(`${q(key)},${i + 1},${iso(start + i * 7 * DAY)},${r ? r.y : 'NA'},${carry.p},${carry.q}`);
    }
    for (const r of hist) mmHistory.push(`${q(key)},${iso(r.t)},${r.y},${r.p},${r.q}`);
    horizon = Math.max(horizon, HELD_OUT + Math.round((cut - hist.at(-1)!.t) / (7 * DAY)));
    let mae = 0;
    let m = 0;
    for (let i = 1; i < ys.length; i++) {
      if (Number.isFinite(ys[i]!) && Number.isFinite(ys[i - 1]!)) {
        mae += Math.abs(ys[i]! - ys[i - 1]!);
        m++;
      }
    }
    scales.set(key, mae / m);
    // The plan covers every held-out week; a week missing from the data keeps the last known covariates.
    let plan = hist.at(-1)!;
    const byWeek = new Map(test.map((r) => [Math.round((r.t - cut) / (7 * DAY)), r]));
    for (let h = 1; h <= HELD_OUT; h++) {
      const r = byWeek.get(h);
      if (r) plan = r;
      future.push(`${q(key)},${h},${iso(cut + h * 7 * DAY)},${plan.p},${plan.q}`);
      mmFuture.push(`${q(key)},${iso(cut + h * 7 * DAY)},${plan.p},${plan.q}`);
      if (r) points.push({ key, h, actual: r.y });
    }
  }
  writeFileSync(path.join(dir, 'history.csv'), `${history.join('\n')}\n`);
  writeFileSync(path.join(dir, 'future.csv'), `${future.join('\n')}\n`);
  writeFileSync(path.join(dir, 'mm-history.csv'), `${mmHistory.join('\n')}\n`);
  writeFileSync(path.join(dir, 'mm-future.csv'), `${mmFuture.join('\n')}\n`);
  return {
    points,
    scales,
    series: scales.size,
    horizon,
    cut: new Map([...byKey].map(([k, l]) => [k, l.at(-1)!.t - HELD_OUT * 7 * DAY])),
  };
}

async function ours(
  ds: Dataset,
  dir: string,
  series: number,
  horizon: number,
  cuts: Map<string, number>,
): Promise<SystemResult> {
  const config = mmConfig(ds, horizon, { windows, candidates, combination, noGate });
  const run = await runStages(dir, config);
  const startup = await startupCpu(dir);
  // The lake keeps each dataset under its own folder (lake/datasets/<config>/predictions/run_id=scored/...).
  const file = path.join(dir, 'lake/**/predictions/run_id=scored/*.parquet');
  const predicted = await queryOnce(
    `SELECT "${ds.key}" AS k, CAST(WeekStarting AS VARCHAR) AS d, forecast,
        lower_80, upper_80, lower_95, upper_95 FROM read_parquet('${file}') WHERE status = 'ok'`,
  );
  const forecasts = new Map<string, Forecast>();
  for (const r of predicted) {
    // By date: the held-out week h is cut + h weeks, however far before the cut the series' history ended.
    const h = Math.round((Date.parse(String(r.d)) - cuts.get(String(r.k))!) / (7 * DAY));
    if (h < 1 || h > HELD_OUT) continue;
    forecasts.set(`${r.k}|${h}`, {
      mean: Number(r.forecast),
      lo80: Number(r.lower_80 ?? Number.NaN),
      hi80: Number(r.upper_80 ?? Number.NaN),
      lo95: Number(r.lower_95 ?? Number.NaN),
      hi95: Number(r.upper_95 ?? Number.NaN),
    });
  }
  return {
    name: `many-models (mm, end to end, ${windows} backtest window${windows === 1 ? '' : 's'}${combination ? ', combination' : ''}${noGate || combination ? ', no gate' : ''})`,
    forecasts,
    secondsPerSeries: run.seconds / series,
    cpuPerSeries: run.cpu / series,
    cpuBeyondStartup: (run.cpu - STAGES.length * startup) / series,
    note: `mm wall time per stage for ${series} series: ${run.stageSeconds.join(', ')}; CPU: ${run.stageCpu.join(', ') || '–'} (each stage is a fresh Node process; the fixed start-up, \`mm --version\`, costs ${startup.toFixed(2)} s CPU, median of 3, taken out ${STAGES.length} times in the last column)${replicas > 1 ? await marginal(dir, config, series, run) : ''}`,
  };
}

/**
 * The CPU per series without any fixed cost: the same stages on every series repeated `replicas` times (keys
 * suffixed), the difference from the real run spread over the extra series.
 */
async function marginal(dir: string, config: string, series: number, small: StagesRun): Promise<string> {
  const sub = path.join(dir, 'replicas');
  rmSync(sub, { recursive: true, force: true });
  mkdirSync(sub, { recursive: true });
  for (const file of ['mm-history.csv', 'mm-future.csv']) {
    const [header, ...lines] = readFileSync(path.join(dir, file), 'utf8').trim().split('\n');
    const out = [header!];
    // Every line starts with the quoted key.
    for (let r = 0; r < replicas; r++)
      for (const line of lines) out.push(line.replace(/^"(.*?)",/, `"$1#${r}",`));
    writeFileSync(path.join(sub, file), `${out.join('\n')}\n`);
  }
  const big = await runStages(sub, config);
  const ms = (a: number, b: number) => `${(((a - b) / ((replicas - 1) * series)) * 1000).toFixed(1)} ms`;
  const stages = STAGES.map(
    (stage, i) => `${stage[0]} ${ms(big.stageCpuSeconds[i]!, small.stageCpuSeconds[i]!)}`,
  );
  return `\nmarginal CPU per series end to end (the same stages on ${replicas} x ${series} series took ${big.cpu.toFixed(1)} s CPU against ${small.cpu.toFixed(1)} s): ${ms(big.cpu, small.cpu)} (${stages.join(', ')})`;
}

function score(system: SystemResult, points: Point[], scales: Map<string, number>) {
  let err = 0;
  let vol = 0;
  let in80 = 0;
  let in95 = 0;
  let withBands = 0;
  const perSeries = new Map<string, { e: number; n: number }>();
  let missing = 0;
  for (const p of points) {
    const f = system.forecasts.get(`${p.key}|${p.h}`);
    if (!f || !Number.isFinite(f.mean)) {
      missing++;
      continue;
    }
    err += Math.abs(p.actual - f.mean);
    vol += Math.abs(p.actual);
    const s = perSeries.get(p.key) ?? { e: 0, n: 0 };
    s.e += Math.abs(p.actual - f.mean);
    s.n++;
    perSeries.set(p.key, s);
    if (Number.isFinite(f.lo80)) {
      withBands++;
      if (p.actual >= f.lo80 && p.actual <= f.hi80) in80++;
      if (p.actual >= f.lo95 && p.actual <= f.hi95) in95++;
    }
  }
  const mases = [...perSeries].map(([k, s]) => s.e / s.n / scales.get(k)!).sort((a, b) => a - b);
  const mean = mases.reduce((a, b) => a + b, 0) / mases.length;
  const median = mases[Math.floor(mases.length / 2)]!;
  return {
    wape: err / vol,
    meanMase: mean,
    medianMase: median,
    cover80: withBands ? in80 / withBands : Number.NaN,
    cover95: withBands ? in95 / withBands : Number.NaN,
    missing,
  };
}

const fmt = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '–');
const pct = (v: number) => (Number.isFinite(v) ? `${(100 * v).toFixed(0)} %` : '–');

for (const [name, ds] of Object.entries(DATASETS)) {
  if (which !== 'all' && which !== name) continue;
  if (!existsSync(path.join(DATA, ds.file))) {
    console.log(`${name}: ${path.join(DATA, ds.file)} is absent; skipped`);
    continue;
  }
  const dir = work ? path.resolve(work, name) : mkdtempSync(path.join(tmpdir(), `mm-accuracy-${name}-`));
  if (work) {
    rmSync(path.join(dir, 'lake'), { recursive: true, force: true });
    rmSync(path.join(dir, 'runs'), { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  try {
    const { points, scales, series, horizon, cut } = await split(ds, dir);
    const systems: SystemResult[] = [await ours(ds, dir, series, horizon, cut)];
    if (peers) systems.push(...(await peerSystems(dir, { reusePeers, partialPeers })));
    if (partialPeers) {
      const everyone = (key: string) => systems.every((sys) => sys.forecasts.has(`${key}|1`));
      const kept = points.filter((p) => everyone(p.key));
      console.log(`\nscored on the ${new Set(kept.map((p) => p.key)).size} series every system forecast`);
      points.splice(0, points.length, ...kept);
    }
    console.log(
      `\n### ${name}: ${series} series, last ${HELD_OUT} weeks held out (${points.length} observed points)\n`,
    );
    console.log(
      '| system | WAPE | mean MASE | median MASE | 80 % coverage | 95 % coverage | time per series | CPU per series | CPU per series, start-up apart |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const system of systems) {
      const s = score(system, points, scales);
      const seconds = (v: number) =>
        !Number.isFinite(v) ? '–' : v < 1 ? `${(v * 1000).toFixed(1)} ms` : `${v.toFixed(2)} s`;
      const time = seconds(system.secondsPerSeries);
      console.log(
        `| ${system.name} | ${fmt(s.wape)} | ${fmt(s.meanMase)} | ${fmt(s.medianMase)} | ${pct(s.cover80)} | ${pct(s.cover95)} | ${time} | ${seconds(system.cpuPerSeries)} | ${seconds(system.cpuBeyondStartup)} |${s.missing ? ` (${s.missing} points without a forecast)` : ''}`,
      );
    }
    for (const system of systems) if (system.note) console.log(`\n${system.note}`);
  } finally {
    if (!work && !args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
    else console.log(`kept ${dir}`);
  }
}
