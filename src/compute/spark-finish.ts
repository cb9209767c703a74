/**
 * The Spark driver's last step of a scoring run (`pipelines/spark/mm_spark.py score`): the executors wrote one
 * predictions file per bucket into `predictions/run_id=<id>/`; this loads them into the warehouse and reports the
 * outcome like `mm score` does, with the same exit codes.
 *   node src/compute/spark-finish.ts score --config <yaml> --env <name> --run <id> --rows <jsonl>
 * The lake is the config's storage root, or MM_LAKE_ROOT (set by the driver).
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { effectiveStorage } from '../azure/cluster.ts';
import { loadConfig } from '../config/load.ts';
import { parseRowLine, scoredRowSchema } from '../contracts/engine-rows.ts';
import { EXIT } from '../core/errors.ts';
import type { ScoredPartition } from '../scoring/score.ts';
import type { PredictionStatus } from '../scoring/types.ts';
import { loadWarehouse } from '../scoring/write.ts';
import { lakeLayout, workingRoot } from '../storage/layout.ts';

export interface ScoreSummary {
  partitions: number;
  byStatus: Record<PredictionStatus, number>;
  usedFallback: number;
}

export function summariseScored(rows: readonly ScoredPartition[]): ScoreSummary {
  const byStatus: Record<PredictionStatus, number> = { ok: 0, 'no-model': 0, failed: 0 };
  for (const r of rows) byStatus[r.status]++;
  return { partitions: rows.length, byStatus, usedFallback: rows.filter((r) => r.usedFallback).length };
}

export async function finishSparkScore(options: {
  configPath: string;
  env: string;
  runId: string;
  rowsFile: string;
}): Promise<number> {
  const loaded = loadConfig({ configPath: options.configPath, env: options.env });
  const config = { ...loaded, storage: effectiveStorage(loaded.storage) };
  const layout = lakeLayout(workingRoot(config));
  const text = await readFile(options.rowsFile, 'utf8');
  const rows = text
    .split('\n')
    .map((line, i) =>
      line.trim() ? parseRowLine(options.rowsFile, i + 1, line, scoredRowSchema) : undefined,
    )
    .filter((row) => row !== undefined && 'name' in row) as unknown as ScoredPartition[];
  const files = path.join(layout.predictions, `run_id=${options.runId}`, '*.parquet');
  await loadWarehouse(layout.warehouse, files, options.runId);
  const { partitions, byStatus: s, usedFallback } = summariseScored(rows);
  console.log(
    `scored ${partitions} partitions on Spark: ${s.ok} ok, ${s['no-model']} without a prod model, ${s.failed} failed` +
      (usedFallback > 0 ? ` (${usedFallback} without planned covariates: fallback used)` : '') +
      `\npredictions: ${path.dirname(files)}\nwarehouse:   ${layout.warehouse} (table predictions, view latest_predictions)`,
  );
  if (s.failed > 0 && s.failed / Math.max(1, partitions) > config.engine.maxFailedShare) {
    console.error(`${s.failed} partitions failed to score; see the message column`);
    return EXIT.runFailed;
  }
  return EXIT.ok;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      config: { type: 'string', default: 'configs/demo.yaml' },
      env: { type: 'string', default: 'local' },
      run: { type: 'string' },
      rows: { type: 'string' },
    },
  });
  if (positionals[0] !== 'score' || !values.run || !values.rows) {
    console.error('usage: spark-finish.ts score --config <yaml> --env <name> --run <id> --rows <jsonl>');
    process.exit(EXIT.badInput);
  }
  process.exitCode = await finishSparkScore({
    configPath: values.config,
    env: values.env,
    runId: values.run,
    rowsFile: values.rows,
  });
}
