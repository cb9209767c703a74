// A throw-away project folder in which the tests run `mm` as a user does: its own environments/ and configs/, the
// repository's node_modules linked in, and `mm` started as a real process with the project as its working folder.
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa, type Result, type ResultPromise } from 'execa';
import { expect } from 'vitest';
import { type LakeLayout, lakeLayout } from '../../src/storage/layout.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const main = path.join(repo, 'src/cli/main.ts');

export type MmRun = ResultPromise<{ reject: false; all: true }>;

export interface MmProject {
  dir: string;
  /** The lake of a dataset (default `sales`, as `weeklySalesConfig` names it) under environments/local.yaml's root. */
  lake(dataset?: string): LakeLayout;
  /** Writes a file below the project (folders created). */
  write(file: string, text: string): void;
  /** Starts `mm ...args` (CI mode: JSON-lines progress) and returns the running process. */
  mm(...args: string[]): MmRun;
  /** Runs `mm ...args` and expects exit 0, showing everything it printed if not. */
  mmOk(...args: string[]): Promise<Result<{ reject: false; all: true }>>;
  /** `mm generate` of weekly Store x Brand sales without a future plan into `raw/sales.parquet` (what `weeklySalesConfig` reads by default). */
  generateSales(options: { partitions: number; periods: number; seed: number }): Promise<void>;
}

/** A fresh project under the system's temp folder, with a local environment whose lake is `lake/`. */
export function createMmProject(prefix: string): MmProject {
  const dir = mkdtempSync(path.join(tmpdir(), `mm-${prefix}-`));
  symlinkSync(path.join(repo, 'node_modules'), path.join(dir, 'node_modules'));
  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  };
  write('environments/local.yaml', 'storage:\n  kind: local\n  root: lake\n');
  mkdirSync(path.join(dir, 'configs'));
  const mm = (...args: string[]): MmRun =>
    execa(process.execPath, [main, ...args], { cwd: dir, reject: false, all: true, env: { CI: 'true' } });
  const mmOk: MmProject['mmOk'] = async (...args) => {
    const result = await mm(...args);
    expect(result.exitCode, `mm ${args.join(' ')}\n${result.all}`).toBe(0);
    return result;
  };
  return {
    dir,
    lake: (dataset = 'sales') => lakeLayout(path.join(dir, 'lake', 'datasets', dataset)),
    write,
    mm,
    mmOk,
    async generateSales({ partitions, periods, seed }) {
      await mmOk(
        ...['generate', '--partitions', String(partitions), '--periods', String(periods)],
        ...['--seed', String(seed), '--future', '0', '--out', 'raw/sales.parquet'],
      );
    },
  };
}

/** The data fingerprint a prepared lake's meta.json records. */
export function fingerprintOf(preparedDir: string): string {
  return (
    JSON.parse(readFileSync(path.join(preparedDir, 'meta.json'), 'utf8')) as { dataFingerprint: string }
  ).dataFingerprint;
}

export interface WeeklySalesConfig {
  /** `dataset.name`, the dataset's folder under the storage root; configs of one dataset share it. Default `sales`. */
  name?: string;
  /** The raw file, relative to the config's folder; default `../raw/sales.parquet` (`generateSales`). */
  path?: string;
  /** Covariate columns; default `[Price, Advert]`, `[]` for none. */
  features?: readonly string[];
  batchSize?: number;
  /** Extra lines of the config, e.g. `promotion: { minHistory: 0 }`. */
  extra?: readonly string[];
  horizon: number;
  holdout: number;
  /** e.g. '[naive]'; default: every candidate. */
  candidates?: string;
  maxFailedShare?: number;
}

/** A dataset config for what `mm generate` writes: weekly Store x Brand sales with price and advert covariates. */
export function weeklySalesConfig(options: WeeklySalesConfig): string {
  return [
    'dataset:',
    `  name: ${options.name ?? 'sales'}`,
    `  path: ${options.path ?? '../raw/sales.parquet'}`,
    '  partitionBy: [Store, Brand]',
    '  time: WeekStarting',
    '  target: Quantity',
    '  frequency: W',
    ...((options.features ?? ['Price', 'Advert']).length > 0
      ? [`  features: [${(options.features ?? ['Price', 'Advert']).join(', ')}]`]
      : []),
    'forecast:',
    `  horizon: ${options.horizon}`,
    `  holdout: ${options.holdout}`,
    ...(options.candidates ? [`  candidates: ${options.candidates}`] : []),
    'engine:',
    '  workers: 1',
    `  maxFailedShare: ${options.maxFailedShare ?? 0.5}`,
    ...(options.batchSize ? [`  batchSize: ${options.batchSize}`] : []),
    ...(options.extra ?? []),
    '',
  ].join('\n');
}
