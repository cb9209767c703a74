import type { LineSeriesOption } from 'echarts';
import { base, type ChartSpec, COLORS, WIDE } from './chart-style.ts';
import { fmtNum, fmtPct } from './format.ts';
import type { ChartedPartition, IntervalBand } from './types.ts';

/**
 * One partition's chart: history, the holdout actuals against the chosen model and the baseline, the scored
 * future, and the prediction-interval bands around both forecasts.
 */

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
