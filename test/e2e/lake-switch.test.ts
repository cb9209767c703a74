// The prepared lake is switched with one rename, and what a crash between the old two renames left is recovered:
// through the real CLI, on a generated dataset.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinDir } from '../../src/data/atomic-dir.ts';
import { createMmProject, fingerprintOf, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

let project: string;
const lake = () => path.join(project, 'lake', 'datasets', 'sales');
const prepared = () => path.join(lake(), 'prepared');

let mmProject: MmProject;
const ok = (...args: string[]) => mmProject.mmOk(...args);

beforeAll(async () => {
  mmProject = createMmProject('lake-switch');
  project = mmProject.dir;
  mmProject.write(
    'configs/sales.yaml',
    weeklySalesConfig({ horizon: 4, holdout: 8, candidates: '[naive, mean]', features: [] }),
  );
  await mmProject.generateSales({ partitions: 3, periods: 60, seed: 5 });
  await ok('prepare', '--config', 'configs/sales.yaml');
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the prepared lake switch', () => {
  it('given the backup an older mm left when killed between its two renames, train recovers it and trains', async () => {
    const good = fingerprintOf(prepared());
    // The crash state: no prepared/, the previous lake in .prepared.old-<dead pid>-<tag>, a finished temporary.
    cpSync(prepared(), path.join(lake(), '.prepared.old-999999999-0a0b0c0d'), {
      recursive: true,
      dereference: true,
    });
    cpSync(prepared(), path.join(lake(), '.prepared.tmp-999999999-0a0b0c0d'), {
      recursive: true,
      dereference: true,
    });
    for (const entry of readdirSync(lake()).filter((e) => e === 'prepared' || e.startsWith('.prepared.v-'))) {
      rmSync(path.join(lake(), entry), { recursive: true });
    }
    await ok('train', '--config', 'configs/sales.yaml', '--run', 'after-crash');
    expect(fingerprintOf(prepared())).toBe(good);
    const manifest = JSON.parse(
      readFileSync(path.join(lake(), 'runs', 'after-crash', 'manifest.json'), 'utf8'),
    ) as { dataFingerprint: string };
    expect(manifest.dataFingerprint).toBe(good);
  }, 120_000);

  it('given a reader pinned on the lake, a prepare of changed data switches it but keeps the pinned version intact until released', async () => {
    await ok('prepare', '--config', 'configs/sales.yaml'); // the lake as versions
    const pinned = await pinDir(prepared());
    const before = fingerprintOf(pinned.dir);
    await ok(
      'generate',
      '--partitions',
      '3',
      '--periods',
      '61',
      '--seed',
      '6',
      '--future',
      '0',
      '--out',
      'raw/sales.parquet',
    );
    await ok('prepare', '--config', 'configs/sales.yaml');
    expect(fingerprintOf(prepared())).not.toBe(before);
    expect(fingerprintOf(pinned.dir)).toBe(before);
    await pinned.release();
    await ok('prepare', '--config', 'configs/sales.yaml');
    expect(existsSync(pinned.dir)).toBe(false);
  }, 180_000);
});
