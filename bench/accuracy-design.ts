// The design protocol for selection settings on the real datasets, never reading the held-out (test) weeks.
//   node bench/accuracy-design.ts [--work DIR] [--origins K] [--apply] [--only 'name;name' (substrings)] [--by-origin]
// Each dataset is cut at several design origins, 12, 24, ... 12 K weeks before its test cut. At each origin a
// series trains on what precedes it (its prepared history up to the origin, ending at its last observation) and
// forecasts the next 12 weeks with their covariates as the plan, as at the test cut. A (series, origin) is left out
// when fewer than half of its 12 scored weeks are observed (tuna's 40-week gap) or when it has too little history
// to train (fewer than holdout + minTrainPoints observations). Every setting sees the same tasks. The setting with
// the least design score (the mean, over the two datasets, of the mean MASE over its tasks: each dataset counts
// once, whatever its number of series) is chosen; --apply then scores that one setting once on the test weeks.
// Needs the prepared lakes of `node bench/accuracy.ts cheese|tuna --work DIR`.
import { type ForecastConfig, forecastSchema } from '../src/config/schema.ts';
import { HELD_OUT, type LabData, loadActuals, loadLab, WEEK } from './lab/data.ts';
import {
  runTask,
  type Setting,
  type Summary,
  summarise,
  type Task,
  type TaskResult,
} from './lab/evaluate.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const work = option('--work') ?? '/tmp/mm-acc';
const maxOrigin = Number(option('--origins') ?? 12);
const DATASETS = ['cheese', 'tuna'];

const REAL: Partial<ForecastConfig> = { combineFrom: 'models', comboMargin: 0.1, trend: false };
const setting = (overrides: Partial<ForecastConfig>, gate: boolean): Setting => ({
  forecast: forecastSchema.parse({ horizon: HELD_OUT, holdout: HELD_OUT, ...overrides }),
  gate,
  margin: 0.05,
});
/** The settings compared: the number of backtest windows, crossed with the selection and combination settings. */
const GRID: Record<string, Setting> = {};
for (const w of [1, 2, 3, 4]) {
  GRID[`defaults, ${w} window${w > 1 ? 's' : ''}`] = setting({ backtestWindows: w }, true);
  GRID[`defaults without the gate, ${w}`] = setting({ backtestWindows: w }, false);
  GRID[`real-data, ${w}`] = setting({ ...REAL, backtestWindows: w }, false);
  GRID[`real-data with trend, ${w}`] = setting({ ...REAL, trend: true, backtestWindows: w }, false);
  GRID[`real-data, margin 0.2, ${w}`] = setting({ ...REAL, comboMargin: 0.2, backtestWindows: w }, false);
  GRID[`real-data, top 2, ${w}`] = setting({ ...REAL, combineTop: 2, backtestWindows: w }, false);
}
const only = option('--only')?.split(';');
const names = Object.keys(GRID).filter((n) => !only || only.some((o) => n.includes(o)));

/** The design tasks of one dataset: one per (series, origin) with enough history and observed scored weeks. */
const originOf = new Map<Task, number>();
function designTasks(data: LabData, minObserved: number): { tasks: Task[]; origins: Map<number, number> } {
  const tasks: Task[] = [];
  const origins = new Map<number, number>();
  for (let k = 1; k <= maxOrigin; k++) {
    for (const [key, full] of data.history) {
      const cut = data.testCut.get(key)! - WEEK * HELD_OUT * k;
      const upto = full.filter((r) => r.t <= cut);
      while (upto.length > 0 && !Number.isFinite(upto.at(-1)!.y)) upto.pop();
      const scored = full.filter((r) => r.t > cut && r.t <= cut + WEEK * HELD_OUT && Number.isFinite(r.y));
      const observed = upto.filter((r) => Number.isFinite(r.y)).length;
      if (scored.length < HELD_OUT / 2 || observed < minObserved) continue;
      const after = full.filter((r) => r.t > upto.at(-1)!.t);
      const task = { key, rows: upto, plan: new Map(after.map((r) => [r.t, r])), scored, cut };
      tasks.push(task);
      originOf.set(task, k);
      origins.set(k, (origins.get(k) ?? 0) + 1);
    }
  }
  return { tasks, origins };
}

const byOrigin = args.includes('--by-origin');
const run = (data: LabData, tasks: readonly Task[], s: Setting): Summary => {
  const results: TaskResult[] = [];
  const perOrigin = new Map<number, TaskResult[]>();
  for (const task of tasks) {
    const r = runTask(data.meta, task, s);
    if (typeof r === 'string')
      throw new Error(`a design task failed, so the settings would not see the same tasks: ${r}`);
    results.push(r);
    const k = originOf.get(task) ?? 0;
    perOrigin.set(k, [...(perOrigin.get(k) ?? []), r]);
  }
  if (byOrigin && perOrigin.size > 1) {
    const parts = [...perOrigin].map(([k, list]) => `${12 * k}: ${summarise(list).meanMase.toFixed(3)}`);
    console.log(`  ${data.meta.file} mean MASE by origin (weeks before the test cut): ${parts.join(', ')}`);
  }
  return summarise(results);
};

const loaded = new Map<string, { data: LabData; tasks: Task[] }>();
const minObserved = HELD_OUT + forecastSchema.parse({ horizon: 1, holdout: 1 }).minTrainPoints;
for (const name of DATASETS) {
  const data = await loadLab(name, work);
  const { tasks, origins } = designTasks(data, minObserved);
  loaded.set(name, { data, tasks });
  const used = [...origins].map(([k, n]) => `${12 * k} (${n})`).join(', ');
  console.log(`${name}: ${tasks.length} design tasks; origins, weeks before the test cut (series): ${used}`);
}

const pct = (v: number) => `${(100 * v).toFixed(0)} %`;
console.log(
  '\n| setting | cheese mean MASE | cheese 80 % / 95 % | tuna mean MASE | tuna 80 % / 95 % | design score |',
);
console.log('|---|---:|---:|---:|---:|---:|');
const scores = new Map<string, number>();
for (const name of names) {
  const s = DATASETS.map((d) => run(loaded.get(d)!.data, loaded.get(d)!.tasks, GRID[name]!));
  const score = s.reduce((p, q) => p + q.meanMase, 0) / s.length;
  scores.set(name, score);
  console.log(
    `| ${name} | ${s.map((q) => `${q.meanMase.toFixed(3)} | ${pct(q.cover80)} / ${pct(q.cover95)}`).join(' | ')} | ${score.toFixed(3)} |`,
  );
}
const chosen = [...scores].sort((a, b) => a[1] - b[1])[0]![0];
console.log(`\nchosen on the design origins: ${chosen} (design score ${scores.get(chosen)!.toFixed(3)})`);

if (args.includes('--apply')) {
  // Once, with the chosen setting: the held-out weeks are read here for the first time.
  for (const name of DATASETS) {
    const { data } = loaded.get(name)!;
    const actuals = await loadActuals(data);
    const tasks: Task[] = [...data.history].map(([key, rows]) => ({
      key,
      rows,
      plan: new Map(data.plan.get(key)!.map((r) => [r.t, r])),
      scored: actuals.get(key) ?? [],
      cut: data.testCut.get(key)!,
    }));
    const s = run(data, tasks, GRID[chosen]!);
    console.log(
      `test ${name}, ${chosen}: WAPE ${s.wape.toFixed(3)}  mean MASE ${s.meanMase.toFixed(3)}  median MASE ${s.medianMase.toFixed(3)}  80 % ${pct(s.cover80)}  95 % ${pct(s.cover95)}  (${s.points} points)  served ${JSON.stringify(s.served)}`,
    );
  }
}
