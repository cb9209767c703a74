// A full disk fails the training run (not its partitions), naming where; a torn last journal line left by a kill
// breaks neither --resume nor --only-failed. Real `mm train` processes; the full disk is a tiny tmpfs mounted over
// the run's folder in a private mount namespace (unshare), so nothing outside the test sees it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMmProject, type MmProject, weeklySalesConfig } from '../support/mm-project.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(repo, 'src/cli/main.ts');
let project: string;
const runDir = (run: string) => path.join(project, 'lake', 'datasets', 'sales', 'runs', run);
const train = ['train', '--config', 'configs/sales.yaml'];

let mmProject: MmProject;
const ok = (...args: string[]) => mmProject.mmOk(...args);

/** Whether this machine lets the test mount a tmpfs in a private namespace (root, or user namespaces). */
function canMountPrivately(): boolean {
  try {
    execFileSync(
      'unshare',
      ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=4k tmpfs /mnt || mount -t tmpfs -o size=4k tmpfs "$HOME"'],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  mmProject = createMmProject('run-env');
  project = mmProject.dir;
  mmProject.write(
    'configs/sales.yaml',
    weeklySalesConfig({
      horizon: 4,
      holdout: 8,
      candidates: '[naive, mean, ridge]',
      features: [],
      batchSize: 2,
    }),
  );
  await mmProject.generateSales({ partitions: 6, periods: 60, seed: 12 });
  await ok('prepare', '--config', 'configs/sales.yaml');
}, 120_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the environment under a training run', () => {
  it('given a disk that fills up during train, the run fails (exit 3) naming the folder, and records no partition as failed', async (context) => {
    if (!canMountPrivately()) {
      if (process.env.CI)
        throw new Error('this test needs unshare and a private tmpfs mount (root or user namespaces)');
      console.warn('skipped: cannot mount a private tmpfs here (needs unshare with root or user namespaces)');
      context.skip();
    }
    const dir = runDir('full');
    mkdirSync(dir, { recursive: true });
    const journal = path.join(project, 'journal-copy.jsonl');
    // Inside the namespace: mount 8 KiB over the run folder, train, and copy out what the journal held.
    const script =
      'mount -t tmpfs -o size=8k tmpfs "$1" && "$2" "$3" train --config configs/sales.yaml --run full; code=$?; ' +
      'cp "$1/journal.jsonl" "$4" 2>/dev/null; exit $code';
    const result = await execa(
      'unshare',
      ['-rm', 'sh', '-c', script, 'sh', dir, process.execPath, MAIN, journal],
      {
        cwd: project,
        reject: false,
        all: true,
        env: { CI: 'true' },
      },
    );
    expect(result.exitCode, result.all).toBe(3);
    expect(result.all).toMatch(/ENOSPC writing .* at .*runs\/full/);
    expect(result.all).toContain('then --resume');
    const lines = existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').filter(Boolean) : [];
    for (const line of lines) expect(line).not.toContain('"status":"failed"');
  }, 120_000);

  it('given a torn last journal line from a kill, --resume and then --only-failed finish the run with every partition', async () => {
    await ok(...train, '--run', 'torn');
    const file = path.join(runDir('torn'), 'journal.jsonl');
    const [first, second] = readFileSync(file, 'utf8').split('\n');
    // The journal as a kill mid-append leaves it: one complete line, then half of the next, no newline.
    writeFileSync(file, `${first}\n${second!.slice(0, Math.floor(second!.length / 2))}`);
    await ok(...train, '--run', 'torn', '--resume');
    await ok(...train, '--run', 'torn', '--only-failed');
    const manifest = JSON.parse(readFileSync(path.join(runDir('torn'), 'manifest.json'), 'utf8')) as {
      partitions: { status: string }[];
    };
    expect(manifest.partitions).toHaveLength(6);
    expect(manifest.partitions.every((p) => p.status === 'ok')).toBe(true);
  }, 180_000);
});
