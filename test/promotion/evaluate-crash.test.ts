import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { decisionsPath, evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { FORECAST, type PartitionSpec, writeRun } from './fixtures.ts';

const CHILD = path.join(import.meta.dirname, 'helpers', 'promote-child.ts');
const COUNT = 1200;

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-promote-crash-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('evaluateAndPromote killed mid-promotion', () => {
  it('leaves prod consistent, and the re-run completes it with the same decisions and no duplicate', async () => {
    const specs: PartitionSpec[] = Array.from({ length: COUNT }, (_, i) =>
      i % 4 === 3
        ? {
            key: [`s${i}`, 'b'],
            candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful },
            chosen: 'ridge',
          }
        : { key: [`s${i}`, 'b'] },
    );
    const runDir = await writeRun(root, { runId: 'run-1', partitions: specs });
    const child = spawn(process.execPath, [CHILD, root, runDir], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    const models = path.join(root, 'registry', 'prod', 'models');
    for (;;) {
      // Pointers are committed 256 at a time and a batch's folders appear only after the one before it is
      // committed: 300 folders mean some models are committed, and most are not yet.
      if ((await readdir(models).catch(() => [])).length >= 300) break;
      await sleep(5);
    }
    child.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');
    expect(
      await access(decisionsPath(runDir)).then(
        () => true,
        () => false,
      ),
    ).toBe(false);

    const prod = new LocalModelRegistry({ root, stage: 'prod', lock: { staleMs: 5000 } });
    let before = 0;
    for await (const v of prod.list()) {
      expect((await prod.load(v.name))?.version).toEqual(v);
      before++;
    }
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(COUNT);

    const file = await evaluateAndPromote({ runDir, prod, rules: promotionSchema.parse({}), dryRun: false });
    expect(file.totals).toEqual({
      promote: 900,
      'promote-baseline': 300,
      'keep-champion': 0,
      'not-trained': 0,
    });
    expect(file.decisions.filter((d) => d.newVersion)).toHaveLength(COUNT - before);
    expect(file.decisions.every((d) => d.prodVersion === 1)).toBe(true);
    let after = 0;
    for await (const v of prod.list()) {
      expect(v.version).toBe(1);
      after++;
    }
    expect(after).toBe(COUNT);
  });
});
