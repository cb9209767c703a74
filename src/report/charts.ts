import type { EChartsOption, LineSeriesOption } from 'echarts';
import { CANDIDATES } from '../core/vocabulary.ts';
import { fmtNum, fmtPct } from './format.ts';
import { histogram, type LiftClass } from './stats.ts';
import { OUTCOMES, type Summary } from './summary.ts';
import type { ChartedPartition, IntervalBand, ReportData } from './types.ts';

/**
 * Pure chart builders: report data in, ECharts options out. No I/O and no rendering, so each chart can be
 * tested by its numbers. The model is always drawn next to the baseline, in the same two colours everywhere.
 */

export const COLORS = {
  model: '#2f6fdd',
  baseline: '#9aa0a6',
  actual: '#202124',
  history: '#5f6368',
  future: '#2f6fdd',
  good: '#1e8e3e',
  weak: '#f9ab00',
  bad: '#d93025',
  neutral: '#9aa0a6',
} as const;

export interface ChartSpec {
  id: string;
  title: string;
  /** One or two sentences under the chart: what it shows and the numbers to read from it. */
  caption: string;
  width: number;
  height: number;
  option: EChartsOption;
  /** Partition charts carry their partition, for the page's heading. */
  partition?: ChartedPartition;
}

export const FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif";

const SMALL = { width: 560, height: 300 } as const;
const WIDE = { width: 1140, height: 320 } as const;

const base = (): EChartsOption => ({
  animation: false,
  backgroundColor: '#ffffff',
  // ECharts measures text on the server with Arial-like widths; Liberation Sans (Debian's Arial) matches them.
  textStyle: { fontFamily: FONT },
  grid: { left: 56, right: 20, top: 36, bottom: 56, containLabel: false },
});

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
      `promote: passes every rule; keep-champion: prod keeps its model; promote-fallback: the baseline goes to prod ` +
        `because prod had nothing; not-trained: failed or skipped. ${s.outcomes.promote} of ${s.partitions} promoted.`,
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

const points = (dates: readonly string[], values: readonly number[]) =>
  dates.map((d, i) => [d, Number.isFinite(values[i]) ? values[i]! : null] as [string, number | null]);

type LineSeries = LineSeriesOption[];

/** Opacity of a band's fill by its level: the wider (95 %) band lighter, the 80 % band drawn over it darker. */
const bandOpacity = (level: number) => (level >= 0.9 ? 0.12 : 0.24);
const levelLabel = (level: number) => `${Math.round(level * 100)} %`;
const bandName = (level: number) => `${levelLabel(level)} interval`;

/**
 * A band as two stacked lines: the lower bound, invisible, and the band's width stacked on it with a filled area,
 * so the fill runs from lower to upper. Both carry the band's name, so the legend shows (and toggles) one entry.
 */
function bandSeries(
  segment: 'holdout' | 'future',
  dates: readonly string[],
  band: IntervalBand,
  color: string,
): LineSeries {
  const width = band.upper.map((u, i) => u - band.lower[i]!);
  const name = bandName(band.level);
  const stack = `${segment} ${band.level}`;
  return [
    {
      name,
      type: 'line',
      stack,
      data: points(dates, band.lower),
      showSymbol: false,
      silent: true,
      lineStyle: { opacity: 0 },
      itemStyle: { color },
    },
    {
      name,
      type: 'line',
      stack,
      data: points(dates, width),
      showSymbol: false,
      silent: true,
      lineStyle: { opacity: 0 },
      areaStyle: { color, opacity: bandOpacity(band.level) },
      itemStyle: { color },
    },
  ];
}

function bandsCaption(p: ChartedPartition): string {
  const levels = (p.holdout.bands.length > 0 ? p.holdout.bands : (p.future?.bands ?? [])).map((b) => b.level);
  if (levels.length === 0) return '';
  const shown = [...levels]
    .sort((a, b) => a - b)
    .map(levelLabel)
    .join(' and ');
  const coverage = p.holdout.coverage;
  const honesty = coverage
    ? ` Fitted on the earlier backtest windows only, they covered ${p.holdout.bands
        .map((b, i) => `${fmtPct(coverage[i]!)} (${levelLabel(b.level)})`)
        .join(' and ')} of this holdout.`
    : " With one backtest window they rest on this holdout's own errors, so their coverage here is not a test.";
  return ` Bands: ${shown} prediction intervals of the chosen model, from its backtest errors.${honesty}`;
}

export function partitionChart(p: ChartedPartition, index: number): ChartSpec {
  const first = p.holdout.dates[0]!;
  const last = p.holdout.dates[p.holdout.dates.length - 1]!;
  const series: LineSeries = [];
  // The holdout's and the future's bands of one level share a name, so the legend shows one entry per level.
  for (const band of p.holdout.bands)
    series.push(...bandSeries('holdout', p.holdout.dates, band, COLORS.model));
  for (const band of p.future?.bands ?? []) {
    series.push(...bandSeries('future', p.future!.dates, band, COLORS.future));
  }
  if (p.history) {
    series.push({
      name: 'history',
      type: 'line',
      data: points(p.history.dates, p.history.values),
      showSymbol: false,
      lineStyle: { color: COLORS.history, width: 1.5 },
      itemStyle: { color: COLORS.history },
    });
  }
  series.push(
    {
      name: 'actual (holdout)',
      type: 'line',
      data: points(p.holdout.dates, p.holdout.actual),
      symbolSize: 5,
      lineStyle: { color: COLORS.actual, width: 2 },
      itemStyle: { color: COLORS.actual },
      markArea: {
        silent: true,
        itemStyle: { color: 'rgba(47,111,221,0.07)' },
        data: [[{ xAxis: first }, { xAxis: last }]],
      },
    },
    {
      name: p.chosen === p.baseline ? `chosen: ${p.chosen} (the baseline)` : `chosen: ${p.chosen}`,
      type: 'line',
      data: points(p.holdout.dates, p.holdout.chosen),
      symbolSize: 4,
      lineStyle: { color: COLORS.model, width: 2 },
      itemStyle: { color: COLORS.model },
    },
  );
  const sameModel = p.chosen === p.baseline;
  if (!sameModel) {
    series.push({
      name: `baseline: ${p.baseline}`,
      type: 'line',
      data: points(p.holdout.dates, p.holdout.baseline),
      symbolSize: 4,
      lineStyle: { color: COLORS.baseline, width: 2, type: 'dashed' },
      itemStyle: { color: COLORS.baseline },
    });
  }
  if (p.future) {
    series.push({
      name: 'forecast (scored)',
      type: 'line',
      data: points(p.future.dates, p.future.values),
      symbolSize: 4,
      lineStyle: { color: COLORS.future, width: 2, type: 'dotted' },
      itemStyle: { color: COLORS.future },
    });
  }
  const verdict = p.decision ? ` Decision: ${p.decision.outcome}.` : '';
  return {
    id: `partition-${index}`,
    title: p.role === 'best' ? 'Among the best' : p.role === 'worst' ? 'Among the worst' : 'Requested',
    caption:
      (sameModel
        ? `No candidate beat the ${p.baseline} baseline: holdout WAPE ${fmtNum(p.wape.model)} `
        : `Holdout WAPE ${fmtNum(p.wape.model)} for ${p.chosen} vs ${fmtNum(p.wape.baseline)} for the ${p.baseline} baseline `) +
      `(${p.holdout.dates.length} periods from ${first}, shaded).${bandsCaption(p)}${verdict}`,
    ...WIDE,
    partition: p,
    option: {
      ...base(),
      grid: { left: 64, right: 24, top: 40, bottom: 36 },
      legend: {
        top: 4,
        // Bands get a filled square; every other line keeps its line-and-symbol icon.
        data: [...new Set(series.map((s) => String(s.name)))].map((name) =>
          name.endsWith(' interval')
            ? { name, icon: 'rect', itemStyle: { opacity: name.startsWith('95') ? 0.3 : 0.6 } }
            : { name },
        ),
      },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', scale: true },
      series,
    },
  };
}

/** Every chart of the page, in reading order. */
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
