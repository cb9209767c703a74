import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { venvPython } from './python.ts';

const python = venvPython();
const pipelinesDir = path.resolve(import.meta.dirname, '../../pipelines');
const script = path.join(import.meta.dirname, 'aml-load-job.py');

interface Loaded {
  file: string;
  ok: boolean;
  type?: string;
  steps?: Record<string, Record<string, unknown>>;
  errors: Record<string, string>;
}

function loadJobs(files: string[], flags: string[] = []): Loaded[] {
  const result = spawnSync(python!, [script, ...flags, ...files], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Loaded);
}

describe.skipIf(!python)("the job YAMLs in pipelines/ by azure-ai-ml's own load_job()", () => {
  it('loads and validates every job YAML', () => {
    const files = readdirSync(pipelinesDir)
      .filter((f) => f.endsWith('.yml'))
      .map((f) => path.join(pipelinesDir, f));
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const loaded of loadJobs(files)) expect(loaded, loaded.file).toMatchObject({ ok: true });
  }, 120_000);

  it('reads the train pipeline as a parallel step over one bucket file per mini-batch, then a command step', () => {
    const [train] = loadJobs([path.join(pipelinesDir, 'train-pipeline.yml')]);
    expect(train).toMatchObject({ ok: true, type: 'pipeline' });
    expect(train!.steps).toMatchObject({
      train_buckets: {
        type: 'parallel',
        mini_batch_size: 1,
        entry_script: 'mm_entry.py',
        append_row_to: expect.stringContaining('outputs.rows'),
        retry_settings: { max_retries: 3, timeout: 1800 },
      },
      merge_register: { type: 'command' },
    });
  }, 120_000);

  it('names no environment in the YAML: the loader requires one per step, which submission pins (never @latest)', () => {
    const [bare] = loadJobs([path.join(pipelinesDir, 'train-pipeline.yml')], ['--as-is']);
    expect(bare!.ok).toBe(false);
    expect(JSON.stringify(bare!.errors)).toMatch(/jobs\.train_buckets\.task\.environment/);
  }, 120_000);

  it('rejects a misspelt key, so a passing load means something', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mm-yaml-'));
    cpSync(pipelinesDir, dir, { recursive: true });
    const file = path.join(dir, 'train-pipeline.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('mini_batch_size:', 'mini_batch_sise:'));
    const [bad] = loadJobs([file]);
    expect(bad!.ok).toBe(false);
    // The loader no longer recognises the step as a parallel step and says where.
    expect(JSON.stringify(bad!.errors)).toMatch(/jobs\.train_buckets/);
  }, 120_000);
});
