import { dayOfWeek } from '../calendar/index.ts';
import type { PARTITION_STATUSES } from '../contracts/prepared-catalog.ts';
import type { Frequency } from '../core/vocabulary.ts';
import { isoDate } from './batch.ts';

export { PARTITION_STATUSES } from '../contracts/prepared-catalog.ts';

export type PreparedStatus = (typeof PARTITION_STATUSES)[number];

/** Per-partition aggregates computed by DuckDB in one pass over the data. */
export interface PartitionStats {
  key: string[];
  rows: number;
  distinctTimes: number;
  /** Epoch days of the first and last period (month starts for monthly data). */
  first: number;
  last: number;
  /** Whole months between first and last (monthly data only). */
  monthSpan: number;
  /** Distinct weekdays among the dates (weekly data must use one). */
  weekdays: number;
  targetNull: number;
  targetNonFinite: number;
  targetNegative: number;
  firstNonFinite: number | null;
  /** The first non-finite target value as DuckDB writes it (nan, inf, -inf). */
  firstNonFiniteValue?: string | null;
  firstNegative: number | null;
  minTarget: number | null;
  /** Per feature: rows with a value. */
  featureValues: number[];
  featureNonFinite: number;
  /** Filled in for partitions with duplicates: the first repeated date and how often it appears. */
  firstDuplicate?: { day: number; count: number };
}

export interface ClassifyRules {
  frequency: Frequency;
  time: string;
  features: string[];
  holdout: number;
  minTrainPoints: number;
  maxGapShare: number;
  allowNegativeTarget: boolean;
}

export interface PartitionProblem {
  code: Exclude<PreparedStatus, 'ok'>;
  message: string;
}

export interface Classification {
  status: PreparedStatus;
  problems: PartitionProblem[];
  /** Length of the regular series after gaps are filled (0 when the grid is undefined). */
  periods: number;
  /** Missing periods that will be filled (target NaN, features carried forward). */
  gaps: number;
  /** True when the prepared series differs from the input rows: gaps to add or feature values to carry. */
  needsFill: boolean;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function gridLength(s: PartitionStats, frequency: Frequency): number {
  if (frequency === 'D') return s.last - s.first + 1;
  if (frequency === 'W') return Math.floor((s.last - s.first) / 7) + 1;
  return s.monthSpan + 1;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

/** Pure rules: which partition-level problems a partition has, in the order they matter. */
export function classifyPartition(s: PartitionStats, rules: ClassifyRules): Classification {
  const problems: PartitionProblem[] = [];
  const duplicates = s.rows - s.distinctTimes;
  if (duplicates > 0) {
    const example = s.firstDuplicate
      ? `, e.g. ${rules.time} ${isoDate(s.firstDuplicate.day)} appears ${s.firstDuplicate.count} times`
      : '';
    problems.push({
      code: 'duplicate_time',
      message: `${duplicates} duplicate (partition, time) row(s)${example}`,
    });
  }
  if (rules.frequency === 'W' && s.weekdays > 1) {
    problems.push({
      code: 'irregular_time',
      message: `weekly dates fall on ${s.weekdays} different weekdays (first is a ${WEEKDAYS[dayOfWeek(s.first)]}); weekly data needs one date per week on the same weekday`,
    });
  }
  if (s.targetNonFinite > 0) {
    problems.push({
      code: 'non_finite_target',
      message: `${s.targetNonFinite} non-finite target value(s) (NaN or infinity), first on ${isoDate(s.firstNonFinite ?? s.first)}${s.firstNonFiniteValue ? ` (${s.firstNonFiniteValue})` : ''}`,
    });
  }
  if (s.targetNegative > 0 && !rules.allowNegativeTarget) {
    problems.push({
      code: 'negative_target',
      message: `${s.targetNegative} negative target value(s) (smallest ${s.minTarget}, first on ${isoDate(s.firstNegative ?? s.first)}); set validation.allowNegativeTarget if they are real`,
    });
  }
  if (s.featureNonFinite > 0) {
    problems.push({
      code: 'non_finite_feature',
      message: `${s.featureNonFinite} row(s) with a non-finite feature value (NaN or infinity)`,
    });
  }
  const empty = rules.features.filter((_, i) => (s.featureValues[i] ?? 0) === 0);
  if (empty.length > 0) {
    problems.push({
      code: 'no_feature_values',
      message: `feature(s) ${empty.map((f) => `'${f}'`).join(', ')} have no value in this partition, so none can be carried forward`,
    });
  }
  const regular = !problems.some((p) => p.code === 'irregular_time');
  const periods = regular ? gridLength(s, rules.frequency) : 0;
  const gaps = regular ? Math.max(0, periods - s.distinctTimes) : 0;
  const needed = rules.holdout + rules.minTrainPoints;
  if (regular && periods < needed) {
    problems.push({
      code: 'too_short',
      message: `${periods} period(s) from ${isoDate(s.first)} to ${isoDate(s.last)}; needs at least ${needed} (forecast.holdout ${rules.holdout} + forecast.minTrainPoints ${rules.minTrainPoints})`,
    });
  }
  const missingShare = periods > 0 ? (gaps + s.targetNull) / periods : 0;
  if (regular && missingShare > rules.maxGapShare) {
    problems.push({
      code: 'too_many_gaps',
      message: `${gaps + s.targetNull} of ${periods} period(s) have no target value (${pct(missingShare)}: ${gaps} missing row(s), ${s.targetNull} empty target(s)), above validation.maxGapShare ${pct(rules.maxGapShare)}`,
    });
  }
  const featureGaps = rules.features.some((_, i) => (s.featureValues[i] ?? 0) < s.rows);
  return {
    status: problems[0]?.code ?? 'ok',
    problems,
    periods,
    gaps,
    needsFill: gaps > 0 || featureGaps,
  };
}
