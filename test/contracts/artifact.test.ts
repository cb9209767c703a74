import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import { readArtifact } from '../../src/engine/register.ts';
import { evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { FORECAST, writeRun } from '../promotion/fixtures.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-contract-artifact-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const name = modelName(['1', 'a']);

async function run(patch: (artifact: Record<string, unknown>) => void): Promise<string> {
  const runDir = await writeRun(path.join(root, 'lake'), {
    runId: 'run-1',
    partitions: [{ key: ['1', 'a'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.good } }],
  });
  const file = path.join(runDir, 'artifacts', `${name}.json`);
  const artifact = JSON.parse(await readFile(file, 'utf8'));
  patch(artifact);
  await writeFile(file, JSON.stringify(artifact));
  return runDir;
}

describe('the artifact contract', () => {
  it('given an artifact with a field a newer engine added, when it is promoted, then the prod model keeps the field', async () => {
    const runDir = await run((a) => {
      a.calibration = { method: 'newer', width: 2 };
    });
    const prod = new LocalModelRegistry({ root, stage: 'prod' });
    await evaluateAndPromote({ runDir, prod, rules: promotionSchema.parse({}), dryRun: false });
    const loaded = await prod.load(name);
    if (!loaded) throw new Error('the model was not promoted');
    expect((loaded.artifact as unknown as Record<string, unknown>).calibration).toEqual({
      method: 'newer',
      width: 2,
    });
  });

  it('given a missing holdout actual (null in JSON), when it is read, then it comes back as NaN as the engine held it', async () => {
    const runDir = await run((a) => {
      (a.holdout as { actual: (number | null)[] }).actual[1] = null;
    });
    const artifact = await readArtifact(runDir, `artifacts/${name}.json`);
    expect(artifact.holdout.actual[1]).toBeNaN();
  });

  it('given a model kind no engine writes, when registration, the registry and promotion read it, then each names the field', async () => {
    const runDir = await run((a) => {
      (a.model as { kind: string }).kind = 'magic';
    });
    await expect(readArtifact(runDir, `artifacts/${name}.json`)).rejects.toThrow(
      /is malformed: model\.kind: /,
    );
    const prod = new LocalModelRegistry({ root, stage: 'prod' });
    await expect(
      evaluateAndPromote({ runDir, prod, rules: promotionSchema.parse({}), dryRun: false }),
    ).rejects.toThrow(/artifact .* is malformed: model\.kind: /);

    const good = JSON.parse(await readFile(path.join(runDir, 'artifacts', `${name}.json`), 'utf8'));
    good.model.kind = 'ridge';
    const dev = new LocalModelRegistry({ root, stage: 'dev' });
    await dev.registerMany([{ artifact: good, tags: {} }]);
    // A registry record whose artifact breaks the contract, with a pointer whose SHA-256 matches it.
    const pointerFile = path.join(dev.location, 'models', name, 'latest.json');
    const pointer = JSON.parse(await readFile(pointerFile, 'utf8'));
    const packFile = path.join(dev.location, pointer.ref.pack);
    const record = JSON.parse(await readFile(packFile, 'utf8'));
    record.artifact.model.kind = 'magic';
    const bytes = Buffer.from(JSON.stringify(record));
    await writeFile(packFile, bytes);
    pointer.ref = {
      ...pointer.ref,
      offset: 0,
      length: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
    await writeFile(pointerFile, JSON.stringify(pointer));
    await expect(dev.load(name)).rejects.toThrow(
      /holds no artifact for .* \(model\.kind: .*\); the registry is damaged/,
    );
  });
});
