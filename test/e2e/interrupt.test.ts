// Ctrl-C during `mm train`: the first one stops the run after the batches in flight, every one of them journaled,
// and says how to continue; `--resume` then trains only the rest.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMmProject, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

let project: MmProject;
const journal = () => path.join(project.lake().run('int'), 'journal.jsonl');
const journaled = () =>
  existsSync(journal())
    ? readFileSync(journal(), 'utf8')
        .split('\n')
        .filter((l) => l.trim()).length
    : 0;

beforeAll(async () => {
  project = createMmProject('interrupt');
  project.write(
    'configs/sales.yaml',
    `${weeklySalesConfig({ path: '../raw/sales.parquet', horizon: 4, holdout: 8 })}`.replace(
      'engine:\n',
      'engine:\n  batchSize: 4\n',
    ),
  );
  await project.mmOk(
    'generate',
    '--partitions',
    '300',
    '--periods',
    '104',
    '--seed',
    '3',
    '--out',
    'raw/sales.parquet',
  );
  await project.mmOk('prepare', '--config', 'configs/sales.yaml');
}, 240_000);

describe('mm train interrupted with SIGINT', () => {
  it('stops after the batches in flight, journals them, exits 3 naming --resume; the resume trains the rest', async () => {
    const child = project.mm('train', '--config', 'configs/sales.yaml', '--run', 'int', '--no-register');
    // Interrupt once the first batches are journaled, as a user presses Ctrl-C mid-run.
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (journaled() > 0) {
          clearInterval(poll);
          child.kill('SIGINT');
          resolve();
        }
      }, 20);
      void child.then((r) => {
        clearInterval(poll);
        reject(new Error(`train ended before it was interrupted:\n${r.all}`));
      });
    });
    const stopped = await child;
    expect(stopped.exitCode, stopped.all).toBe(3);
    expect(stopped.stderr).toMatch(/SIGINT: stopping after the work in flight/);
    expect(stopped.stderr).toMatch(
      /interrupted: the \d+ partition\(s\) trained so far are journaled .*--resume/,
    );
    const before = journaled();
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(300);

    const resumed = await project.mmOk(
      'train',
      '--config',
      'configs/sales.yaml',
      '--run',
      'int',
      '--resume',
      '--no-register',
    );
    expect(resumed.stdout).toMatch(/run int: \d+ ok/);
    const manifest = JSON.parse(
      readFileSync(path.join(project.lake().run('int'), 'manifest.json'), 'utf8'),
    ) as {
      partitions: { name: string }[];
    };
    expect(new Set(manifest.partitions.map((p) => p.name)).size).toBe(300);
  }, 300_000);
});
