import type { ChartSpec } from './charts.ts';
import { formatDuration } from './dates.ts';
import { fmtCount, fmtNum, fmtPct } from './format.ts';
import type { Summary } from './summary.ts';
import type { ReportData } from './types.ts';

/**
 * The page around the charts. Every string that comes from data (run ids, partition keys, column names, error
 * messages) goes through `esc`: partition keys are hostile input. The page loads nothing: a Content Security
 * Policy forbids scripts and network, and the charts are inline SVG.
 */

// Control characters other than tab and newlines have no business in a page: show them as U+FFFD, not drop them.
const controlToReplacement = (c: string) => (c === '\t' || c === '\n' || c === '\r' ? c : '\uFFFD');

export function esc(text: unknown): string {
  return String(text)
    .replace(/\p{Cc}/gu, controlToReplacement)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Key values are isolated with <bdi> so a right-to-left override in one value cannot reorder the rest. */
export function keyHtml(partitionBy: readonly string[], key: readonly string[]): string {
  return key.map((v, i) => `${esc(partitionBy[i] ?? `k${i}`)}=<bdi>${esc(v)}</bdi>`).join(' · ');
}

const CSS = `
:root { color-scheme: light; --ink: #202124; --muted: #5f6368; --line: #dadce0; --good: #1e8e3e; --weak: #f9ab00; --bad: #d93025; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 Arial, 'Liberation Sans', Helvetica, sans-serif; color: var(--ink); background: #f8f9fa; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 10px; } h3 { font-size: 14px; margin: 0 0 2px; }
.meta { color: var(--muted); margin: 0; font-size: 12px; word-break: break-all; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; min-width: 170px; }
.tile .label { color: var(--muted); font-size: 12px; } .tile .value { font-size: 20px; font-weight: bold; } .tile .sub { font-size: 12px; color: var(--muted); }
.verdict { margin-top: 16px; padding: 10px 14px; border-radius: 8px; border-left: 6px solid; background: #fff; }
.verdict.good { border-color: var(--good); } .verdict.mixed { border-color: var(--weak); } .verdict.bad { border-color: var(--bad); }
.warnings { margin-top: 12px; color: #8a4b00; background: #fff8e1; border-radius: 8px; padding: 8px 14px 8px 30px; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12px; max-width: 560px; margin-top: 6px; }
figure.wide figcaption { max-width: none; }
.key { font-weight: normal; } code { font-size: 11px; color: var(--muted); }
ul.reasons { margin: 4px 0 0; padding-left: 18px; font-size: 12px; color: var(--muted); }
.note { color: var(--muted); }
table { border-collapse: collapse; background: #fff; font-size: 12px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.msg { max-width: 720px; word-break: break-word; }
`;

function tile(label: string, value: string, sub = ''): string {
  return `<div class="tile"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${sub ? `<div class="sub">${esc(sub)}</div>` : ''}</div>`;
}

/** The one-sentence answer to "is this better than naive?", worded so a noise run cannot read as a success. */
export function verdict(s: Summary): { tone: 'good' | 'mixed' | 'bad'; text: string } {
  const t = fmtPct(s.meaningfulLift);
  if (s.compared === 0)
    return { tone: 'bad', text: 'No partition has both a model and a baseline score on the holdout.' };
  const lift = `median improvement over the baseline ${fmtNum(s.medianLift * 100, 1)} %`;
  const share = `${fmtPct(s.liftShares.meaningful)} of partitions improve on it by at least ${t}`;
  // The median decides: on a short holdout, picking the best of several candidates makes some partitions "win"
  // by chance even on pure noise, so a share of winners alone is no evidence of skill.
  if (s.liftShares.meaningful < 0.2 || s.medianLift < s.meaningfulLift) {
    return {
      tone: 'bad',
      text: `Nothing beats the baseline (naive or historical mean) meaningfully: only ${share}; ${lift}. Treat these forecasts as no better than the baseline.`,
    };
  }
  if (s.liftShares.meaningful >= 0.5 && s.medianLift >= s.meaningfulLift) {
    return {
      tone: 'good',
      text: `The models beat the baseline (the better of naive and the historical mean): ${share}; ${lift}.`,
    };
  }
  return { tone: 'mixed', text: `Mixed: ${share}; ${lift}.` };
}

function figure(spec: ChartSpec, svg: string, data: ReportData): string {
  const p = spec.partition;
  const heading = p
    ? `<h3>${esc(spec.title)}: <span class="key">${keyHtml(data.manifest.partitionBy, p.key)}</span> <code>${esc(p.name)}</code></h3>`
    : `<h3>${esc(spec.title)}</h3>`;
  const reasons = p?.decision?.reasons.length
    ? `<ul class="reasons">${p.decision.reasons.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>`
    : '';
  return `<figure class="chart${p ? ' wide' : ''}" id="${esc(spec.id)}" data-chart="${esc(spec.id)}">${heading}${svg}<figcaption>${esc(spec.caption)}</figcaption>${reasons}</figure>`;
}

function problemsTable(data: ReportData, limit = 50): string {
  if (data.problems.length === 0) return '<p class="note">Every partition trained.</p>';
  const rows = data.problems
    .slice(0, limit)
    .map((p) => {
      const msg = p.message.length > 400 ? `${p.message.slice(0, 400)}…` : p.message;
      return `<tr><td>${esc(p.status)}</td><td>${keyHtml(data.manifest.partitionBy, p.key)}</td><td class="msg">${esc(msg)}</td></tr>`;
    })
    .join('');
  const more =
    data.problems.length > limit
      ? `<p class="note">… and ${data.problems.length - limit} more in manifest.json.</p>`
      : '';
  return `<table><thead><tr><th>status</th><th>partition</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>${more}`;
}

export function renderPage(
  data: ReportData,
  s: Summary,
  charts: readonly { spec: ChartSpec; svg: string }[],
): string {
  const m = data.manifest;
  const v = verdict(s);
  const section = (ids: (id: string) => boolean) =>
    charts
      .filter((c) => ids(c.spec.id))
      .map((c) => figure(c.spec, c.svg, data))
      .join('\n');
  const accuracy = section(
    (id) => !id.startsWith('partition-') && id !== 'outcomes' && id !== 'failed-rules',
  );
  const promotion = data.decisions
    ? `<p class="note">Rules version ${esc(data.decisions.rulesVersion)}, decided ${esc(data.decisions.decidedAt)}${data.decisions.dryRun ? ' (dry run: nothing was registered in prod)' : ''}.</p><div class="grid">${section((id) => id === 'outcomes' || id === 'failed-rules')}</div>`
    : '<p class="note">evaluate-and-promote has not run for this run yet: no decisions.json.</p>';
  const partitions = section((id) => id.startsWith('partition-'));
  const sourcesNote = [
    data.sources.history ? '' : 'no history from the prepared lake',
    data.sources.predictions ? '' : 'no scored future forecasts',
  ].filter(Boolean);
  const warnings = data.warnings.length
    ? `<ul class="warnings">${data.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`
    : '';
  const promoted = s.outcomes ? fmtCount(s.outcomes.promote) : 'n/a';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>many-models run ${esc(data.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>many-models run <bdi>${esc(data.runId)}</bdi></h1>
<p class="meta">started ${esc(m.startedAt)} · finished ${esc(m.finishedAt)} · code ${esc(m.codeVersion)} · data ${esc(m.dataFingerprint)}${m.shard ? ` · shard ${m.shard.index}/${m.shard.count}` : ''} · partitioned by ${esc(m.partitionBy.join(', '))} · report generated ${esc(data.generatedAt)}</p>
</header>
<section class="tiles" id="summary">
${tile('Partitions', fmtCount(s.partitions), `${fmtCount(s.totals.ok)} ok · ${fmtCount(s.totals.failed)} failed · ${fmtCount(s.totals.skipped)} skipped`)}
${tile('Median WAPE', fmtNum(s.medianWape.model), `baseline ${fmtNum(s.medianWape.baseline)}`)}
${tile('Median MASE', fmtNum(s.medianMase.model), `baseline ${fmtNum(s.medianMase.baseline)}`)}
${tile(`Beats baseline by ≥ ${fmtPct(s.meaningfulLift)}`, fmtPct(s.liftShares.meaningful), `by any margin: ${fmtPct(s.beatShare)}`)}
${tile('Promoted', promoted, s.outcomes ? `of ${fmtCount(s.partitions)} decided` : 'promotion has not run')}
${tile('Duration', formatDuration(s.durationMs), `run ${data.runId}`)}
</section>
<p class="verdict ${v.tone}" id="verdict">${esc(v.text)}</p>
${warnings}
<h2>Accuracy next to the baseline (naive or historical mean)</h2>
<div class="grid">${accuracy}</div>
<h2>Promotion</h2>
${promotion}
<h2>Forecast vs actual</h2>
${sourcesNote.length ? `<p class="note">Drawn with ${esc(sourcesNote.join(' and '))}.</p>` : ''}
${partitions ? `<div class="grid">${partitions}</div>` : '<p class="note">No partition has a model to draw.</p>'}
<h2>Failed and skipped partitions</h2>
${problemsTable(data)}
</body>
</html>
`;
}
