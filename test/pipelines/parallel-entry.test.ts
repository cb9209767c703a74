import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shardLabel, trainAndReadManifest } from '../../src/engine/run.ts';
import { preparedLake } from '../engine/fixture.ts';
import { venvPython } from './python.ts';

const python = venvPython();
const repoRoot = path.resolve(import.meta.dirname, '../..');

describe.skipIf(!python)('the parallel step entry script (pipelines/parallel/mm_entry.py)', () => {
  it("passes its Python unittest suite, which calls init() and run(mini_batch) as Azure ML's parallel job does, on a real prepared lake", async () => {
    const lake = await preparedLake({ partitions: 24, periods: 70, buckets: 4 });
    const expected = await trainAndReadManifest({
      config: lake.config,
      preparedDir: lake.layout.prepared,
      runsDir: lake.layout.runs,
      runId: 'expected',
    });
    const expectedPath = path.join(lake.root, 'expected.json');
    writeFileSync(expectedPath, JSON.stringify(expected.manifest));
    const result = spawnSync(python!, ['-m', 'unittest', '-v', 'pipelines/parallel/test_mm_entry.py'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: {
        ...process.env,
        MM_TEST_PREPARED: lake.layout.prepared,
        MM_TEST_CONFIG: lake.configPath,
        MM_TEST_EXPECTED: expectedPath,
        MM_TEST_OUT: path.join(lake.root, 'entry'),
      },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/Ran 7 tests/);
    expect(result.stderr).not.toMatch(/skipped/);
  }, 180_000);

  it("names a set of buckets' files as the engine does (its _label twins shardLabel: this keeps them one rule)", () => {
    const sets = [[0], [7], [3, 1], [12, 2, 999], [100, 5]];
    const result = spawnSync(
      python!,
      [
        '-c',
        'import json, sys; sys.path.insert(0, "pipelines/parallel"); import mm_entry; ' +
          'print(json.dumps([mm_entry._label(b) for b in json.loads(sys.argv[1])]))',
        JSON.stringify(sets),
      ],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(sets.map((b) => shardLabel(undefined, b)));
  });
});
