import type { DecisionRecord, DecisionsFile } from './decision-record.ts';

const OUTCOMES: DecisionRecord['outcome'][] = ['promote', 'promote-baseline', 'keep-champion', 'not-trained'];

const fmt = (v: number | null) => (v === null ? '-' : Number.isFinite(v) ? v.toFixed(4) : String(v));

function describe(d: DecisionRecord): string {
  const served = d.outcome === 'promote-baseline' ? 'baseline stand-in' : d.candidateKind;
  const metrics = `${d.metricName} ${fmt(d.metrics.candidate)} vs baseline ${fmt(d.metrics.baseline)}`;
  const champion = d.metrics.champion === null ? '' : `, champion ${fmt(d.metrics.champion)}`;
  return `${d.outcome.padEnd(16)} ${d.name} [${d.key.join(', ')}] ${served}: ${metrics}${champion}`;
}

/**
 * The few lines `mm evaluate-and-promote` prints: counts per outcome, what changed in prod (or, in a dry run,
 * what would), and where the decisions went. Keeping the champion is the gate working, not an error.
 */
export function formatSummary(
  file: DecisionsFile,
  options: { decisionsFile?: string; maxLines?: number } = {},
) {
  const lines: string[] = [];
  lines.push(
    `evaluate-and-promote${file.dryRun ? ' (dry run)' : ''}: run ${file.runId}, rules v${file.rulesVersion}, ` +
      `${file.decisions.length} partitions`,
  );
  lines.push(`  ${OUTCOMES.map((o) => `${o} ${file.totals[o]}`).join(' | ')}`);
  const changed = file.decisions.filter((d) => d.newVersion);
  const unchanged = file.decisions.filter((d) => !d.newVersion && d.prodVersion !== null).length;
  if (file.dryRun) {
    lines.push(
      `  would register ${changed.length} new prod version(s); ${unchanged} already in prod from this run`,
    );
    const max = options.maxLines ?? 50;
    for (const d of changed.slice(0, max)) lines.push(`    ${describe(d)}`);
    if (changed.length > max) lines.push(`    ... and ${changed.length - max} more`);
    lines.push('  dry run: nothing was registered or written');
  } else {
    lines.push(
      `  registered ${changed.length} new prod version(s); ${unchanged} already in prod from this run`,
    );
  }
  if (options.decisionsFile) lines.push(`  decisions: ${options.decisionsFile}`);
  return `${lines.join('\n')}\n`;
}
