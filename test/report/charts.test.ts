import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANDIDATES } from '../../src/core/vocabulary.ts';
import { binsFor, buildCharts, type ChartSpec, COLORS } from '../../src/report/charts.ts';
import { loadReportData } from '../../src/report/load.ts';
import { renderChartSvg } from '../../src/report/render.ts';
import { summarize } from '../../src/report/summary.ts';
import type { ReportData } from '../../src/report/types.ts';
import { noiseSpecs, removeTempRoots, signalSpecs, tempRoot, writeRun } from './fixtures.ts';

type BarSeries = { name?: string; data: (number | { value: number; itemStyle: { color: string } })[] };
const seriesOf = (spec: ChartSpec) => spec.option.series as BarSeries[];
const values = (s: BarSeries) => s.data.map((d) => (typeof d === 'number' ? d : d.value));
const total = (s: BarSeries) => values(s).reduce((a, b) => a + b, 0);

async function load(specs: ReturnType<typeof signalSpecs>, decisions = true): Promise<ReportData> {
  const root = tempRoot();
  const run = writeRun(root, 'run-1', specs, { decisions });
  return loadReportData({ runDir: run.runDir, root, best: 2, worst: 2 });
}

describe('buildCharts', () => {
  let data: ReportData;
  let charts: ChartSpec[];
  const byId = (id: string) => charts.find((c) => c.id === id)!;

  beforeAll(async () => {
    data = await load(signalSpecs());
    charts = buildCharts(data, summarize(data));
  });

  it('draws every chart of the page in reading order', () => {
    expect(charts.map((c) => c.id)).toEqual([
      'wape-distribution',
      'mase-distribution',
      'beats-baseline',
      'lift-distribution',
      'chosen-kinds',
      'outcomes',
      'failed-rules',
      'partition-0',
      'partition-1',
      'partition-2',
      'partition-3',
    ]);
  });

  it('puts every trained partition in both WAPE histograms, model and baseline side by side', () => {
    const [model, baseline] = seriesOf(byId('wape-distribution'));
    expect(model!.name).toBe('chosen model');
    expect(baseline!.name).toBe('baseline');
    expect(total(model!)).toBe(7);
    expect(total(baseline!)).toBe(7);
    expect(byId('wape-distribution').caption).toContain('Median WAPE 0.120 for the chosen models vs 0.250');
  });

  it('splits the partitions by how much they beat the baseline', () => {
    // 6 of 7 beat the baseline by at least 5 %; in S6 the baseline itself was chosen.
    expect(values(seriesOf(byId('beats-baseline'))[0]!)).toEqual([85.7, 0, 0, 14.3]);
    const lift = seriesOf(byId('lift-distribution'))[0]!;
    expect(total(lift)).toBe(6);
    // Every improvement here is well past the 5 % threshold, so every filled bar is green.
    const filled = lift.data.filter((d) => typeof d !== 'number' && d.value > 0);
    expect(filled.length).toBeGreaterThan(1);
    for (const d of filled) expect(typeof d === 'number' ? '' : d.itemStyle.color).toBe(COLORS.good);
  });

  it('counts chosen kinds and promotion outcomes, zeros included', () => {
    const kinds = (byId('chosen-kinds').option.xAxis as { data: string[] }).data;
    expect(kinds).toEqual([...CANDIDATES]);
    expect(values(seriesOf(byId('chosen-kinds'))[0]!)).toEqual(
      kinds.map((k) => ({ seasonal_naive: 1, ridge: 6 })[k] ?? 0),
    );
    expect(values(seriesOf(byId('outcomes'))[0]!)).toEqual([5, 1, 1, 2]);
    expect(values(seriesOf(byId('failed-rules'))[0]!)).toEqual([2]);
  });

  it('draws actual, chosen and baseline holdout forecasts for a charted partition', () => {
    const chart = byId('partition-0');
    expect(chart.partition?.key).toEqual(['S1', 'tropicana']);
    const series = (chart.option.series as { name: string; data: [string, number | null][] }[]).filter(
      (s) => !s.name.includes('interval'),
    );
    expect(series.map((s) => s.name)).toEqual([
      'actual (holdout)',
      'chosen: ridge',
      'baseline: seasonal_naive',
    ]);
    expect(series[0]!.data[0]![0]).toBe('2024-01-01');
    expect(series[1]!.data).toHaveLength(8);
    expect(chart.caption).toContain('Holdout WAPE 0.050 for ridge vs 0.200 for the seasonal_naive baseline');
  });

  it('draws each interval as a filled band from its lower to its upper bound, with a caption on its coverage', () => {
    const chart = byId('partition-0');
    type Line = {
      name: string;
      stack?: string;
      data: [string, number | null][];
      areaStyle?: { opacity: number };
    };
    const series = chart.option.series as Line[];
    const bands = series.filter((s) => s.name.includes('interval'));
    expect([...new Set(bands.map((s) => s.name))]).toEqual(['95 % interval', '80 % interval']);
    const [lower, width] = bands.filter((s) => s.name === '80 % interval');
    const chosen = data.charted[0]!.holdout.chosen;
    // The invisible lower bound carries the band's width stacked on it; only the width is filled.
    expect(lower!.stack).toBe(width!.stack);
    expect(lower!.areaStyle).toBeUndefined();
    expect(lower!.data[0]![1]).toBeCloseTo(chosen[0]! - 10);
    expect(width!.data[0]![1]).toBeCloseTo(20);
    expect(width!.areaStyle!.opacity).toBeGreaterThan(0);
    expect(chart.caption).toContain('Bands: 80 % and 95 % prediction intervals of the chosen model');
    expect(chart.caption).toContain('they covered 100 % (95 %) and 75 % (80 %) of this holdout');
    // A band fitted on one window is said to be no test of itself.
    expect(byId('partition-1').caption).toContain("rest on this holdout's own errors");
    expect(byId('partition-2').caption).not.toContain('Bands:');
  });

  it('renders a band as a filled area in the SVG', () => {
    const svg = renderChartSvg(byId('partition-0'));
    const filled = (svg.match(/<path [^>]*fill="#2f6fdd"[^>]*fill-opacity="0\.\d+"/g) ?? []).length;
    expect(filled).toBeGreaterThanOrEqual(2);
    const plain = renderChartSvg(byId('partition-2'));
    expect((plain.match(/<path [^>]*fill="#2f6fdd"[^>]*fill-opacity="0\.\d+"/g) ?? []).length).toBe(0);
  });

  it('says so when the chosen model is the baseline itself', () => {
    const s6 = charts.find((c) => c.partition?.key[0] === 'S6')!;
    expect((s6.option.series as { name: string }[]).map((s) => s.name)).toEqual([
      'actual (holdout)',
      'chosen: seasonal_naive (the baseline)',
    ]);
    expect(s6.caption).toContain('No candidate beat the seasonal_naive baseline');
  });

  it('leaves the promotion charts out when promotion has not run', async () => {
    const noDecisions = await load(signalSpecs(), false);
    const ids = buildCharts(noDecisions, summarize(noDecisions)).map((c) => c.id);
    expect(ids).not.toContain('outcomes');
    expect(ids).not.toContain('failed-rules');
  });

  it('shows pure noise as a pile just above zero on a fixed scale', async () => {
    const noise = await load(noiseSpecs(12));
    const s = summarize(noise);
    expect(s.liftShares.meaningful).toBe(0);
    const lift = buildCharts(noise, s).find((c) => c.id === 'lift-distribution')!;
    const labels = (lift.option.xAxis as { data: string[] }).data;
    expect(labels[0]).toBe('-20–-15');
    expect(labels.at(-1)).toBe('95–100');
    const counts = values(seriesOf(lift)[0]!);
    expect(counts[labels.indexOf('0–5')]).toBe(8);
  });

  it('renders each chart to an SVG of its size with drawn marks', () => {
    for (const chart of charts) {
      const svg = renderChartSvg(chart);
      expect(svg.startsWith(`<svg width="${chart.width}" height="${chart.height}"`)).toBe(true);
      expect((svg.match(/<path /g) ?? []).length).toBeGreaterThanOrEqual(4);
    }
  });
});

describe('binsFor', () => {
  it('grows with the sample, within bounds', () => {
    expect(binsFor(3)).toBe(5);
    expect(binsFor(100)).toBe(20);
    expect(binsFor(100_000)).toBe(24);
  });
});

afterAll(removeTempRoots);
