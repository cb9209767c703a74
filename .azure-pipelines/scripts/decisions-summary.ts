// The Markdown summary an ML pipeline run shows for evaluate-and-promote: outcome counts, how the candidates
// compare with the baseline, and why partitions were not promoted. Pure: parse and render, no I/O.
import {
  DECISION_OUTCOMES,
  type DecisionRecord,
  type DecisionsFile,
  decisionsFileSchema,
} from '../../src/contracts/decisions.ts';

export const OUTCOMES = DECISION_OUTCOMES;

const OUTCOME_LABELS: Record<(typeof OUTCOMES)[number], string> = {
  promote: 'promoted',
  'keep-champion': 'champion kept',
  'promote-baseline': 'baseline promoted as a stand-in',
  'not-trained': 'not trained',
};

/** Partitions listed with their reasons; the rest are counted and stay in decisions.json. */
export const MAX_LISTED = 25;

export class DecisionsFileError extends Error {
  override readonly name = 'ValidationError';
}

/** Parses decisions.json; a broken file fails with what is wrong and where, never a stack trace. */
export function parseDecisionsFile(text: string, source: string): DecisionsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DecisionsFileError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
  const result = decisionsFileSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new DecisionsFileError(
      `${source} is not a decisions file:\n  - ${issues.slice(0, 10).join('\n  - ')}`,
    );
  }
  const file: DecisionsFile = result.data;
  const counted = countOutcomes(file.decisions);
  for (const outcome of OUTCOMES) {
    if ((file.totals[outcome] ?? 0) !== counted[outcome]) {
      throw new DecisionsFileError(
        `${source}: totals.${outcome} is ${file.totals[outcome] ?? 0} but ${counted[outcome]} decisions have that outcome`,
      );
    }
  }
  return file;
}

export function countOutcomes(decisions: readonly Pick<DecisionRecord, 'outcome'>[]) {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>;
  for (const d of decisions) counts[d.outcome] += 1;
  return counts;
}

/**
 * Partition keys are data, so hostile: HTML is escaped (the summary is rendered as HTML), Markdown syntax is
 * neutralised, line breaks flattened, and very long keys shortened.
 */
export function escapeCell(text: string, maxLength = 80): string {
  const flat = text.replace(/\p{Cc}+/gu, ' ');
  const short = flat.length > maxLength ? `${flat.slice(0, maxLength - 1)}…` : flat;
  return short
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/([\\`*_[\]|#~])/g, '\\$1');
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : value.toFixed(4));
const pct = (part: number, whole: number) => (whole === 0 ? '—' : `${((100 * part) / whole).toFixed(1)} %`);

export function renderDecisionsSummary(file: DecisionsFile): string {
  const { decisions } = file;
  const counts = countOutcomes(decisions);
  const metricName = decisions[0]?.metricName ?? 'metric';
  const lines = [
    `### Promotion decisions of run ${escapeCell(file.runId)}${file.dryRun ? ' (dry run: nothing was promoted)' : ''}`,
    '',
    `Rules version ${escapeCell(file.rulesVersion)}, metric ${escapeCell(metricName)}, decided ${escapeCell(file.decidedAt)}: ${decisions.length} partitions.`,
    '',
    '| outcome | partitions | share |',
    '| --- | ---: | ---: |',
    ...OUTCOMES.map((o) => `| ${OUTCOME_LABELS[o]} | ${counts[o]} | ${pct(counts[o], decisions.length)} |`),
    '',
  ];

  const scored = decisions.filter((d) => d.metrics.candidate !== null && d.metrics.baseline !== null);
  if (scored.length > 0) {
    const beats = scored.filter((d) => d.metrics.candidate! < d.metrics.baseline!).length;
    lines.push(
      `Median ${escapeCell(metricName)} over ${scored.length} trained partitions: candidate ${fmt(median(scored.map((d) => d.metrics.candidate!)))}, ` +
        `baseline ${fmt(median(scored.map((d) => d.metrics.baseline!)))}. ` +
        `The candidate beats the baseline in ${beats} of ${scored.length} (${pct(beats, scored.length)}).`,
      '',
    );
  }

  const notPromoted = decisions
    .filter((d) => d.outcome !== 'promote')
    .sort(
      (a, b) => OUTCOMES.indexOf(b.outcome) - OUTCOMES.indexOf(a.outcome) || a.name.localeCompare(b.name),
    );
  if (notPromoted.length > 0) {
    const listed = notPromoted.slice(0, MAX_LISTED);
    lines.push(
      `#### Not promoted (${listed.length} of ${notPromoted.length} listed; all are in decisions.json)`,
      '',
      `| partition | outcome | candidate | baseline | champion | why |`,
      '| --- | --- | ---: | ---: | ---: | --- |',
      ...listed.map(
        (d) =>
          `| ${escapeCell(d.key.join(' / '))} | ${OUTCOME_LABELS[d.outcome]} | ${fmt(d.metrics.candidate)} | ` +
          `${fmt(d.metrics.baseline)} | ${fmt(d.metrics.champion)} | ${escapeCell(d.reasons.join('; '), 200)} |`,
      ),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}
