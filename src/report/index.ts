/** The HTML run report: load a run folder, build charts, render them to inline SVG, write one page. */
export { buildCharts, type ChartSpec, partitionChart } from './charts.ts';
export { esc, renderPage, verdict } from './html.ts';
export { type LoadReportOptions, loadReportData } from './load.ts';
export { renderChartSvg } from './render.ts';
export { ReportInputError } from './schemas.ts';
export { type Summary, summarize } from './summary.ts';
export type { ChartedPartition, Comparison, ReportData } from './types.ts';
export { buildReportHtml, type WriteReportOptions, type WriteReportResult, writeReport } from './write.ts';
