/**
 * Local registry and evaluate-and-promote at scale: one bulk `registerMany` of N models (durable and not), an
 * idempotent re-run, `latest()` look-ups, a full `list()`, and `evaluateAndPromote` over an N-partition run
 * (first promotion, idempotent re-run, dry run). Run: node bench/registry.ts [models=10000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promotionSchema } from '../src/config/schema.ts';
import { modelName } from '../src/core/model-name.ts';
import { evaluateAndPromote } from '../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../src/registry/local.ts';
import type { RegisterRequest } from '../src/registry/types.ts';
import { FORECAST, makeArtifact, type PartitionSpec, writeRun } from '../test/promotion/fixtures.ts';

const n = Number(process.argv[2] ?? 10_000);
const loadBefore = os.loadavg()[0]!;
const rows: string[][] = [];

/** Wall time and this process's CPU time (user + system): on a shared machine both tell part of the story. */
async function time<T>(label: string, fn: () => Promise<T>, per = n): Promise<T> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  rows.push([
    label,
    `${(ms / 1000).toFixed(2)} s`,
    `${((ms * 1000) / per).toFixed(0)} µs`,
    `${(cpuMs / 1000).toFixed(2)} s`,
  ]);
  return result;
}

const keys = Array.from({ length: n }, (_, i) => [`store-${i}`, `brand-${i % 7}`]);
const requests = (runId: string): RegisterRequest[] =>
  keys.map((key) => ({
    artifact: makeArtifact({ key }, { runId, partitions: [] }),
    tags: { 'mm.run.id': runId, 'mm.key.Store': key[0]!, 'mm.key.Brand': key[1]! },
  }));

const root = await mkdtemp(path.join(os.tmpdir(), 'mm-bench-registry-'));
try {
  const durable = new LocalModelRegistry({ root: path.join(root, 'a'), stage: 'prod' });
  const batch = requests('run-1');
  await time(`registerMany ${n} (durable: fsync)`, () => durable.registerMany(batch));
  await time(`registerMany ${n} again, idempotent (no writes)`, () =>
    durable.registerMany(batch, { idempotencyTag: 'mm.run.id' }),
  );
  const fast = new LocalModelRegistry({ root: path.join(root, 'b'), stage: 'prod', durable: false });
  await time(`registerMany ${n} (durable: false)`, () => fast.registerMany(batch));

  const sample = Array.from({ length: 1000 }, (_, i) => modelName(keys[(i * 7919) % n]!));
  await time(
    'latest() x 1000, one at a time',
    async () => {
      for (const name of sample) await durable.latest(name);
    },
    1000,
  );
  await time(
    'load() x 1000, one at a time',
    async () => {
      for (const name of sample) await durable.load(name);
    },
    1000,
  );
  await time(`list() all ${n}`, async () => {
    let count = 0;
    for await (const _ of durable.list()) count++;
    if (count !== n) throw new Error(`listed ${count} of ${n}`);
  });

  // A run where most partitions promote, some fall back, some failed.
  const specs: PartitionSpec[] = keys.map((key, i) =>
    i % 10 === 9
      ? { key, status: 'failed' }
      : i % 10 === 8
        ? { key, candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful }, chosen: 'ridge' }
        : { key },
  );
  const lake = path.join(root, 'lake');
  const runDir = await writeRun(lake, { runId: 'run-1', partitions: specs });
  const prod = new LocalModelRegistry({ root: lake, stage: 'prod' });
  const rules = promotionSchema.parse({});
  await time(`evaluateAndPromote ${n} partitions, dry run`, () =>
    evaluateAndPromote({ runDir, prod, rules, dryRun: true }),
  );
  const first = await time(`evaluateAndPromote ${n} partitions, first promotion`, () =>
    evaluateAndPromote({ runDir, prod, rules, dryRun: false }),
  );
  const again = await time(`evaluateAndPromote ${n} partitions, idempotent re-run`, () =>
    evaluateAndPromote({ runDir, prod, rules, dryRun: false }),
  );
  rows.push(['first promotion totals', JSON.stringify(first.totals), '', '']);
  rows.push([
    're-run: new prod versions',
    String(again.decisions.filter((d) => d.newVersion).length),
    '',
    '',
  ]);
} finally {
  await rm(root, { recursive: true, force: true });
}

console.log(
  `${n} models, node ${process.version}, ${os.cpus().length} cores, load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after`,
);
console.log('| step | wall | wall per item | CPU (user + sys) |\n| --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
