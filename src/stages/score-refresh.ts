import { createReadStream, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { scoredRowSchema } from '../contracts/engine-rows.ts';
import { listPartitions } from '../data/index.ts';
import { lakePrefixOf, synapseDataSourceName, urlUnderPrefix } from '../lake/dataset-lake.ts';
import type { ScoredPartition } from '../scoring/score.ts';
import type { PredictionStatus } from '../scoring/types.ts';
import { loadWarehouse } from '../scoring/write.ts';
import type { StageContext } from './ports.ts';

export interface ScoredRowsSummary {
  partitions: number;
  byStatus: Record<PredictionStatus, number>;
  usedFallback: number;
  /** Partitions of the prepared catalog no row speaks for: their mini-batch failed on every try (counted failed). */
  unanswered: string[];
}

/**
 * What a scoring run on Azure ML's parallel step came to: every row it appended, checked against the prepared
 * catalog, so a bucket whose mini-batch failed on every try (and was tolerated by the thresholds) is counted as
 * failed partitions, never silently missing. A partition answered twice, or one the catalog does not know, means
 * the rows are not this run's: refused with the file and line.
 */
export async function summariseScoredRows(rowsFile: string, preparedDir: string): Promise<ScoredRowsSummary> {
  const catalog = await listPartitions(preparedDir);
  const known = new Set(catalog.map((p) => p.name));
  const seen = new Map<string, Pick<ScoredPartition, 'status' | 'usedFallback'>>();
  const lines = createInterface({ input: createReadStream(rowsFile), crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      throw new ScoredRowsError(`${rowsFile}:${lineNo} is not a JSON row: ${line.slice(0, 80)}`);
    }
    const parsed = scoredRowSchema.safeParse(raw);
    if (!parsed.success)
      throw new ScoredRowsError(
        `${rowsFile}:${lineNo} is not a scored partition (name, status): ${line.slice(0, 80)}`,
      );
    const row = parsed.data;
    if (!('name' in row)) continue;
    if (!known.has(row.name))
      throw new ScoredRowsError(
        `${rowsFile}:${lineNo}: partition ${row.name} is not in the prepared catalog`,
      );
    if (seen.has(row.name))
      throw new ScoredRowsError(`${rowsFile}:${lineNo}: partition ${row.name} was answered twice`);
    seen.set(row.name, row);
  }
  const byStatus: Record<PredictionStatus, number> = { ok: 0, 'no-model': 0, failed: 0 };
  let usedFallback = 0;
  for (const row of seen.values()) {
    byStatus[row.status]++;
    if (row.usedFallback) usedFallback++;
  }
  // A bucket whose partitions prepare all rejected has no file, so no mini-batch: its partitions have no model,
  // as the in-process scoring reports them.
  const silent = catalog.filter((p) => !seen.has(p.name));
  const unanswered = silent.filter((p) => p.status === 'ok').map((p) => p.name);
  byStatus.failed += unanswered.length;
  byStatus['no-model'] += silent.length - unanswered.length;
  return { partitions: catalog.length, byStatus, usedFallback, unanswered };
}

export class ScoredRowsError extends Error {
  override readonly name = 'ValidationError';
}

/**
 * The score pipeline's last step (`mm score --run <id> --refresh-from-rows <rows>`): sums up the rows, loads the
 * run's predictions into the warehouse where the lake is a local folder, and refreshes the Synapse serverless view
 * Power BI reads where one is configured.
 */
export async function refreshFromRows(
  context: StageContext,
  options: { runId: string; rowsFile: string; preparedDir: string },
): Promise<ScoredRowsSummary> {
  const summary = await summariseScoredRows(options.rowsFile, options.preparedDir);
  const { layout } = context.lake;
  const folder = path.join(layout.predictions, `run_id=${options.runId}`);
  if (!context.lake.remote) {
    const written = existsSync(folder) && readdirSync(folder).some((f) => f.endsWith('.parquet'));
    if (written) {
      await loadWarehouse(layout.warehouse, path.join(folder, '*.parquet'), options.runId);
      context.output(`warehouse:   ${layout.warehouse} (table predictions, view latest_predictions)`);
    } else {
      context.log(`no predictions files in ${folder}: the warehouse is left as it was`);
    }
  }
  await refreshPredictionsView(context, options.runId);
  return summary;
}

/**
 * Exposes the lake's predictions through the Synapse serverless view Power BI reads, when one is configured; the
 * view reads the run just published.
 */
export async function refreshPredictionsView(context: StageContext, runId: string): Promise<void> {
  const { config } = context;
  if (!config.synapse || config.storage.kind !== 'azure') return;
  // mssql and the Azure SDK load only when a view is really refreshed.
  const { refreshPredictionsView: refresh } = await import('../azure/synapse.ts');
  const { dfsUrl } = await import('../azure/synapse-sql.ts');
  await refresh({
    server: config.synapse.server,
    database: config.synapse.database,
    // The views read this dataset's folder of the lake, through a data source of its own.
    lakeUrl: urlUnderPrefix(
      dfsUrl(config.storage.accountUrl, config.storage.container),
      lakePrefixOf(config.storage),
    ),
    dataSource: synapseDataSourceName(config.storage),
    partitionBy: config.dataset.partitionBy,
    timeColumn: config.dataset.time,
    latestRunId: runId,
  });
  context.output(
    `Synapse view refreshed: ${config.synapse.server}/${config.synapse.database} dbo.latest_predictions`,
  );
}
