import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { listPartitions } from '../../src/data/index.ts';
import { RunJournal } from '../../src/engine/journal.ts';
import { readArtifact } from '../../src/engine/register.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { type LakeFixture, preparedLake } from './fixture.ts';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the run to make progress');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a training run killed with SIGKILL', () => {
  let lake: LakeFixture;
  beforeAll(async () => {
    lake = await preparedLake({ partitions: 300, periods: 104, batchSize: 4 });
  });

  it('resumes without retraining finished partitions and ends equal to an uninterrupted run', async () => {
    const journal = new RunJournal(lake.layout.run('killed'), '');
    const child = execa(
      'node',
      [CLI, 'train', '--config', lake.configPath, '--run', 'killed', '--workers', '1', '--no-register'],
      {
        reject: false,
        env: { CI: 'true' },
        // No environments/ folder there, so the fixture config's own storage root applies.
        cwd: lake.root,
      },
    );
    await waitFor(
      () => existsSync(journal.file) && readFileSync(journal.file, 'utf8').split('\n').length > 8,
      60_000,
    );
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');

    const before = await journal.read();
    expect(before.size).toBeGreaterThan(0);
    expect(existsSync(path.join(lake.layout.run('killed'), 'manifest.json'))).toBe(false);
    // Every journaled partition's artifact is complete JSON: the journal line is written after the artifact.
    for (const record of before.values()) {
      if (record.status === 'ok') await readArtifact(lake.layout.run('killed'), record.artifact!);
    }

    const resumed = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'killed',
      resume: true,
    });
    const trainable = await listPartitions(lake.layout.prepared, (p) => p.status === 'ok');
    expect(resumed.trainedNow).toBe(trainable.length - before.size);

    const fresh = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'uninterrupted',
    });
    const strip = (p: (typeof fresh.manifest.partitions)[number]) => ({ ...p, durationMs: 0, artifact: '' });
    expect(resumed.manifest.partitions.map(strip)).toEqual(fresh.manifest.partitions.map(strip));
    expect(resumed.manifest.totals).toEqual(fresh.manifest.totals);

    // A pack torn by the kill may remain, but no record points into it: every artifact reads back whole.
    for (const record of resumed.manifest.partitions.filter((p) => p.status === 'ok')) {
      expect((await readArtifact(lake.layout.run('killed'), record.artifact!)).name).toBe(record.name);
    }
  });
});
