import path from 'node:path';
import { lakeLayout } from '../storage/layout.ts';
import { writeFileAtomic } from '../util/atomic.ts';
import { buildCharts } from './charts.ts';
import { renderPage } from './html.ts';
import { type LoadReportOptions, loadReportData } from './load.ts';
import { renderChartSvg } from './render.ts';
import { ReportInputError } from './schemas.ts';
import { summarize } from './summary.ts';
import type { ReportData } from './types.ts';

export interface WriteReportOptions extends LoadReportOptions {
  /** Output file; defaults to `lakeLayout(root).reports/<runId>.html`. */
  out?: string;
}

export interface WriteReportResult {
  path: string;
  /** What the page could not show, also listed on the page itself. */
  warnings: string[];
  charts: number;
  bytes: number;
}

/** Turns report data into the finished HTML page (pure apart from ECharts' rendering). */
export function buildReportHtml(data: ReportData): { html: string; charts: number } {
  const summary = summarize(data);
  const specs = buildCharts(data, summary);
  const rendered = specs.map((spec) => ({ spec, svg: renderChartSvg(spec) }));
  return { html: renderPage(data, summary, rendered), charts: rendered.length };
}

/**
 * `mm report`: reads a run folder and writes a self-contained HTML page for it. Written atomically, so a
 * crash leaves the previous report (or none), never half a page.
 */
export async function writeReport(options: WriteReportOptions): Promise<WriteReportResult> {
  const data = await loadReportData(options);
  // The run id becomes a file name: refuse one that would leave the reports folder.
  if (!options.out && (data.runId !== path.basename(data.runId) || data.runId.startsWith('.'))) {
    throw new ReportInputError(path.join(data.runDir, 'manifest.json'), [
      `runId '${data.runId}' cannot be used as a file name; pass an explicit output path`,
    ]);
  }
  const file = path.resolve(options.out ?? path.join(lakeLayout(options.root).reports, `${data.runId}.html`));
  const { html, charts } = buildReportHtml(data);
  await writeFileAtomic(file, html);
  return { path: file, warnings: data.warnings, charts, bytes: Buffer.byteLength(html) };
}
