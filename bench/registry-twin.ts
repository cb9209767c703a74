import { performance } from 'node:perf_hooks';
import { ArmBudget } from '../src/azure/arm-budget.ts';
import { artifactContentHash, CONTENT_TAG } from '../src/registry/content.ts';
import { sleep } from '../src/util/sleep.ts';
import { makeArtifact } from '../test/promotion/fixtures.ts';
import { TokenBuckets } from '../twin/aml/arm-gate.ts';
import { startDevWorkspace } from '../twin/aml/dev-workspace.ts';

const models = Number(process.argv[2] ?? 10_000);
const scale = Number(process.argv[3] ?? 20);
/** The Train stage's timeout in .azure-pipelines/ml.yml (360 minutes), which the merge-and-register step runs in. */
const STAGE_TIMEOUT_S = 6 * 3600;

const started = Date.now();
const azureNow = () => started + (Date.now() - started) * scale;
const dev = await startDevWorkspace({ buckets: new TokenBuckets({ now: azureNow }), pageSize: 100 });
const server = dev.server;

let budget: ArmBudget;
function registry(readsFromIndex = false) {
  budget = new ArmBudget({ now: azureNow, sleep: (ms, signal) => sleep(ms / scale, signal) });
  return dev.registry({ budget, concurrency: 16, readsFromIndex });
}

const requests = (runId: string) =>
  Array.from({ length: models }, (_, i) => {
    const artifact = makeArtifact({ key: ['store', String(i)] }, { runId, partitions: [] });
    return { artifact, tags: { 'mm.run.id': runId, [CONTENT_TAG]: artifactContentHash(artifact) } };
  });

/** The least time these calls can take at the budget's rates (90 % of ARM's), after its initial bursts. */
function rateBound(reads: number, writes: number): number {
  const { limits } = budget;
  const after = (n: number, l: { bucket: number; refillPerSecond: number }) =>
    Math.max(0, n - l.bucket) / l.refillPerSecond;
  return Math.max(after(reads, limits.reads), after(writes, limits.writes));
}

const rows: string[][] = [];
async function measure(label: string, work: () => Promise<unknown>) {
  const calls = server.log.length;
  const azureFrom = azureNow();
  const wallFrom = performance.now();
  const cpuFrom = process.cpuUsage();
  await work();
  const wall = (performance.now() - wallFrom) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  const azure = (azureNow() - azureFrom) / 1000;
  const made = server.log.slice(calls);
  const count = (method: string) => made.filter((l) => l.method === method).length;
  rows.push([
    label,
    `${count('GET')} / ${count('PUT')}`,
    String(made.filter((l) => l.status === 429).length),
    (wall > 0 ? models / wall : 0).toFixed(0),
    ((cpu.user + cpu.system) / 1e6).toFixed(1),
    `${(rateBound(count('GET'), count('PUT')) / 60).toFixed(1)} min`,
    `${(azure / 60).toFixed(1)} min`,
    azure <= STAGE_TIMEOUT_S ? 'yes' : 'NO',
  ]);
}

try {
  await measure('first registration', () =>
    registry().registerMany(requests('run-1'), { idempotencyTag: 'mm.run.id' }),
  );
  await measure('retrain, nothing changed', () =>
    registry().registerMany(requests('run-2'), { idempotencyTag: 'mm.run.id', keepUnchanged: true }),
  );
  const reader = registry(true);
  await measure('scoring reads, model index', async () => {
    for (let i = 0; i < models; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, models - i) }, (_, j) =>
          reader.load(makeArtifact({ key: ['store', String(i + j)] }, { runId: 'x', partitions: [] }).name),
        ),
      );
    }
  });
} finally {
  await dev.stop();
}

console.log(
  `\n${models} models, clocks ${scale}x (Azure time = what the calls take at ARM's documented rates)\n`,
);
// "rate-bound": the least time the calls can take at the budget's rates. When the Azure time is close to it, ARM's
// rates set the time (what Azure would take); well above it, this machine's CPU did, and it is an upper bound.
console.log(
  '| work | ARM GET / PUT | 429s | client models/s | CPU s | rate-bound | Azure time | fits the 6 h Train stage |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
