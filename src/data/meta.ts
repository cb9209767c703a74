import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DatasetConfig } from '../config/schema.ts';
import { ContractError, readJsonFile } from '../contracts/json-file.ts';
import { type PreparedMeta, preparedMetaSchema } from '../contracts/prepared-meta.ts';
import { META_FILE } from './buckets.ts';
import { ValidationError } from './errors.ts';
import type { ValidationReport } from './report.ts';

export { type PreparedMeta, preparedMetaSchema } from '../contracts/prepared-meta.ts';

/** The prepared lake's meta through its contract; a lake that was never prepared says which command makes one. */
export async function readMeta(preparedDir: string): Promise<PreparedMeta> {
  const file = path.join(preparedDir, META_FILE);
  if (!existsSync(file)) {
    throw new ValidationError(`no prepared data in ${preparedDir}`, [
      `${file} not found; run 'mm prepare' first`,
    ]);
  }
  try {
    return await readJsonFile(file, preparedMetaSchema, 'prepared meta');
  } catch (error) {
    if (error instanceof ContractError) throw new ValidationError(`cannot read ${file}`, error.problems);
    throw error;
  }
}

/** The dataset settings a prepared lake was made with; every stage that reads the lake compares them. */
export interface DatasetShape {
  path: string;
  partitionBy: readonly string[];
  time: string;
  target: string;
  features: readonly string[];
  frequency: string;
}

/**
 * Refuses a prepared lake that another dataset (or another version of this config) wrote: training or scoring
 * it with this config would mix two datasets silently. Each differing setting is named with both values.
 */
export function assertMetaMatches(meta: PreparedMeta, dataset: DatasetShape, preparedDir: string): void {
  const differences: string[] = [];
  const same = (a: readonly string[], b: readonly string[]) =>
    a.length === b.length && a.every((v, i) => v === b[i]);
  const show = (v: readonly string[]) => `[${v.join(', ')}]`;
  if (!same(meta.partitionBy, dataset.partitionBy))
    differences.push(
      `dataset.partitionBy: the lake has ${show(meta.partitionBy)}, the config ${show(dataset.partitionBy)}`,
    );
  if (meta.time !== dataset.time)
    differences.push(`dataset.time: the lake has '${meta.time}', the config '${dataset.time}'`);
  if (meta.target !== dataset.target)
    differences.push(`dataset.target: the lake has '${meta.target}', the config '${dataset.target}'`);
  if (!same(meta.features, dataset.features))
    differences.push(
      `dataset.features: the lake has ${show(meta.features)}, the config ${show(dataset.features)}`,
    );
  if (meta.frequency !== dataset.frequency)
    differences.push(
      `dataset.frequency: the lake has '${meta.frequency}', the config '${dataset.frequency}'`,
    );
  // The folder differs between a pipeline agent and a cluster node; the file name does not.
  if (path.basename(meta.source) !== path.basename(dataset.path))
    differences.push(
      `dataset.path: the lake was prepared from '${meta.source}', the config reads '${dataset.path}'`,
    );
  if (differences.length > 0) {
    throw new ValidationError(
      `the prepared lake in ${preparedDir} was prepared from another dataset than this config describes; ` +
        "run 'mm prepare' with this config, or give each dataset its own dataset.name",
      differences,
    );
  }
}

/**
 * The meta of a freshly written lake. One builder for `mm prepare` and the Spark preparation, because the two must
 * write equal lakes (test/compute/spark-prepare.test.ts compares them field by field).
 */
export function preparedMetaFor(
  dataset: Pick<DatasetConfig, keyof DatasetShape>,
  buckets: number,
  print: { rows: number; fingerprint: string },
  report: ValidationReport,
): PreparedMeta {
  return {
    schemaVersion: 1,
    partitionBy: [...dataset.partitionBy],
    time: dataset.time,
    target: dataset.target,
    features: [...dataset.features],
    frequency: dataset.frequency,
    buckets,
    dataFingerprint: print.fingerprint,
    source: dataset.path,
    createdAt: new Date().toISOString(),
    partitions: report.partitions,
    rows: { input: report.rows, prepared: print.rows, filled: report.filled.periods },
  };
}
