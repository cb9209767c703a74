// The runtime image of the Azure ML jobs, built from pipelines/Dockerfile and asked to do a job's work: prepare and
// train a small dataset as the job's unprivileged user, the input mounted read-only and the lake read-write.
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppImage } from '../../scripts/images/app-images.ts';
import { runInImage } from '../../scripts/images/containers.ts';
import { localArtifactStore } from '../../src/artifacts/store.ts';
import type { RunManifest } from '../../src/engine/manifest.ts';
import type { ModelArtifact } from '../../src/models/artifact.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { imagesSkipReason } from './availability.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
// The runtime image of this checkout, built here unless the store already has it from the same sources; kept, so
// twin-nodes.test.ts and `npm run rehearsal` (the twin's cluster nodes) run this same image without building again.
let TAG = '';
const PARTITIONS = 12;
const skip = await imagesSkipReason();

describe.skipIf(skip)('pipelines/Dockerfile, built and run', () => {
  let work: string;
  const fixture = () => path.join(work, 'fixture');
  const lake = () => lakeLayout(path.join(work, 'lake'));

  /** `mm <args>` in the image as a job runs it: /app, user node, MM_LAKE_ROOT on the read-write mount. */
  const mm = (...args: string[]) =>
    runInImage({
      image: TAG,
      command: ['node', 'src/cli/main.ts', ...args],
      env: { CI: 'true', MM_LAKE_ROOT: '/mnt/lake' },
      mounts: [
        { source: fixture(), target: '/mnt/fixture', readOnly: true },
        { source: lake().root, target: '/mnt/lake' },
      ],
    });

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'mm-runtime-image-'));
    mkdirSync(path.join(fixture(), 'configs'), { recursive: true });
    mkdirSync(lake().root);
    chownSync(lake().root, 1000, 1000); // the image's 'node' user
    const generate = await execa(
      process.execPath,
      [path.join(ROOT, 'src/cli/main.ts'), 'generate', '--partitions', String(PARTITIONS), '--periods', '80'],
      { cwd: fixture(), reject: false, all: true, env: { CI: 'true' } },
    );
    expect(generate.exitCode, generate.all).toBe(0);
    // generate writes .mm/local/raw/demo.parquet below its cwd; the config points at it relative to itself.
    writeFileSync(
      path.join(fixture(), 'configs/small.yaml'),
      [
        'dataset:',
        '  path: ../.mm/local/raw/demo.parquet',
        '  partitionBy: [Store, Brand]',
        '  time: WeekStarting',
        '  target: Quantity',
        '  frequency: W',
        '  features: [Price, Advert]',
        'forecast: { horizon: 4, holdout: 8 }',
        'engine: { workers: 2 }',
        '',
      ].join('\n'),
    );
    TAG = (await ensureAppImage('runtime')).tag;
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('given a dataset on a read-only mount, mm prepare writes the partitioned lake on the read-write mount', async () => {
    const result = await mm('prepare', '--config', '/mnt/fixture/configs/small.yaml', '--env', 'local');
    expect(result.exitCode, result.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(lake().prepared, 'meta.json'), 'utf8')) as {
      partitions: { total: number; ok: number };
    };
    expect(meta.partitions).toMatchObject({ total: PARTITIONS, ok: PARTITIONS });
  });

  it('then mm train fits every partition in worker threads and writes the run manifest and artifacts', async () => {
    const result = await mm(
      'train',
      '--config',
      '/mnt/fixture/configs/small.yaml',
      '--env',
      'local',
      '--run',
      'r-image',
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const manifest = JSON.parse(
      readFileSync(path.join(lake().run('r-image'), 'manifest.json'), 'utf8'),
    ) as RunManifest;
    expect(manifest.partitions).toHaveLength(PARTITIONS);
    expect(manifest.totals.ok).toBe(PARTITIONS);
    expect(manifest.partitions.every((p) => p.status === 'ok' && p.chosen !== undefined)).toBe(true);
    // Lineage: without git in the image, the code version is the package's (its package.json is readable).
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(manifest.codeVersion).toBe(`v${pkg.version}`);
    const artifacts = localArtifactStore(lake().run('r-image'));
    for (const p of manifest.partitions) {
      const artifact = JSON.parse(await artifacts.read(p.artifact!)) as ModelArtifact;
      expect(artifact.partition, p.name).toEqual({ Store: p.key[0], Brand: p.key[1] });
    }
  });

  it("then the parallel step's entry script, as Azure ML's parallel job calls it in the image: init() starts the engine host, run([bucket file]) answers one row per partition", async () => {
    // What the parallel runtime does in each worker process: import the entry script, init() once with the
    // program arguments in sys.argv (plus its own), run(mini_batch) per mini-batch of file paths, shutdown().
    const driver = [
      'import glob, json, sys',
      "sys.path.insert(0, '/app/pipelines/parallel')",
      "sys.argv = ['driver', '--op', 'train', '--config', '/mnt/fixture/configs/small.yaml', '--env', 'local',",
      "            '--run_id', 'r-parallel', '--prepared', '/mnt/lake/prepared', '--out', '/mnt/lake/runs/r-parallel',",
      "            '--workers', '1', '--error_threshold', '0', '--logging_level', 'INFO']",
      'import mm_entry',
      'mm_entry.init()',
      'rows = []',
      "for f in sorted(glob.glob('/mnt/lake/prepared/bucket=*/*.parquet')):",
      '    rows.extend(json.loads(r) for r in mm_entry.run([f]))',
      "rows.extend(json.loads(r) for r in mm_entry.run(['/mnt/lake/prepared/meta.json']))",
      'mm_entry.shutdown()',
      'print(json.dumps(rows))',
    ].join('\n');
    const result = await runInImage({
      image: TAG,
      command: ['python3', '-c', driver],
      env: { CI: 'true', MM_LAKE_ROOT: '/mnt/lake' },
      mounts: [
        { source: fixture(), target: '/mnt/fixture', readOnly: true },
        { source: lake().root, target: '/mnt/lake' },
      ],
    });
    expect(result.exitCode, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>[];
    expect(rows.at(-1)).toEqual({ ignored: 'meta.json' });
    const partitions = rows.slice(0, -1);
    expect(partitions).toHaveLength(PARTITIONS);
    expect(new Set(partitions.map((r) => r.name)).size).toBe(PARTITIONS);
    expect(partitions.every((r) => r.status === 'ok')).toBe(true);
    // The same models as `mm train` chose in the image for the whole lake.
    const trained = JSON.parse(
      readFileSync(path.join(lake().run('r-image'), 'manifest.json'), 'utf8'),
    ) as RunManifest;
    const chosen = new Map(trained.partitions.map((p) => [p.name, p.chosen]));
    for (const r of partitions) expect(r.chosen, String(r.name)).toEqual(chosen.get(String(r.name)));
  });

  it("puts mm on PATH for the pipelines' command steps", async () => {
    const result = await runInImage({ image: TAG, command: ['mm', 'train', '--help'] });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/--merge-rows/);
  });

  it('carries neither Pulumi nor dev tools, and runs as the unprivileged node user', async () => {
    const probe = await runInImage({
      image: TAG,
      command: [
        'node',
        '-e',
        `const gone = [];
         for (const p of ['@pulumi/pulumi', '@pulumi/azure-native', 'vitest', 'typescript', '@biomejs/biome'])
           await import(p).then(() => {}, () => gone.push(p));
         console.log(JSON.stringify({ uid: process.getuid(), gone }));`,
      ],
    });
    expect(probe.exitCode, probe.stderr).toBe(0);
    expect(JSON.parse(probe.stdout)).toEqual({
      uid: 1000,
      gone: ['@pulumi/pulumi', '@pulumi/azure-native', 'vitest', 'typescript', '@biomejs/biome'],
    });
  });
});
