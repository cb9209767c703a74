import { CANDIDATES } from '../core/vocabulary.ts';
import { base, type ChartSpec, COLORS, SMALL } from './chart-style.ts';
import { fmtNum, fmtPct } from './format.ts';
import { partitionChart } from './partition-chart.ts';
import { histogram, type LiftClass } from './stats.ts';
import { OUTCOMES, type Summary } from './summary.ts';
import type { ReportData } from './types.ts';

export { type ChartSpec, COLORS, FONT } from './chart-style.ts';
export { partitionChart } from './partition-chart.ts';

/**
 * Pure chart builders: report data in, ECharts options out. No I/O and no rendering, so each chart can be
 * tested by its numbers. The model is always drawn next to the baseline, in the same two colours everywhere.
 */

/** About twice the square root of the sample, so a small run is not drawn as a comb of single bars. */
export function binsFor(n: number): number {
  return Math.max(5, Math.min(24, Math.ceil(2 * Math.sqrt(n))));
}

function histogramChart(
  id: string,
  title: string,
  caption: string,
  model: number[],
  baseline: number[],
  axisName: string,
): ChartSpec {
  const h = histogram([model, baseline], { floor: 0, bins: binsFor(model.length) });
  return {
    id,
    title,
    caption,
    ...SMALL,
    option: {
      ...base(),
      legend: { top: 4, right: 10, data: ['chosen model', 'baseline'] },
      xAxis: {
        type: 'category',
        data: h.labels,
        name: axisName,
        nameLocation: 'middle',
        nameGap: 38,
        axisLabel: { rotate: 35, fontSize: 10 },
      },
      yAxis: { type: 'value', name: 'partitions', minInterval: 1 },
      series: [
        {
          name: 'chosen model',
          type: 'bar',
          data: h.counts[0]!,
          itemStyle: { color: COLORS.model },
          barGap: '0%',
        },
        { name: 'baseline', type: 'bar', data: h.counts[1]!, itemStyle: { color: COLORS.baseline } },
      ],
    },
  };
}

const LIFT_LABELS: Record<LiftClass, string> = {
  meaningful: 'beats baseline by ≥ threshold',
  marginal: 'beats baseline by less',
  'no-better': 'no better than baseline',
  'is-baseline': 'baseline itself chosen',
};
const LIFT_COLORS: Record<LiftClass, string> = {
  meaningful: COLORS.good,
  marginal: COLORS.weak,
  'no-better': COLORS.bad,
  'is-baseline': COLORS.neutral,
};

function liftCharts(data: ReportData, s: Summary): ChartSpec[] {
  const classes: LiftClass[] = ['meaningful', 'marginal', 'no-better', 'is-baseline'];
  const threshold = fmtPct(s.meaningfulLift);
  const shares = {
    id: 'beats-baseline',
    title: 'Does the model beat the baseline?',
    caption:
      `Of ${s.compared} partitions, the chosen model beats its baseline's holdout WAPE in ${fmtPct(s.beatShare)}, ` +
      `by at least ${threshold} in ${fmtPct(s.liftShares.meaningful)}. The model was selected on this holdout, ` +
      'so small wins are expected even on noise; only the green bar is a real improvement.',
    ...SMALL,
    option: {
      ...base(),
      grid: { left: 200, right: 60, top: 20, bottom: 40 },
      xAxis: { type: 'value', max: 100, name: '% of partitions', nameLocation: 'middle', nameGap: 26 },
      yAxis: {
        type: 'category',
        inverse: true,
        data: classes.map((c) => LIFT_LABELS[c].replace('threshold', threshold)),
      },
      series: [
        {
          type: 'bar',
          data: classes.map((c) => ({
            value: Number.isFinite(s.liftShares[c]) ? Number((s.liftShares[c] * 100).toFixed(1)) : 0,
            itemStyle: { color: LIFT_COLORS[c] },
          })),
          label: { show: true, position: 'right', formatter: '{c} %' },
        },
      ],
    },
  } satisfies ChartSpec;

  const lifts = data.comparisons.filter((c) => !c.chosenIsBaseline).map((c) => c.lift * 100);
  // A fixed scale: a pile of partitions just above zero must look like one, not be zoomed to fill the chart.
  // Improvement cannot pass 100 % (a perfect forecast), so the scale ends there.
  const h = histogram([lifts], { fixed: { lo: -20, hi: 100, step: 5 } });
  const edges = h.labels.map((label) => Number.parseFloat(label.replace(/^[<≥]\s*/, '')));
  const barColor = (i: number) => {
    const lower = h.labels[i]!.startsWith('<') ? -Infinity : edges[i]!;
    if (lower >= s.meaningfulLift * 100) return COLORS.good;
    if (lower >= 0) return COLORS.weak;
    return COLORS.bad;
  };
  const distribution = {
    id: 'lift-distribution',
    title: 'Improvement over the baseline (WAPE)',
    caption:
      `Relative WAPE improvement of the chosen model over its baseline, for the ${lifts.length} partitions where ` +
      `a non-baseline model was chosen; median ${fmtNum(s.medianLift * 100, 1)} % over all compared partitions. ` +
      'Mass piled near zero means the models add little over the naive forecast.',
    ...SMALL,
    option: {
      ...base(),
      xAxis: {
        type: 'category',
        data: h.labels,
        name: 'improvement, %',
        nameLocation: 'middle',
        nameGap: 38,
        axisLabel: { rotate: 35, fontSize: 10 },
      },
      yAxis: { type: 'value', name: 'partitions', minInterval: 1 },
      series: [
        { type: 'bar', data: h.counts[0]!.map((value, i) => ({ value, itemStyle: { color: barColor(i) } })) },
      ],
    },
  } satisfies ChartSpec;
  return [shares, distribution];
}

function countChart(
  id: string,
  title: string,
  caption: string,
  labels: string[],
  counts: number[],
  colors: string[],
): ChartSpec {
  return {
    id,
    title,
    caption,
    ...SMALL,
    option: {
      ...base(),
      xAxis: { type: 'category', data: labels, axisLabel: { interval: 0, fontSize: 11 } },
      yAxis: { type: 'value', name: 'partitions', minInterval: 1 },
      series: [
        {
          type: 'bar',
          data: counts.map((value, i) => ({ value, itemStyle: { color: colors[i % colors.length]! } })),
          label: { show: true, position: 'top' },
        },
      ],
    },
  };
}

function promotionCharts(s: Summary): ChartSpec[] {
  if (!s.outcomes) return [];
  const charts = [
    countChart(
      'outcomes',
      'Promotion decisions',
      `promote: passes every rule; keep-champion: prod keeps its model; promote-baseline: the baseline goes to prod as a ` +
        `stand-in because prod had nothing; not-trained: failed or skipped. ${s.outcomes.promote} of ${s.partitions} promoted.`,
      [...OUTCOMES],
      OUTCOMES.map((o) => s.outcomes![o]),
      [COLORS.good, COLORS.neutral, COLORS.weak, COLORS.bad],
    ),
  ];
  const rules = Object.entries(s.failedRules ?? {}).sort((a, b) => b[1] - a[1]);
  if (rules.length > 0) {
    charts.push(
      countChart(
        'failed-rules',
        'Why candidates were not promoted',
        'Failed rule checks across all decisions; a partition can fail more than one rule.',
        rules.map(([rule]) => rule),
        rules.map(([, n]) => n),
        [COLORS.bad],
      ),
    );
  }
  return charts;
}

export function buildCharts(data: ReportData, s: Summary): ChartSpec[] {
  const model = data.comparisons;
  // Every candidate kind gets a bar, zero included: a run where only baselines win should look like it.
  const kindOrder = [...CANDIDATES];
  const charts: ChartSpec[] = [
    histogramChart(
      'wape-distribution',
      'Holdout WAPE: chosen model vs baseline',
      `Median WAPE ${fmtNum(s.medianWape.model)} for the chosen models vs ${fmtNum(s.medianWape.baseline)} for the ` +
        `baselines, on the same holdout of each of ${s.compared} partitions. Lower is better.`,
      model.map((c) => c.model.wape),
      model.map((c) => c.base.wape),
      'WAPE',
    ),
    histogramChart(
      'mase-distribution',
      'Holdout MASE: chosen model vs baseline',
      `Median MASE ${fmtNum(s.medianMase.model)} vs ${fmtNum(s.medianMase.baseline)} for the baselines. ` +
        'Below 1 beats the in-sample seasonal naive error.',
      model.map((c) => c.model.mase),
      model.map((c) => c.base.mase),
      'MASE',
    ),
    ...liftCharts(data, s),
    countChart(
      'chosen-kinds',
      'Chosen model kinds',
      'Which candidate won the holdout in each trained partition.',
      [...kindOrder],
      kindOrder.map((k) => s.chosenKinds[k]),
      [COLORS.model],
    ),
    ...promotionCharts(s),
    ...data.charted.map(partitionChart),
  ];
  return charts;
}
