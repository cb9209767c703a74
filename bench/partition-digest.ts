/**
 * What a change to the models or the engine's selection does to `trainPartition`'s outcomes, and what it costs:
 * runs it on a few hundred mixed generated series (weekly retail with and without trend, season, gaps and zeros,
 * pure noise, daily; 1 and 3 backtest windows; several lengths), prints the sha256 of every outcome and the CPU
 * time per partition (one core, after a warm-up), and can save the outcomes to compare another version with.
 *   node bench/partition-digest.ts [--fixtures 720] [--repeat 3] [--save FILE] [--compare FILE]
 * --compare reports how many outcomes are identical, equal within 1e-9 relative on every number with the same
 * selection (chosen model, baseline, statuses), or different, and shows the first difference.
 * Run the same script file against two worktrees (copy it into the other's bench/) in the same minute.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { forecastSchema } from '../src/config/schema.ts';
import { type PartitionOutcome, trainPartition } from '../src/engine/train-partition.ts';
import { dailySeries, type Fixture, noiseSeries, retailSeries } from '../test/models/fixtures.ts';

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const count = Number(option('--fixtures') ?? 720);
const repeat = Number(option('--repeat') ?? 3);
const lineage = {
  runId: 'digest',
  codeVersion: 'digest',
  dataFingerprint: 'digest',
  trainedAt: '1970-01-01T00:00:00.000Z',
};

interface Case {
  fixture: Fixture;
  windows: number;
  trend: boolean;
}

function fixtureAt(i: number): Case {
  const kind = i % 8;
  const length = [156, 104, 60, 200][Math.floor(i / 8) % 4]!;
  const windows = Math.floor(i / 32) % 2 === 0 ? 1 : 3;
  const trend = Math.floor(i / 64) % 3 !== 2;
  const seed = i + 1;
  const key = [`S${i}`, `k${kind}`];
  const fixture =
    kind === 0
      ? retailSeries({ seed, length, key })
      : kind === 1
        ? retailSeries({ seed, length, key, truth: { season: 0, trend: 0, noise: 0.3 } })
        : kind === 2
          ? retailSeries({ seed, length, key, gapShare: 0.1 })
          : kind === 3
            ? retailSeries({ seed, length, key, zeroShare: 0.45, truth: { base: Math.log(3), noise: 0.5 } })
            : kind === 4
              ? noiseSeries(seed, length)
              : kind === 5
                ? dailySeries(seed, 120 + (i % 5) * 60)
                : kind === 6
                  ? retailSeries({ seed, length, key, truth: { trend: -0.004, season: 0.8, noise: 0.1 } })
                  : retailSeries({ seed, length, key, gapShare: 0.05, zeroShare: 0.1 });
  return { fixture, windows, trend };
}

const cases = Array.from({ length: count }, (_, i) => fixtureAt(i));
const run = (c: Case): PartitionOutcome =>
  trainPartition(c.fixture.series, {
    context: c.fixture.context,
    forecast: forecastSchema.parse({
      horizon: c.fixture.context.frequency === 'D' ? 28 : 8,
      holdout: c.fixture.context.frequency === 'D' ? 28 : 8,
      backtestWindows: c.windows,
      trend: c.trend,
    }),
    partitionBy: ['Store', 'Brand'].slice(0, c.fixture.series.key.length),
    lineage,
  });

for (const c of cases.slice(0, 200)) run(c); // JIT warm-up
const cpu = process.cpuUsage();
let outcomes: PartitionOutcome[] = [];
for (let r = 0; r < repeat; r++) outcomes = cases.map(run);
const used = process.cpuUsage(cpu);
const perPartition = (used.user + used.system) / 1000 / (count * repeat);

const lines = outcomes.map((o) => JSON.stringify(o));
const digest = createHash('sha256').update(lines.join('\n')).digest('hex');
const chosen: Record<string, number> = {};
for (const o of outcomes) {
  const label = o.status === 'ok' ? o.artifact.chosen : o.status;
  chosen[label] = (chosen[label] ?? 0) + 1;
}
console.log(`${count} fixtures x ${repeat}: ${perPartition.toFixed(4)} ms CPU per trainPartition`);
console.log(`outcomes sha256 ${digest}`);
console.log(`chosen ${JSON.stringify(chosen)}`);

const save = option('--save');
if (save) await writeFile(save, `${lines.join('\n')}\n`);

/** The first path where two JSON values differ beyond `tolerance` (relative), or undefined. */
function difference(a: unknown, b: unknown, tolerance: number, at = ''): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    const scale = Math.max(Math.abs(a), Math.abs(b), 1e-300);
    return a === b || Math.abs(a - b) <= tolerance * scale ? undefined : `${at}: ${a} vs ${b}`;
  }
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return a === b ? undefined : `${at}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b as object)]);
  for (const k of keys) {
    const d = difference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      tolerance,
      `${at}.${k}`,
    );
    if (d) return d;
  }
  return undefined;
}

const compare = option('--compare');
if (compare) {
  const before = (await readFile(compare, 'utf8')).trimEnd().split('\n');
  let identical = 0;
  let close = 0;
  const different: string[] = [];
  lines.forEach((line, i) => {
    if (line === before[i]) identical++;
    else {
      const d = difference(JSON.parse(before[i]!), JSON.parse(line), 1e-9);
      if (d === undefined) close++;
      else different.push(`fixture ${i}${d}`);
    }
  });
  console.log(
    `vs ${compare}: ${identical} identical, ${close} equal within 1e-9 relative, ${different.length} different`,
  );
  for (const d of different.slice(0, 5)) console.log(`  ${d}`);
}
