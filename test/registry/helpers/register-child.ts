// Child process for the registry concurrency and crash tests: registers `count` models into a local registry.
// Usage: node register-child.ts <root> <count> <runId> <idempotent: yes|no> [staleMs]
import { LocalModelRegistry } from '../../../src/registry/local.ts';
import type { RegisterRequest } from '../../../src/registry/types.ts';
import { makeArtifact } from '../../promotion/fixtures.ts';

const [root, count, runId, idempotent, staleMs] = process.argv.slice(2);
if (!root || !count || !runId) throw new Error('usage: register-child.ts <root> <count> <runId> <yes|no>');

const registry = new LocalModelRegistry({
  root,
  stage: 'prod',
  lock: { staleMs: Number(staleMs ?? 5000), waitMs: 60_000 },
});
const requests: RegisterRequest[] = Array.from({ length: Number(count) }, (_, i) => {
  const key = [`store-${i}`, 'brand'];
  return {
    artifact: makeArtifact({ key }, { runId, partitions: [] }),
    tags: { 'mm.run.id': runId, 'mm.writer': String(process.pid) },
  };
});
process.stdout.write('started\n');
const versions = await registry.registerMany(
  requests,
  idempotent === 'yes' ? { idempotencyTag: 'mm.run.id' } : {},
);
process.stdout.write(`${JSON.stringify(versions.map((v) => v.version))}\n`);
