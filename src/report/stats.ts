import type { CandidateKind } from '../core/vocabulary.ts';
import type { PartitionInput } from './schemas.ts';
import type { ChartRole, Comparison } from './types.ts';

/**
 * The report's arithmetic: pure functions over the manifest's recorded holdout metrics. Everything that the
 * page says about accuracy is computed here, always model next to baseline on the same holdout.
 */

/** A relative WAPE improvement below this is noise, not a model that beats the baseline. */
export const MEANINGFUL_LIFT = 0.05;

/** JSON stores a +Infinity metric (all-zero holdout) as null; metrics never produce NaN. */
const metricValue = (v: number | null | undefined): number => (v === null || v === undefined ? Infinity : v);

/**
 * The baseline the manifest records; for manifests written before it was recorded, the artifact contract's
 * rule (seasonal naive when it was fitted, else naive), which can be wrong for short series where seasonal
 * naive was a configured candidate: `inferred` says when it was guessed.
 */
export function baselineKindOf(record: Pick<PartitionInput, 'baseline' | 'metrics'>): {
  kind: CandidateKind;
  inferred: boolean;
} | null {
  if (record.baseline) return { kind: record.baseline, inferred: false };
  if (record.metrics?.seasonal_naive) return { kind: 'seasonal_naive', inferred: true };
  if (record.metrics?.naive) return { kind: 'naive', inferred: true };
  return null;
}

export function liftOf(model: number, base: number): number {
  if (Number.isFinite(base) && base > 0) return (base - model) / base;
  if (base === 0) return model === 0 ? 0 : -Infinity;
  return Number.NaN;
}

export function compare(record: PartitionInput): Comparison | null {
  if (record.status !== 'ok' || !record.chosen || !record.metrics) return null;
  const baseline = baselineKindOf(record);
  const model = record.metrics[record.chosen];
  const base = baseline ? record.metrics[baseline.kind] : undefined;
  if (!baseline || !model || !base) return null;
  const m = { wape: metricValue(model.wape), mase: metricValue(model.mase) };
  const b = { wape: metricValue(base.wape), mase: metricValue(base.mase) };
  return {
    name: record.name,
    key: record.key,
    chosen: record.chosen,
    baseline: baseline.kind,
    baselineInferred: baseline.inferred,
    chosenIsBaseline: record.chosen === baseline.kind,
    model: m,
    base: b,
    lift: liftOf(m.wape, b.wape),
  };
}

export type LiftClass = 'meaningful' | 'marginal' | 'no-better' | 'is-baseline';
export const LIFT_CLASSES: readonly LiftClass[] = ['meaningful', 'marginal', 'no-better', 'is-baseline'];

export function liftClassOf(c: Comparison, meaningful = MEANINGFUL_LIFT): LiftClass {
  if (c.chosenIsBaseline) return 'is-baseline';
  if (c.lift >= meaningful) return 'meaningful';
  if (c.lift > 0) return 'marginal';
  return 'no-better';
}

/** Median of the non-NaN values (Infinity counts, as the worst); NaN when there are none. */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quantile(sortedFinite: readonly number[], q: number): number {
  if (sortedFinite.length === 0) return Number.NaN;
  const pos = (sortedFinite.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sortedFinite[lo]! + (sortedFinite[hi]! - sortedFinite[lo]!) * (pos - lo);
}

export interface Histogram {
  /** One label per bin, e.g. "0.10–0.15"; outer bins read "< lo" and "≥ hi" and hold the tails. */
  labels: string[];
  /** counts[s][b]: how many values of series s fall in bin b. */
  counts: number[][];
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const scaled = raw / power;
  const nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10;
  return nice * power;
}

function formatEdge(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + 1));
  return Number(v.toFixed(decimals)).toString();
}

export interface HistogramOptions {
  /** Target bin count when the range is found from the data. */
  bins?: number;
  /** Lower edge for data-driven ranges (0 for an error metric). */
  floor?: number;
  /** Fixed edges [lo, hi] and bin width: the picture keeps its scale whatever the data (tails still count). */
  fixed?: { lo: number; hi: number; step: number };
}

function binning(
  finite: readonly number[],
  options: HistogramOptions,
): { lo: number; step: number; bins: number } {
  if (options.fixed) {
    const { lo, hi, step } = options.fixed;
    return { lo, step, bins: Math.max(1, Math.round((hi - lo) / step)) };
  }
  let lo = quantile(finite, 0.01);
  let hi = quantile(finite, 0.99);
  if (options.floor !== undefined) lo = options.floor;
  // All values (nearly) equal: give them one readable bin around the value instead of a zero-width range.
  if (hi - lo <= 1e-9 * Math.max(1, Math.abs(lo), Math.abs(hi))) hi = lo + (Math.abs(lo) || 1) * 0.1;
  const step = niceStep((hi - lo) / (options.bins ?? 20));
  lo = Math.floor(lo / step + 1e-9) * step;
  return { lo, step, bins: Math.max(1, Math.ceil((hi - lo) / step - 1e-9)) };
}

/**
 * Shared bins for several series so they can be drawn side by side. A data-driven range covers the 1st to
 * 99th percentile of the finite values; the tails, +Infinity included, land in the outer bins ("< lo",
 * "≥ hi") so no partition disappears from the picture. NaN values are left out.
 */
export function histogram(series: readonly (readonly number[])[], options: HistogramOptions = {}): Histogram {
  const finite = series.flatMap((s) => s.filter(Number.isFinite)).sort((a, b) => a - b);
  if (finite.length === 0 && !options.fixed) {
    return { labels: ['non-finite'], counts: series.map((s) => [s.filter((v) => !Number.isNaN(v)).length]) };
  }
  const { lo, step, bins } = binning(finite, options);
  const top = lo + bins * step;
  const under = series.some((s) => s.some((v) => v < lo));
  const over = series.some((s) => s.some((v) => v >= top));
  const labels: string[] = [];
  if (under) labels.push(`< ${formatEdge(lo, step)}`);
  for (let b = 0; b < bins; b++)
    labels.push(`${formatEdge(lo + b * step, step)}–${formatEdge(lo + (b + 1) * step, step)}`);
  if (over) labels.push(`≥ ${formatEdge(top, step)}`);
  const counts = series.map((s) => {
    const row = new Array<number>(labels.length).fill(0);
    for (const v of s) {
      if (Number.isNaN(v)) continue;
      let index: number;
      if (v < lo) index = 0;
      else if (v >= top) index = labels.length - 1;
      else index = (under ? 1 : 0) + Math.min(bins - 1, Math.floor((v - lo) / step + 1e-9));
      row[index]! += 1;
    }
    return row;
  });
  return { labels, counts };
}

/** The partitions to draw: the requested ones, then the best and the worst by the chosen model's WAPE. */
export function pickCharted(
  comparisons: readonly Comparison[],
  options: { best: number; worst: number; requested?: readonly string[] },
): { name: string; role: ChartRole }[] {
  const picked = new Map<string, ChartRole>();
  const known = new Set(comparisons.map((c) => c.name));
  for (const name of options.requested ?? []) if (known.has(name)) picked.set(name, 'requested');
  const ranked = comparisons
    .filter((c) => !Number.isNaN(c.model.wape))
    .sort((a, b) => a.model.wape - b.model.wape || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // A holdout of all zeros scores a perfect 0 against an undefined baseline: it says nothing, so it is never "best".
  const informative = ranked.filter((c) => Number.isFinite(c.base.wape));
  for (const c of informative.slice(0, options.best)) if (!picked.has(c.name)) picked.set(c.name, 'best');
  const worst = ranked.slice(Math.max(0, ranked.length - options.worst)).reverse();
  for (const c of worst) if (!picked.has(c.name)) picked.set(c.name, 'worst');
  return [...picked].map(([name, role]) => ({ name, role }));
}
