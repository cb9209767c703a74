import type { EChartsOption } from 'echarts';
import type { ChartedPartition } from './types.ts';

/** What every report chart shares: its spec, the two colours of model and baseline, the font, sizes and frame. */

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

export const SMALL = { width: 560, height: 300 } as const;
export const WIDE = { width: 1140, height: 320 } as const;

export const base = (): EChartsOption => ({
  animation: false,
  backgroundColor: '#ffffff',
  // ECharts measures text on the server with Arial-like widths; Liberation Sans (Debian's Arial) matches them.
  textStyle: { fontFamily: FONT },
  grid: { left: 56, right: 20, top: 36, bottom: 56, containLabel: false },
});
