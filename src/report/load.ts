import { existsSync } from 'node:fs';
import path from 'node:path';
import { localArtifactStore } from '../artifacts/store.ts';
import { bands } from '../models/intervals.ts';
import { lakeLayout } from '../storage/layout.ts';
import { periodDates } from './dates.ts';
import {
  bucketFilesFor,
  openLake,
  type PreparedColumns,
  predictionFiles,
  preparedColumnsFromMeta,
  preparedFiles,
  type WantedPartition,
} from './lake.ts';
import {
  artifactSchema,
  type DecisionsInput,
  decisionsSchema,
  manifestSchema,
  parseJsonFile,
  ReportInputError,
  readJsonInput,
} from './schemas.ts';
import { compare, pickCharted } from './stats.ts';
import type { ChartedPartition, Comparison, IntervalBand, ReportData } from './types.ts';

export interface LoadReportOptions {
  runDir: string;
  /** Storage root holding `prepared/` and `predictions/` (see `lakeLayout`). */
  root: string;
  /** How many best and worst partitions get a forecast-vs-actual chart. */
  best?: number;
  worst?: number;
  /** Model names to chart first, whatever their accuracy. */
  partitions?: readonly string[];
  /** History points drawn before the holdout. */
  historyPoints?: number;
  /** Column names of the prepared lake when `prepared/meta.json` does not name them (from the config). */
  columns?: Partial<PreparedColumns>;
  now?: Date;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function chartedFrom(
  runDir: string,
  comparison: Comparison,
  artifactPath: string | undefined,
  role: ChartedPartition['role'],
): Promise<ChartedPartition> {
  if (!artifactPath) throw new Error('the manifest records no artifact path');
  const store = localArtifactStore(runDir);
  const file = store.locate(artifactPath);
  const artifact = parseJsonFile(file, await store.read(artifactPath), artifactSchema);
  const chosen = artifact.holdout.candidates[artifact.chosen];
  const baseline = artifact.holdout.candidates[artifact.baseline];
  if (!chosen || !baseline) {
    throw new Error(`${file} has no holdout forecast for ${chosen ? artifact.baseline : artifact.chosen}`);
  }
  const n = artifact.holdout.actual.length;
  const clean = (values: (number | null)[]) => values.map((v) => v ?? Number.NaN);
  if (chosen.forecast.length !== n || baseline.forecast.length !== n) {
    throw new Error(`${file}: holdout forecasts and actuals differ in length`);
  }
  const intervals = artifact.intervals;
  const holdoutBands: IntervalBand[] = intervals
    ? bands(intervals, clean(chosen.forecast), intervals.scale === 'log1p')
        .map((b) => ({ level: b.level, lower: [...b.lower], upper: [...b.upper] }))
        .sort((a, b) => b.level - a.level)
    : [];
  const byLevel = new Map(
    (intervals?.levels ?? []).map((level, i) => [level, intervals?.holdoutCoverage?.[i]]),
  );
  const covered = holdoutBands.map((b) => byLevel.get(b.level));
  return {
    name: comparison.name,
    key: comparison.key,
    role,
    chosen: artifact.chosen,
    baseline: artifact.baseline,
    wape: {
      model: chosen.metrics.wape ?? comparison.model.wape,
      baseline: baseline.metrics.wape ?? comparison.base.wape,
    },
    history: null,
    holdout: {
      dates: periodDates(artifact.holdout.start, n, artifact.frequency),
      actual: clean(artifact.holdout.actual),
      chosen: clean(chosen.forecast),
      baseline: clean(baseline.forecast),
      bands: holdoutBands,
      coverage: covered.every((c) => c !== undefined) && covered.length > 0 ? (covered as number[]) : null,
    },
    future: null,
    decision: null,
  };
}

/** Reads a run folder (and, when present, the lake around it) into the typed data the report is drawn from. */
export async function loadReportData(options: LoadReportOptions): Promise<ReportData> {
  const runDir = path.resolve(options.runDir);
  const manifestFile = path.join(runDir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new ReportInputError(manifestFile, ['file not found: has the train stage finished this run?']);
  }
  const manifest = await readJsonInput(manifestFile, manifestSchema);
  const warnings: string[] = [];
  if (manifest.runId !== path.basename(runDir)) {
    warnings.push(
      `the manifest's run id '${manifest.runId}' differs from its folder name '${path.basename(runDir)}'.`,
    );
  }

  const decisionsFile = path.join(runDir, 'decisions.json');
  let decisions: DecisionsInput | null = null;
  if (existsSync(decisionsFile)) {
    decisions = await readJsonInput(decisionsFile, decisionsSchema);
    if (decisions.runId !== manifest.runId) {
      throw new ReportInputError(decisionsFile, [
        `runId '${decisions.runId}' is not this run's '${manifest.runId}'`,
      ]);
    }
  }

  const totals = { ok: 0, failed: 0, skipped: 0 };
  for (const p of manifest.partitions) totals[p.status] += 1;
  const byName = new Map(manifest.partitions.map((p) => [p.name, p]));
  const comparisons = manifest.partitions.map(compare).filter((c): c is Comparison => c !== null);
  const comparisonByName = new Map(comparisons.map((c) => [c.name, c]));
  const inferred = comparisons.filter((c) => c.baselineInferred).length;
  if (inferred > 0) {
    warnings.push(
      `the manifest does not record the baseline of ${inferred} partition(s); it was inferred from the candidates ` +
        '(seasonal naive when fitted, else naive), which can be wrong for series shorter than two seasons.',
    );
  }
  const problems = manifest.partitions
    .filter((p) => p.status !== 'ok')
    .map((p) => ({
      name: p.name,
      key: p.key,
      status: p.status,
      message: p.error ? `${p.error.class}: ${p.error.message}` : (p.reason ?? 'no reason recorded'),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  for (const name of options.partitions ?? []) {
    if (!comparisonByName.has(name))
      warnings.push(`partition '${name}' was asked for but has no trained model in this run.`);
  }
  const picks = pickCharted(comparisons, {
    best: options.best ?? 3,
    worst: options.worst ?? 3,
    requested: options.partitions ?? [],
  });
  const charted: ChartedPartition[] = [];
  for (const pick of picks) {
    try {
      charted.push(
        await chartedFrom(
          runDir,
          comparisonByName.get(pick.name)!,
          byName.get(pick.name)?.artifact,
          pick.role,
        ),
      );
    } catch (error) {
      warnings.push(`partition '${pick.name}' is not charted: ${message(error)}`);
    }
  }
  const decisionByName = new Map((decisions?.decisions ?? []).map((d) => [d.name, d]));
  for (const c of charted) c.decision = decisionByName.get(c.name) ?? null;

  const sources = await addLakeContext(charted, manifest.partitionBy, options, warnings);
  return {
    runId: manifest.runId,
    runDir,
    manifest,
    decisions,
    totals,
    comparisons,
    charted,
    problems,
    sources,
    warnings,
    generatedAt: (options.now ?? new Date()).toISOString(),
  };
}

/** Fills history and future forecasts in place; anything unreadable becomes a warning, never a failure. */
async function addLakeContext(
  charted: ChartedPartition[],
  partitionBy: string[],
  options: LoadReportOptions,
  warnings: string[],
): Promise<ReportData['sources']> {
  const layout = lakeLayout(options.root);
  const hasPrepared = existsSync(layout.prepared) && preparedFiles(layout.prepared).length > 0;
  const forecastFiles = existsSync(layout.predictions) ? predictionFiles(layout.predictions) : [];
  const hasPredictions = forecastFiles.length > 0;
  const sources = { history: false, predictions: false };
  if (charted.length === 0 || (!hasPrepared && !hasPredictions)) return sources;

  const wanted: WantedPartition[] = charted.map((c) => ({
    name: c.name,
    key: c.key,
    before: c.holdout.dates[0]!,
  }));
  const lake = await openLake();
  try {
    if (hasPrepared) {
      const meta = preparedColumnsFromMeta(path.join(layout.prepared, 'meta.json')) ?? {};
      const time = meta.time ?? options.columns?.time;
      const target = meta.target ?? options.columns?.target;
      if (!time || !target) {
        warnings.push('history is not drawn: prepared/meta.json does not name the time and target columns.');
      } else {
        try {
          const columns = { partitionBy: meta.partitionBy ?? partitionBy, time, target };
          const files = bucketFilesFor(
            layout.prepared,
            wanted.map((w) => w.name),
            meta.buckets,
          );
          const history = await lake.history(files, columns, wanted, options.historyPoints ?? 52);
          for (const c of charted) c.history = history.get(c.name) ?? null;
          sources.history = true;
        } catch (error) {
          warnings.push(`history is not drawn: ${message(error)}`);
        }
      }
    }
    if (hasPredictions) {
      try {
        const future = await lake.future(forecastFiles, partitionBy, wanted);
        for (const c of charted) c.future = future.get(c.name) ?? null;
        sources.predictions = true;
      } catch (error) {
        warnings.push(`future forecasts are not drawn: ${message(error)}`);
      }
    }
  } finally {
    lake.close();
  }
  return sources;
}
