// Our pipeline as a user runs it: the four `mm` stages, each a fresh Node process, with their CPU from GNU time.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const repo = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(repo, 'src/cli/main.ts');

export const STAGES = [
  ['prepare'],
  ['train', '--run', 'bench'],
  ['evaluate-and-promote', '--run', 'bench'],
  ['score', '--run', 'scored', '--future', 'mm-future.csv'],
];

export interface MmOptions {
  windows: number;
  candidates?: string | undefined;
  /** Session 3's configuration: the model-only combination with a 10 % margin, no trend column, no gate. */
  combination: boolean;
  /** No beats-the-baseline gate (`promotion.mustBeatBaseline: false`). */
  noGate: boolean;
}

/** The dataset config of a bench run over `mm-history.csv` in the run's folder. */
export function mmConfig(
  ds: { key: string; target: string; price: string; promo: string },
  horizon: number,
  o: MmOptions,
): string {
  return [
    'dataset:',
    '  path: mm-history.csv',
    `  partitionBy: [${ds.key}]`,
    '  time: WeekStarting',
    `  target: ${ds.target}`,
    '  frequency: W',
    `  features: [${ds.price}, ${ds.promo}]`,
    'forecast:',
    `  horizon: ${horizon}`,
    '  holdout: 12',
    `  backtestWindows: ${o.windows}`,
    ...(o.candidates ? [`  candidates: [${o.candidates}]`] : []),
    ...(o.combination ? ['  combineFrom: models', '  comboMargin: 0.1', '  trend: false'] : []),
    ...(o.combination || o.noGate ? ['promotion:', '  mustBeatBaseline: false'] : []),
    'validation:',
    '  maxGapShare: 0.5',
    'engine:',
    '  workers: 1',
    '',
  ].join('\n');
}

const gnuTime = existsSync('/usr/bin/time');

/** User + system CPU seconds of one command (its process and its threads), NaN without GNU time. */
async function timed(
  dir: string,
  command: string[],
): Promise<{ cpu: number; all: string; exitCode: number }> {
  const cpuFile = path.join(dir, 'stage.cpu');
  const result = await execa(
    gnuTime ? '/usr/bin/time' : command[0]!,
    gnuTime ? ['-f', '%U %S', '-o', cpuFile, ...command] : command.slice(1),
    { cwd: dir, reject: false, all: true, env: { CI: 'true' } },
  );
  let cpu = Number.NaN;
  if (gnuTime) {
    const [user, system] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = user! + system!;
  }
  return { cpu, all: String(result.all ?? ''), exitCode: result.exitCode ?? 1 };
}

export interface StagesRun {
  seconds: number;
  cpu: number;
  stageSeconds: string[];
  stageCpu: string[];
  /** CPU seconds per stage, in STAGES order. */
  stageCpuSeconds: number[];
}

/** Writes the config and a local environment into `dir` and runs the four stages there. */
export async function runStages(dir: string, config: string): Promise<StagesRun> {
  mkdirSync(path.join(dir, 'environments'), { recursive: true });
  writeFileSync(path.join(dir, 'environments/local.yaml'), 'storage:\n  kind: local\n  root: lake\n');
  writeFileSync(path.join(dir, 'config.yaml'), config);
  const started = performance.now();
  const run: StagesRun = { seconds: 0, cpu: 0, stageSeconds: [], stageCpu: [], stageCpuSeconds: [] };
  for (const stage of STAGES) {
    const t0 = performance.now();
    const result = await timed(dir, [process.execPath, CLI, ...stage, '--config', 'config.yaml']);
    if (result.exitCode !== 0) throw new Error(`mm ${stage[0]} exited ${result.exitCode}:\n${result.all}`);
    run.cpu += result.cpu;
    run.stageCpuSeconds.push(result.cpu);
    run.stageCpu.push(`${stage[0]} ${result.cpu.toFixed(1)} s`);
    run.stageSeconds.push(`${stage[0]} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  run.seconds = (performance.now() - started) / 1000;
  return run;
}

/** CPU seconds of `mm --version`, the median of 3: the fixed start-up every stage process pays. */
export async function startupCpu(dir: string): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) runs.push((await timed(dir, [process.execPath, CLI, '--version'])).cpu);
  return runs.sort((a, b) => a - b)[1]!;
}
