import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/core/errors.ts';
import { listPartitions } from '../../src/data/index.ts';
import { summariseScoredRows } from '../../src/stages/score-refresh.ts';
import { type LakeFixture, preparedLake } from '../engine/fixture.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** A row as pipelines/parallel/mm_entry.py appends it for a scored partition. */
const row = (name: string, status: 'ok' | 'no-model' | 'failed', usedFallback = false) =>
  JSON.stringify({ name, key: [], status, modelVersion: null, modelKind: null, periods: 0, usedFallback });

describe('mm score --refresh-from-rows: the score pipeline’s last step', () => {
  let lake: LakeFixture;
  let names: string[];

  beforeAll(async () => {
    lake = await preparedLake({ partitions: 20, periods: 40, buckets: 2 });
    names = (await listPartitions(lake.layout.prepared)).map((p) => p.name);
  }, 120_000);

  const rowsFile = (lines: string[]) => {
    const file = path.join(lake.root, `rows-${Math.random().toString(36).slice(2)}.txt`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };

  it('sums up the rows by status, skipping the markers for files that were not buckets', async () => {
    const file = rowsFile([
      JSON.stringify({ ignored: 'meta.json' }),
      ...names.map((n, i) => row(n, i === 0 ? 'failed' : i < 3 ? 'no-model' : 'ok', i === 5)),
    ]);
    const summary = await summariseScoredRows(file, lake.layout.prepared);
    expect(summary).toEqual({
      partitions: names.length,
      byStatus: { ok: names.length - 3, 'no-model': 2, failed: 1 },
      usedFallback: 1,
      unanswered: [],
    });
  });

  it('counts the partitions of a bucket whose mini-batch failed on every try as failed, never as missing', async () => {
    const file = rowsFile(names.slice(4).map((n) => row(n, 'ok')));
    const summary = await summariseScoredRows(file, lake.layout.prepared);
    expect(summary.unanswered).toEqual(names.slice(0, 4));
    expect(summary.byStatus).toEqual({ ok: names.length - 4, 'no-model': 0, failed: 4 });
  });

  it('refuses rows that are not this run’s, naming the file and line', async () => {
    const twice = rowsFile([row(names[0]!, 'ok'), row(names[0]!, 'ok')]);
    await expect(summariseScoredRows(twice, lake.layout.prepared)).rejects.toThrow(
      new RegExp(`${path.basename(twice)}:2: partition ${names[0]} was answered twice`),
    );
    const stranger = rowsFile([row('mm-nobody-000000000000', 'ok')]);
    await expect(summariseScoredRows(stranger, lake.layout.prepared)).rejects.toThrow(
      /:1: partition mm-nobody-000000000000 is not in the prepared catalog/,
    );
    const garbage = rowsFile(['{"name": 3}']);
    await expect(summariseScoredRows(garbage, lake.layout.prepared)).rejects.toThrow(
      /:1 is not a scored partition/,
    );
  });

  const mm = (...args: string[]) =>
    execa(
      process.execPath,
      [path.join(repo, 'src/cli/main.ts'), 'score', '--config', lake.configPath, ...args],
      {
        cwd: repo,
        reject: false,
        // The fixture's environment is local; its lake is this folder (as a mounted lake is on a node).
        env: { MM_LAKE_ROOT: lake.root, CI: 'true' },
      },
    );

  it('as a command: prints the outcome and exits 0 within engine.maxFailedShare, 1 above it', async () => {
    const fine = await mm('--run', 's-fine', '--refresh-from-rows', rowsFile(names.map((n) => row(n, 'ok'))));
    expect(fine.exitCode, fine.stderr).toBe(EXIT.ok);
    expect(fine.stdout).toMatch(new RegExp(`scored ${names.length} partitions: ${names.length} ok`));
    // maxFailedShare 0.2 in the fixture: half the partitions lost is a failed run.
    const lost = await mm(
      '--run',
      's-lost',
      '--refresh-from-rows',
      rowsFile(names.slice(10).map((n) => row(n, 'ok'))),
    );
    expect(lost.exitCode).toBe(EXIT.runFailed);
    expect(lost.stdout).toMatch(/10 failed \(10 in mini-batches that failed on every try/);
    expect(lost.stderr).toMatch(/10 partitions failed to score/);
    const noRun = await mm('--refresh-from-rows', rowsFile([]));
    expect(noRun.exitCode).toBe(EXIT.badInput);
    expect(noRun.stderr).toMatch(/--refresh-from-rows needs the scoring run id/);
  }, 120_000);
});
