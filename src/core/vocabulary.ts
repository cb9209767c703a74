/**
 * The words every part of the engine shares: frequencies, candidate kinds and metric names. Models, metrics, data
 * and reports import them from here, not from the config schema, so the core knows nothing of YAML or zod.
 */

/** Frequencies the engine understands; each implies a default season length. */
export const FREQUENCIES = ['D', 'W', 'M'] as const;
export type Frequency = (typeof FREQUENCIES)[number];
export const DEFAULT_SEASON_LENGTH: Record<Frequency, number> = { D: 7, W: 52, M: 12 };

export const CANDIDATES = [
  'naive',
  'seasonal_naive',
  'mean',
  'ridge',
  'ets',
  'arx',
  'intermittent',
  'combo',
] as const;
export type CandidateKind = (typeof CANDIDATES)[number];

export const METRICS = ['wape', 'mase', 'smape', 'rmse', 'bias'] as const;
export type MetricName = (typeof METRICS)[number];
