/**
 * Bulk registration in an Azure ML workspace through the real @azure/arm-machinelearning client, against the local
 * spec-derived HTTPS server with a fixed latency per ARM call (Azure's is tens to hundreds of ms): how the bounded
 * concurrency of `registerMany` turns hours of one-at-a-time calls into minutes, and what an idempotent re-run costs.
 * Run: node bench/azure-registry.ts [models=200] [latencyMs=25]
 */
import { performance } from 'node:perf_hooks';
import { AzureMlModelRegistry } from '../src/azure/aml-registry.ts';
import { DEV, startAml } from '../test/azure/aml-fixture.ts';
import { makeArtifact } from '../test/promotion/fixtures.ts';

const n = Number(process.argv[2] ?? 200);
const latencyMs = Number(process.argv[3] ?? 25);
const rows: string[][] = [];
const aml = await startAml({ latencyMs });
try {
  for (const concurrency of [1, 8, 32]) {
    const runId = `bench-${concurrency}`;
    const requests = Array.from({ length: n }, (_, i) => {
      const key = [`c${concurrency}`, String(i)];
      return { artifact: makeArtifact({ key }, { runId, partitions: [] }), tags: { 'mm.run.id': runId } };
    });
    const registry = new AzureMlModelRegistry({
      ...aml.client,
      workspace: DEV,
      stage: 'dev',
      artifactStore: aml.artifactStore(DEV),
      concurrency,
    });
    for (const label of ['register', 're-run (idempotent)']) {
      const calls = aml.server.log.length;
      const started = performance.now();
      await registry.registerMany(requests, { idempotencyTag: 'mm.run.id' });
      const seconds = (performance.now() - started) / 1000;
      const made = aml.server.log.length - calls;
      rows.push([
        `${label}, concurrency ${concurrency}`,
        String(made),
        seconds.toFixed(2),
        (n / seconds).toFixed(0),
        (10_000 / (n / seconds) / 60).toFixed(1),
      ]);
    }
  }
  if (aml.server.problems.length > 0) throw new Error(`requests the spec refuses: ${aml.server.problems[0]}`);
  console.log(
    `\n${n} models, ${latencyMs} ms per ARM call (local HTTPS spec server), artifacts to a local folder\n`,
  );
  console.log('| run | ARM calls | seconds | models/s | minutes for 10,000 |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await aml.stop();
}
