// Selection diagnostics on the real datasets, in one process (seconds, not a pipeline run): trains every partition
// with `trainPartition` as `mm train` does, applies promotion's baseline margin as `mm evaluate-and-promote` does,
// forecasts the held-out 12 weeks with the plan and scores them exactly as bench/accuracy.ts scores `mm`.
//   node bench/accuracy-lab.ts cheese|tuna [--work DIR] [--set '{"backtestWindows":3}'] [--force ridge[+ets]]
//     [--no-gate] [--margin 0.05] [--gate-baseline naive] [--dev] [--per-series] [--key KEY] [--passes N]
// Needs a prepared lake from `node bench/accuracy.ts <dataset> --work DIR` (default /tmp/mm-acc). It reads the
// held-out weeks only to score, never to choose: selection sees the prepared history alone. --dev scores the last
// 12 weeks of each prepared history instead (one design origin; bench/accuracy-design.ts uses several).
import { type ForecastConfig, forecastSchema } from '../src/config/schema.ts';
import type { CandidateKind } from '../src/core/vocabulary.ts';
import { HELD_OUT, loadActuals, loadLab, WEEK } from './lab/data.ts';
import { runTask, type Setting, summarise, type Task, type TaskResult } from './lab/evaluate.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const dataset = args[0] ?? 'cheese';
const data = await loadLab(dataset, option('--work') ?? '/tmp/mm-acc');
const dev = args.includes('--dev');
const actuals = dev ? undefined : await loadActuals(data);

const overrides = JSON.parse(option('--set') ?? '{}') as Partial<ForecastConfig>;
const force = option('--force')?.split('+') as CandidateKind[] | undefined;
const setting: Setting = {
  forecast: forecastSchema.parse({ horizon: HELD_OUT, holdout: HELD_OUT, ...overrides }),
  gate: !args.includes('--no-gate'),
  margin: Number(option('--margin') ?? 0.05),
  gateBaseline: option('--gate-baseline') === 'naive' ? 'naive' : 'best',
  ...(force ? { force } : {}),
};

const results: TaskResult[] = [];
const tasks: Task[] = [];
const started = performance.now();
const cpu0 = process.cpuUsage();
for (const [key, full] of data.history) {
  let task: Task;
  if (dev) {
    // The design set: the last 12 weeks of the prepared history are held out (with their covariates as the plan).
    const cut = full.at(-1)!.t - WEEK * HELD_OUT;
    const after = full.filter((r) => r.t > cut);
    task = {
      key,
      rows: full.filter((r) => r.t <= cut),
      plan: new Map(after.map((r) => [r.t, r])),
      scored: after,
      cut,
    };
  } else {
    task = {
      key,
      rows: full,
      plan: new Map(data.plan.get(key)!.map((r) => [r.t, r])),
      scored: actuals!.get(key) ?? [],
      cut: data.testCut.get(key)!,
    };
  }
  tasks.push(task);
  const result = runTask(data.meta, task, setting);
  if (typeof result === 'string') {
    console.log(result);
    continue;
  }
  results.push(result);
  if (option('--key') === key) {
    console.log(JSON.stringify(result.artifact.model).slice(0, 1500));
    console.log(
      `${key} ${result.promoted}: forecast ${Array.from(result.values, (v) => v.toFixed(0)).join(' ')}`,
    );
    console.log(
      `actual ${task.scored.map((r) => `${Math.round((r.t - task.rows.at(-1)!.t) / WEEK)}:${r.y}`).join(' ')}`,
    );
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpu0);
// Model work alone (train with every backtest, promote's margin, forecast): CPU per series, no I/O or start-up.
const cpuMsPerSeries = (cpu.user + cpu.system) / 1000 / data.history.size;
// --passes N: the model work again N - 1 times, the last pass's CPU printed: warm, without the JIT compiling the
// models (a fixed cost the first pass over 88 or 7 series pays in full).
const passes = Number(option('--passes') ?? 1);
let warmMs = Number.NaN;
for (let pass = 1; pass < passes; pass++) {
  const c0 = process.cpuUsage();
  for (const task of tasks) runTask(data.meta, task, setting);
  const c = process.cpuUsage(c0);
  warmMs = (c.user + c.system) / 1000 / data.history.size;
}
if (args.includes('--per-series')) {
  for (const r of results) {
    const a = r.artifact;
    const scores = Object.entries(a.backtest?.scores ?? {}).map(([k, v]) => [k, Number((v ?? 0).toFixed(3))]);
    console.log(
      `${r.key.padEnd(36)} ${r.promoted.padEnd(8)} mase ${r.mase.toFixed(3)}  n ${a.window.observations}  scores ${JSON.stringify(Object.fromEntries(scores))}`,
    );
  }
}
const s = summarise(results);
console.log(
  `${dataset}${dev ? ' (design set)' : ''} ${JSON.stringify(overrides)}${force ? ` force ${force.join('+')}` : ''}: WAPE ${s.wape.toFixed(3)}  mean MASE ${s.meanMase.toFixed(3)}  median MASE ${s.medianMase.toFixed(3)}  80 % ${(100 * s.cover80).toFixed(0)} %  95 % ${(100 * s.cover95).toFixed(0)} %  (${s.points} points, ${seconds.toFixed(1)} s, ${cpuMsPerSeries.toFixed(2)} ms CPU per series${passes > 1 ? `, ${warmMs.toFixed(2)} ms in pass ${passes}` : ''})  served ${JSON.stringify(s.served)}`,
);
