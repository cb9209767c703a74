// Benchmark: train one model per partition with the full candidate set, on a prepared lake of size S, M or L,
// and run the accelerator's approach (one scikit-learn LinearRegression per partition, Python, Debian's
// python3-sklearn) on the same data and holdout, side by side.
//   node bench/train.ts [S|M|L] [--peer N] [--workers N]
// --peer N runs the peer on the first N partitions (by name; default 1000, 0 skips it); both engines are
// compared on exactly those partitions. Datasets are cached in .mm/bench/train-<size>/.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { parseConfig } from '../src/config/load.ts';
import { listPartitions, prepare } from '../src/data/index.ts';
import { literal } from '../src/data/sql.ts';
import { readArtifact } from '../src/engine/register.ts';
import { trainRun } from '../src/engine/run.ts';
import { generate } from '../src/generate/index.ts';
import { wape } from '../src/metrics/index.ts';
import type { ModelArtifact } from '../src/models/artifact.ts';

const SIZES = {
  S: { partitions: 1_000, periods: 156, frequency: 'W', holdout: 8 },
  M: { partitions: 10_000, periods: 156, frequency: 'W', holdout: 8 },
  L: { partitions: 10_000, periods: 4_000, frequency: 'D', holdout: 28 },
} as const;

const args = process.argv.slice(2);
const size = (args.find((a) => /^[SML]$/.test(a)) ?? 'M') as keyof typeof SIZES;
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const peerPartitions = flag('--peer', 1000);
const workers = flag('--workers', os.availableParallelism());
const spec = SIZES[size];
const root = path.resolve('.mm/bench', `train-${size}`);
const rawPath = path.join(root, 'raw', 'data.parquet');
const preparedDir = path.join(root, 'prepared');

const timeColumn = spec.frequency === 'D' ? 'Date' : 'WeekStarting';
const config = parseConfig(
  {
    dataset: {
      path: rawPath,
      partitionBy: ['Store', 'Brand'],
      time: timeColumn,
      target: 'Quantity',
      frequency: spec.frequency,
      features: ['Price', 'Advert'],
    },
    forecast: { horizon: spec.holdout, holdout: spec.holdout },
    engine: { workers },
  },
  'bench/train.ts',
);

if (!existsSync(path.join(preparedDir, 'meta.json'))) {
  console.log(`preparing ${size} in ${root} (cached for later runs)`);
  await generate({
    out: rawPath,
    partitions: spec.partitions,
    periods: spec.periods,
    frequency: spec.frequency,
    seed: 42,
  });
  await prepare(config, { outDir: preparedDir });
}
await rm(path.join(root, 'runs'), { recursive: true, force: true });

const started = performance.now();
const cpuBefore = process.cpuUsage();
const result = await trainRun({
  config,
  preparedDir,
  runsDir: path.join(root, 'runs'),
  runId: 'bench',
  progress: 'silent',
});
const seconds = (performance.now() - started) / 1000;
const peakRssGiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 30;
const cpu = process.cpuUsage(cpuBefore);
const trained = result.manifest.partitions.filter((p) => p.status !== 'skipped' || p.durationMs > 0);
const inModels = trained.reduce((sum, p) => sum + p.durationMs, 0) / 1000;
const n = result.manifest.partitions.length;

console.log(`\n== many-models engine, ${size}: ${n} partitions, ${workers} worker threads`);
console.log(
  `wall ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(0)} partitions/s, ${(n / seconds / workers).toFixed(0)} partitions/s/core`,
);
console.log(`peak RSS ${peakRssGiB.toFixed(2)} GiB, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
console.log(
  `per partition: ${((inModels * 1000) / n).toFixed(2)} ms in the models, ` +
    `${(((seconds * workers - inModels) * 1000) / n).toFixed(2)} ms fixed overhead (streaming, transfer, artifact write, journal)`,
);
console.log(`statuses ${JSON.stringify(result.manifest.totals)}`);

/** WAPE of the chosen model and of the baseline, on the holdout, for a set of partitions. */
async function ourAccuracy(names: Set<string> | null) {
  const chosen: number[] = [];
  const baseline: number[] = [];
  let pooled = { err: 0, base: 0, act: 0 };
  for (const p of result.manifest.partitions) {
    if (p.status !== 'ok' || (names && !names.has(p.name))) continue;
    const artifact: ModelArtifact = await readArtifact(result.runDir, p.artifact!);
    const actual = artifact.holdout.actual;
    const f = artifact.holdout.candidates[artifact.chosen]!.forecast;
    const b = artifact.holdout.candidates[artifact.baseline]!.forecast;
    chosen.push(wape(actual, f));
    baseline.push(wape(actual, b));
    pooled = {
      err: pooled.err + actual.reduce((s, a, i) => s + Math.abs(a - f[i]!), 0),
      base: pooled.base + actual.reduce((s, a, i) => s + Math.abs(a - b[i]!), 0),
      act: pooled.act + actual.reduce((s, a) => s + Math.abs(a), 0),
    };
  }
  return {
    chosen,
    baseline,
    pooledChosen: pooled.err / pooled.act,
    pooledBaseline: pooled.base / pooled.act,
  };
}

const median = (xs: number[]) => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
};

const ours = await ourAccuracy(null);
console.log(
  `holdout WAPE (median over partitions): model ${median(ours.chosen).toFixed(3)} vs baseline (naive or mean) ${median(ours.baseline).toFixed(3)}; ` +
    `pooled: ${ours.pooledChosen.toFixed(3)} vs ${ours.pooledBaseline.toFixed(3)}`,
);

if (peerPartitions > 0) {
  const python = '/usr/bin/python3';
  const probe = await execa(python, ['-c', 'import sklearn, pandas'], { reject: false });
  if (probe.exitCode !== 0) {
    console.log(
      '\npeer skipped: install Debian python3-sklearn and python3-pandas (apt-get install python3-sklearn python3-pandas)',
    );
  } else {
    const ok = (await listPartitions(preparedDir, (p) => p.status === 'ok')).slice(0, peerPartitions);
    const names = new Set(ok.map((p) => p.name));
    const csv = path.join(root, `peer-${ok.length}.csv`);
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    // The peer reads the same prepared series (same rows, gaps filled) that our engine trained on.
    await connection.run('CREATE TABLE chosen (name VARCHAR, k0 VARCHAR, k1 VARCHAR)');
    const appender = await connection.createAppender('chosen');
    for (const p of ok) {
      appender.appendVarchar(p.name);
      appender.appendVarchar(p.key[0]!);
      appender.appendVarchar(p.key[1]!);
      appender.endRow();
    }
    appender.closeSync();
    await connection.run(
      `COPY (SELECT c.name, d.* EXCLUDE (bucket)
               FROM read_parquet(${literal(path.join(preparedDir, 'bucket=*', '*.parquet'))}) d
               JOIN chosen c ON d.Store = c.k0 AND d.Brand = c.k1) TO ${literal(csv)} (HEADER)`,
    );
    connection.closeSync();
    db.closeSync();
    const peerStarted = performance.now();
    const peer = await execa(python, [
      path.resolve(import.meta.dirname, 'peer/sklearn_many_models.py'),
      '--csv',
      csv,
      '--time',
      timeColumn,
      '--holdout',
      String(spec.holdout),
      '--workers',
      String(workers),
      '--out',
      path.join(root, 'peer-models'),
    ]);
    const peerWall = (performance.now() - peerStarted) / 1000;
    const peerResult = JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as {
      partitions: number;
      seconds: number;
      wape: Record<string, number>;
    };
    const same = await ourAccuracy(names);
    const peerRate = peerResult.partitions / peerWall;
    const ourRate = n / seconds;
    console.log(
      `\n== peer: one scikit-learn LinearRegression per partition (the accelerator's approach), ${peerResult.partitions} partitions, ${workers} processes`,
    );
    console.log(
      `wall ${peerWall.toFixed(1)} s (incl. Python start and CSV read), ${peerRate.toFixed(1)} partitions/s`,
    );
    console.log(
      `holdout WAPE on the same ${peerResult.partitions} partitions (median): peer ${median(Object.values(peerResult.wape)).toFixed(3)}, ` +
        `many-models ${median(same.chosen).toFixed(3)}, baseline ${median(same.baseline).toFixed(3)}`,
    );
    console.log(`speed-up: ${(ourRate / peerRate).toFixed(0)}x partitions/s`);
  }
}
