import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { prepare, readMeta } from '../../src/data/index.ts';
import { generate } from '../../src/generate/index.ts';
import { listing, useTempDir } from './fixtures.ts';

const tempDir = useTempDir();
const CHILD = path.resolve(import.meta.dirname, 'prepare-child.ts');

function config(dataset: string) {
  return parseConfig(
    {
      dataset: {
        path: dataset,
        partitionBy: ['Store', 'Brand'],
        time: 'WeekStarting',
        target: 'Quantity',
        frequency: 'W',
        features: ['Price', 'Advert'],
      },
      forecast: { horizon: 8, holdout: 8 },
      engine: { maxFailedShare: 0.2 },
    },
    'test',
  );
}

/** Starts a prepare in a child process and kills it (SIGKILL) as soon as its temporary folder appears. */
async function killMidWrite(dataset: string, outDir: string): Promise<string> {
  const child = spawn(process.execPath, [CHILD, dataset, outDir], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const parent = path.dirname(outDir);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const tmp = readdirSync(parent).find((f) => f.startsWith('.prepared.tmp-'));
    if (tmp && readdirSync(path.join(parent, tmp)).some((f) => f.startsWith('bucket='))) {
      child.kill('SIGKILL');
      await exited;
      return tmp;
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error('prepare finished before it could be killed');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a prepare killed half way', () => {
  it('leaves the previous prepared data in place, and the next prepare clears its leftovers', async () => {
    const dir = await tempDir();
    const small = await generate({ out: path.join(dir, 'small.parquet'), partitions: 5, periods: 60 });
    const big = await generate({
      out: path.join(dir, 'big.parquet'),
      partitions: 4000,
      periods: 156,
      seed: 9,
    });
    const out = path.join(dir, 'lake', 'prepared');
    await prepare(config(small.path), { outDir: out });
    const before = await readMeta(out);
    const files = listing(out);

    const leftover = await killMidWrite(big.path, out);

    expect(await readMeta(out)).toEqual(before);
    expect(listing(out)).toEqual(files);
    expect(readdirSync(path.dirname(out))).toEqual(expect.arrayContaining([leftover, 'prepared']));

    const again = await prepare(config(big.path), { outDir: out });
    expect(again.meta.partitions.total).toBe(4000);
    // Only the link and the version it points at: the killed writer's temporary and the replaced version are gone.
    const left = readdirSync(path.dirname(out)).sort();
    expect(left).toHaveLength(2);
    expect(left[0]).toMatch(/^\.prepared\.v-/);
    expect(left[1]).toBe('prepared');
  });
});
