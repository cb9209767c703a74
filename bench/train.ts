// Benchmark: train one model per partition with the full candidate set, on a prepared lake of size S, M or L,
// next to a lean scikit-learn peer (one LinearRegression per partition, numpy, one process per core; Debian's
// python3-sklearn) on the same partitions and holdout.
//   node bench/train.ts [S|M|L|100k|300k|1M] [--peer N|all] [--accelerator N] [--workers N] [--train-only]
// --peer N runs the lean peer on the first N ok partitions (by name; default all, 0 skips it); --accelerator N runs
// the accelerator's approach as written (pandas per step, joblib per model) on the first N (default 0).
// CPU time (user+sys of the whole process: main thread, worker threads, DuckDB) is the measure: the machine is
// shared, so wall time is noise. The fixed start-up is measured apart: a run of a 1/50 shard first, and
// CPU(n) = fixed + n x per-partition solved from the two runs. Datasets are cached in .mm/bench/train-<size>/.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa } from 'execa';
import { localArtifactStore } from '../src/artifacts/store.ts';
import { parseConfig } from '../src/config/load.ts';
import { listPartitions, prepare } from '../src/data/index.ts';
import { literal } from '../src/data/sql.ts';
import { readArtifact } from '../src/engine/register.ts';
import { readManifest, trainRun } from '../src/engine/run.ts';
import { generate } from '../src/generate/index.ts';
import { wape } from '../src/metrics/index.ts';
import type { ModelArtifact } from '../src/models/artifact.ts';

const SIZES = {
  S: { partitions: 1_000, periods: 156, frequency: 'W', holdout: 8 },
  M: { partitions: 10_000, periods: 156, frequency: 'W', holdout: 8 },
  L: { partitions: 10_000, periods: 4_000, frequency: 'D', holdout: 28 },
  // Memory at scale: many short series (a year of weeks each).
  '100k': { partitions: 100_000, periods: 52, frequency: 'W', holdout: 8 },
  '300k': { partitions: 300_000, periods: 52, frequency: 'W', holdout: 8 },
  '1M': { partitions: 1_000_000, periods: 52, frequency: 'W', holdout: 8 },
} as const;

const args = process.argv.slice(2);
const size = (args.find((a) => a in SIZES) ?? 'M') as keyof typeof SIZES;
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const peerArg = args[args.indexOf('--peer') + 1];
const peerPartitions = args.includes('--peer') ? (peerArg === 'all' ? Infinity : Number(peerArg)) : Infinity;
const accelerator = flag('--accelerator', 0);
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

if (args.includes('--prepare-only')) {
  console.log(`preparing ${size} in ${root} (cached for later runs)`);
  await generate({
    out: rawPath,
    partitions: spec.partitions,
    periods: spec.periods,
    frequency: spec.frequency,
    seed: 42,
  });
  await prepare(config, { outDir: preparedDir });
  process.exit(0);
}
if (!existsSync(path.join(preparedDir, 'meta.json'))) {
  // In its own process, so the peak RSS below is training's, not the generator's or prepare's.
  await execa(process.execPath, [import.meta.filename, size, '--prepare-only'], { stdio: 'inherit' });
}
await rm(path.join(root, 'runs'), { recursive: true, force: true });
await rm(path.join(root, 'peer-models'), { recursive: true, force: true });

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return (c.user + c.system) / 1e6;
};

/**
 * Resident memory of this process sampled every 250 ms, the peak kept per phase: while partitions train, and
 * after the last one (writing the manifest from the journal). The process's own maxRSS is the overall peak.
 */
const rss = { training: 0, manifest: 0, phase: 'training' as 'training' | 'manifest' };
setInterval(() => {
  rss[rss.phase] = Math.max(rss[rss.phase], process.memoryUsage.rss());
}, 250).unref();
const phases = () => ({
  tick() {},
  stop() {
    rss.phase = 'manifest';
  },
});

async function timedRun(runId: string, shard?: { index: number; count: number }) {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  rss.phase = 'training';
  const result = await trainRun({
    progress: phases,
    config,
    preparedDir,
    runsDir: path.join(root, 'runs'),
    runId,
    ...(shard ? { shard } : {}),
  });
  return { result, wall: (performance.now() - started) / 1000, cpu: cpuSeconds(cpuBefore) };
}

// The small run also warms what any second run finds warm (compile cache, the OS page cache of the lake).
const small = await timedRun('bench-fixed', { index: 0, count: 50 });
const full = await timedRun('bench');
const result = full.result;
const n = result.summary.partitionCount;
const nSmall = small.result.summary.partitionCount;
const perPartitionCpu = (full.cpu - small.cpu) / (n - nSmall);
const fixedCpu = small.cpu - perPartitionCpu * nSmall;
const peakRssGiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 30;

console.log(`\n== many-models engine, ${size}: ${n} partitions, ${workers} worker threads`);
console.log(
  `CPU ${full.cpu.toFixed(1)} s (user+sys, all threads); wall ${full.wall.toFixed(1)} s on a shared machine (load ${os.loadavg()[0]!.toFixed(1)})`,
);
console.log(
  `CPU per partition ${(perPartitionCpu * 1000).toFixed(3)} ms end to end; fixed start-up ${fixedCpu.toFixed(2)} s ` +
    `(from a ${nSmall}-partition run: ${small.cpu.toFixed(2)} s CPU)`,
);
console.log(`peak RSS ${peakRssGiB.toFixed(2)} GiB; statuses ${JSON.stringify(result.summary.totals)}`);
console.log(
  `sampled RSS peak: ${(rss.training / 2 ** 30).toFixed(2)} GiB while training, ${(rss.manifest / 2 ** 30).toFixed(2)} GiB writing the manifest`,
);

if (args.includes('--train-only')) process.exit(0); // profiling and memory runs: training alone

// Read after the peak RSS above: the run itself never holds its records.
const manifest = await readManifest(result.manifestPath);
const inWorkers = manifest.partitions.reduce((sum, p) => sum + p.durationMs, 0) / 1000;
console.log(
  `worker wall time per partition (high-resolution, training + serialisation + pack write share): ${((inWorkers * 1000) / n).toFixed(3)} ms`,
);

/** WAPE of the chosen model and of the baseline, on the holdout, for a set of partitions. */
async function ourAccuracy(names: Set<string> | null) {
  const chosen: number[] = [];
  const baseline: number[] = [];
  let pooled = { err: 0, base: 0, act: 0 };
  const store = localArtifactStore(result.runDir);
  for (const p of manifest.partitions) {
    if (p.status !== 'ok' || (names && !names.has(p.name))) continue;
    const artifact: ModelArtifact = await readArtifact(store, p.artifact!);
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

/** Exports the first `count` ok partitions' prepared series (the rows our engine trained on) to CSV. */
async function exportSeries(count: number) {
  const ok = (await listPartitions(preparedDir, (p) => p.status === 'ok')).slice(0, count);
  const csv = path.join(root, `peer-${ok.length}.csv`);
  if (!existsSync(csv)) {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
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
  }
  return { csv, names: new Set(ok.map((p) => p.name)) };
}

const python = '/usr/bin/python3';
const peerArgs = (csv: string, out: string) => [
  '--csv',
  csv,
  '--time',
  timeColumn,
  '--holdout',
  String(spec.holdout),
  '--workers',
  String(workers),
  '--out',
  path.join(root, out),
];
const probe = async (modules: string) =>
  (await execa(python, ['-c', `import ${modules}`], { reject: false })).exitCode === 0;
const hasSklearn = (peerPartitions > 0 || accelerator > 0) && (await probe('sklearn, numpy'));
const hasPandas = accelerator > 0 && hasSklearn && (await probe('pandas'));
if (peerPartitions > 0 && !hasSklearn) {
  console.log('\npeer skipped: install Debian python3-sklearn (apt-get install python3-sklearn)');
}
if (accelerator > 0 && !hasPandas) {
  console.log("\nthe accelerator's approach skipped: it needs python3-sklearn and python3-pandas");
}

if (hasSklearn && peerPartitions > 0) {
  const { csv, names } = await exportSeries(peerPartitions);
  const same = await ourAccuracy(names);
  // scikit-learn's LinearRegression as a user would call it, then the same least squares through numpy alone.
  for (const ols of ['sklearn', 'numpy']) {
    const peer = await execa(python, [
      path.resolve(import.meta.dirname, 'peer/sklearn_lean.py'),
      ...peerArgs(csv, 'peer-models'),
      '--ols',
      ols,
    ]);
    const p = JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as {
      partitions: number;
      trained: number;
      startupCpu: number;
      computeCpu: number;
      computeWall: number;
      wape: Record<string, number>;
    };
    const peerPer = p.computeCpu / p.partitions;
    console.log(
      `\n== lean peer (${ols === 'sklearn' ? 'scikit-learn LinearRegression' : 'numpy lstsq, same OLS'}), one model per partition, ${workers} processes, ${p.partitions} partitions`,
    );
    console.log(
      `CPU per partition ${(peerPer * 1000).toFixed(3)} ms (workers' user+sys + dispatch); fixed start-up ${p.startupCpu.toFixed(2)} s (imports, CSV read, split); ` +
        `compute wall ${p.computeWall.toFixed(1)} s`,
    );
    console.log(
      `holdout WAPE on the same ${p.partitions} partitions (median): peer ${median(Object.values(p.wape)).toFixed(3)}, ` +
        `many-models ${median(same.chosen).toFixed(3)}, baseline ${median(same.baseline).toFixed(3)}`,
    );
    console.log(
      `throughput per CPU second: many-models / peer = ${(peerPer / perPartitionCpu).toFixed(2)} ` +
        `(many-models fits ${Object.keys(manifest.partitions.find((r) => r.metrics)?.metrics ?? {}).length} candidates, the peer one)`,
    );
  }
}

if (hasPandas) {
  const { csv, names } = await exportSeries(accelerator);
  const started = performance.now();
  const peer = await execa(python, [
    path.resolve(import.meta.dirname, 'peer/sklearn_many_models.py'),
    ...peerArgs(csv, 'accelerator-models'),
  ]);
  const wall = (performance.now() - started) / 1000;
  const p = JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as {
    partitions: number;
    wape: Record<string, number>;
  };
  const same = await ourAccuracy(names);
  console.log(
    `\n== the accelerator's approach, as written (pandas per step, joblib per model), ${p.partitions} partitions`,
  );
  console.log(
    `wall ${wall.toFixed(1)} s (incl. Python start and CSV read), ${(p.partitions / wall).toFixed(1)} partitions/s`,
  );
  console.log(
    `holdout WAPE (median): accelerator ${median(Object.values(p.wape)).toFixed(3)}, many-models ${median(same.chosen).toFixed(3)}`,
  );
}
