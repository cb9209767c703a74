/**
 * Peak memory of evaluate-and-promote over a large run: writes an N-partition run in the engine's layout (the
 * manifest one record per line, artifacts in packs of 1,000) once, then promotes it into a fresh local prod
 * registry in a child process, whose peak RSS (getrusage maxrss) and CPU are what this prints.
 * Run: node bench/promote-memory.ts [partitions=100000] [old-space cap in MB for the child, e.g. 256]
 * With a cap, the child either finishes (its live heap fits) or dies of "heap out of memory": a sharper test of
 * what promotion keeps than peak RSS, which V8 lets grow with the garbage it has not collected yet.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { writePack } from '../src/artifacts/pack.ts';
import { promotionSchema } from '../src/config/schema.ts';
import { modelName } from '../src/core/model-name.ts';
import type { PartitionRecord, RunManifest } from '../src/engine/manifest.ts';
import { writeManifestFile } from '../src/engine/manifest-file.ts';
import { evaluateAndPromote } from '../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../src/registry/local.ts';
import { FORECAST, makeArtifact } from '../test/promotion/fixtures.ts';

if (process.argv[2] === '--child') {
  const [root, runDir] = process.argv.slice(3) as [string, string];
  const cpu = process.cpuUsage();
  const started = performance.now();
  const file = await evaluateAndPromote({
    runDir,
    prod: new LocalModelRegistry({ root, stage: 'prod', durable: false }),
    rules: promotionSchema.parse({}),
    dryRun: false,
  });
  const used = process.cpuUsage(cpu);
  process.send?.({
    seconds: (performance.now() - started) / 1000,
    cpu: (used.user + used.system) / 1e6,
    peakRss: process.resourceUsage().maxRSS * 1024,
    totals: file.totals,
  });
  process.exit(0);
}

const n = Number(process.argv[2] ?? 100_000);
const root = await mkdtemp(path.join(os.tmpdir(), 'mm-bench-promote-'));
try {
  const runId = 'bench-promote';
  const runDir = path.join(root, 'runs', runId);
  await mkdir(runDir, { recursive: true });
  const keys = Array.from({ length: n }, (_, i) => [`store-${i}`, `brand-${i % 7}`]);
  keys.sort((a, b) => (modelName(a) < modelName(b) ? -1 : 1));
  const records: PartitionRecord[] = [];
  for (let start = 0; start < n; start += 1000) {
    const batch = keys.slice(start, start + 1000).map((key, j) => {
      const i = start + j;
      return makeArtifact(
        i % 4 === 3
          ? { key, candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful }, chosen: 'ridge' }
          : { key },
        { runId, partitions: [] },
      );
    });
    const refs = await writePack(
      runDir,
      batch.map((a) => JSON.stringify(a)),
      { durable: false },
    );
    for (const [j, artifact] of batch.entries()) {
      records.push({
        name: artifact.name,
        key: keys[start + j]!,
        status: 'ok',
        chosen: artifact.chosen,
        artifact: refs[j]!,
        observations: 156,
        durationMs: 1,
      });
    }
  }
  const manifest: RunManifest = {
    schemaVersion: 1,
    runId,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    codeVersion: 'code-1',
    dataFingerprint: 'data-1',
    partitionBy: ['Store', 'Brand'],
    shard: null,
    totals: { ok: n, failed: 0, skipped: 0 },
    partitions: records,
  };
  await writeManifestFile(path.join(runDir, 'manifest.json'), manifest);
  records.length = 0;
  const load = os.loadavg()[0]!.toFixed(1);
  const cap = process.argv[3];
  const child = fork(import.meta.filename, ['--child', root, runDir], {
    stdio: 'inherit',
    execArgv: [...process.execArgv, ...(cap ? [`--max-old-space-size=${cap}`] : [])],
  });
  const answer = once(child, 'message');
  const [code] = (await Promise.race([once(child, 'exit'), answer.then(() => [0])])) as [number];
  if (code !== 0) {
    console.log(
      `evaluateAndPromote, ${n} partitions, old space capped at ${cap} MB: the child died (exit ${code})`,
    );
    process.exit(0);
  }
  const [result] = (await answer) as [{ seconds: number; cpu: number; peakRss: number; totals: unknown }];
  console.log(
    `evaluateAndPromote, ${n} partitions (first promotion into an empty local prod registry, durable: false` +
      `${cap ? `, old space capped at ${cap} MB` : ''}), ` +
      `load ${load}: wall ${result.seconds.toFixed(1)} s, CPU ${result.cpu.toFixed(1)} s, ` +
      `peak RSS ${(result.peakRss / 2 ** 20).toFixed(0)} MiB; totals ${JSON.stringify(result.totals)}`,
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
