import { z } from 'zod';
import { FREQUENCIES, METRICS } from '../core/vocabulary.ts';
import { candidateKind, metricValues, perCandidate } from './run-manifest.ts';

/**
 * The model artifact: the few-KB JSON document that is "a model" in this project (one record of a run's pack
 * file, or one file in older runs; the payload of a registered model version). The engine writes it; promotion,
 * registration, the registries, scoring, serving and the report read it back through `modelArtifactSchema`.
 * Objects are loose: a reader that passes an artifact on (promotion registers it in prod) keeps fields a newer
 * engine added. Metrics and backtest scores are `null` where JSON.stringify turned Infinity into null; missing
 * holdout actuals (filled gaps) are null in JSON and read back as NaN, as the engine held them.
 */

export const modelStateSchema = z.looseObject({
  kind: candidateKind,
  /** Bumped when a model's state layout changes, so old artifacts fail loudly instead of forecasting wrong. */
  version: z.number().int(),
  params: z.record(z.string(), z.unknown()),
});

/** Prediction intervals from backtest residuals (split conformal), see `src/models/intervals.ts`. */
export const intervalsSchema = z.object({
  scale: z.enum(['log1p', 'none']),
  /** Central coverage levels, e.g. [0.8, 0.95]. */
  levels: z.array(z.number().gt(0).lt(1)),
  /** Half-width per level on `scale`. */
  halfWidths: z.array(z.number().min(0)),
  /** Horizon steps the residuals came from (the backtest window length). */
  steps: z.number().int().min(1),
  /** How many residuals the half-widths rest on. */
  residuals: z.number().int().min(0),
  /**
   * Honest coverage per level: half-widths from every window but the last, checked on the last (the holdout).
   * Absent with a single window.
   */
  holdoutCoverage: z.array(z.number().min(0).max(1)).optional(),
});

const missingAsNaN = z.array(z.number().nullable()).transform((values) => values.map((v) => v ?? Number.NaN));

export const modelArtifactSchema = z.looseObject({
  schemaVersion: z.literal(1),
  /** Deterministic registry name, see `src/core/model-name.ts`. */
  name: z.string().min(1),
  /** Raw partition key: column -> value. */
  partition: z.record(z.string(), z.string()),
  chosen: candidateKind,
  /** The benchmark every model must beat (naive family or mean). */
  baseline: candidateKind,
  model: modelStateSchema,
  /** The baseline, refitted on all data: the documented fallback when no candidate has qualified yet. */
  baselineModel: modelStateSchema,
  features: z.array(z.string()),
  frequency: z.enum(FREQUENCIES),
  seasonLength: z.number().int().min(1),
  window: z.looseObject({ start: z.string(), end: z.string(), observations: z.number().int().min(0) }),
  holdout: z.looseObject({
    start: z.string(),
    end: z.string(),
    actual: missingAsNaN,
    /** MASE denominator of the training window; absent in older artifacts. */
    scale: z.number().optional(),
    candidates: perCandidate(z.looseObject({ forecast: z.array(z.number()), metrics: metricValues })),
    failures: perCandidate(z.object({ class: z.string(), message: z.string() })).optional(),
  }),
  /** The rolling-origin backtest selection rested on; absent in artifacts trained before backtests. */
  backtest: z
    .looseObject({
      origins: z.array(z.string()),
      metric: z.enum(METRICS),
      scores: perCandidate(z.number().nullable()),
    })
    .optional(),
  intervals: intervalsSchema.optional(),
  lineage: z.looseObject({
    runId: z.string(),
    codeVersion: z.string(),
    dataFingerprint: z.string(),
    trainedAt: z.string(),
  }),
});

export type ModelArtifactFile = z.infer<typeof modelArtifactSchema>;
