import { describe, expect, it } from 'vitest';
import {
  escapeCell,
  MAX_LISTED,
  parseDecisionsFile,
  renderDecisionsSummary,
} from '../../.azure-pipelines/scripts/decisions-summary.ts';
import { decision, decisionsFile } from './fixtures.ts';

const sample = decisionsFile([
  decision('s1', 'promote', { candidate: 0.1, baseline: 0.2 }),
  decision('s2', 'promote', { candidate: 0.2, baseline: 0.3 }),
  decision('s3', 'keep-champion', { candidate: 0.3, baseline: 0.25, champion: 0.22 }),
  decision('s4', 'promote-baseline', { candidate: 0.5, baseline: 0.4 }),
  decision('s5', 'not-trained'),
]);

describe('the decisions summary on the run', () => {
  const md = renderDecisionsSummary(sample);

  it('counts each outcome with its share', () => {
    expect(md).toContain('### Promotion decisions of run ado-1042\n');
    expect(md).toContain('| promoted | 2 | 40.0 % |');
    expect(md).toContain('| champion kept | 1 | 20.0 % |');
    expect(md).toContain('| baseline promoted as a stand-in | 1 | 20.0 % |');
    expect(md).toContain('| not trained | 1 | 20.0 % |');
  });

  it('sets the candidates against the baseline on the same holdout', () => {
    // candidates 0.1, 0.2, 0.3, 0.5 -> median 0.25; baselines 0.2, 0.3, 0.25, 0.4 -> median 0.275
    expect(md).toContain('Median wape over 4 trained partitions: candidate 0.2500, baseline 0.2750.');
    expect(md).toContain('The candidate beats the baseline in 2 of 4 (50.0 %).');
  });

  it('lists the partitions that were not promoted, the most serious first, with the reasons', () => {
    const rows = md.split('\n').filter((l) => /^\| s\d /.test(l));
    expect(rows).toEqual([
      '| s5 / brand | not trained | — | — | — | partition failed validation: too short for the holdout |',
      '| s4 / brand | baseline promoted as a stand-in | 0.5000 | 0.4000 | — | candidate wape 0.3000 does not beat baseline wape 0.2500 |',
      '| s3 / brand | champion kept | 0.3000 | 0.2500 | 0.2200 | candidate wape 0.3000 does not beat baseline wape 0.2500 |',
    ]);
  });

  it(`lists at most ${MAX_LISTED} partitions and points to decisions.json for the rest`, () => {
    const many = decisionsFile(
      Array.from({ length: 40 }, (_, i) => decision(`k${String(i).padStart(2, '0')}`, 'keep-champion')),
    );
    const text = renderDecisionsSummary(many);
    expect(text).toContain(`#### Not promoted (${MAX_LISTED} of 40 listed; all are in decisions.json)`);
    expect(text.split('\n').filter((l) => l.startsWith('| k')).length).toBe(MAX_LISTED);
  });

  it('says so when the run was a dry run', () => {
    expect(renderDecisionsSummary(decisionsFile([decision('a', 'promote')], { dryRun: true }))).toContain(
      '(dry run: nothing was promoted)',
    );
  });

  it('renders hostile partition keys as text: no markup, no broken table', () => {
    const key = ['<script>alert("x")</script>', 'a|b', '`code`\n## heading', 'x'.repeat(1024)];
    const text = renderDecisionsSummary(decisionsFile([decision('evil', 'keep-champion', {}, key)]));
    const row = text.split('\n').find((l) => l.includes('alert'))!;
    expect(text).not.toContain('<script>');
    expect(row).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(row).toContain('a\\|b');
    expect(row).not.toContain('\n');
    // Unescaped pipes delimit exactly the six columns.
    expect(row.split(/(?<!\\)\|/).length).toBe(8);
    expect(escapeCell('x'.repeat(1024))).toHaveLength(80);
  });
});

describe('reading decisions.json', () => {
  it('accepts what evaluate-and-promote writes', () => {
    expect(parseDecisionsFile(JSON.stringify(sample), 'runs/ado-1042/decisions.json').decisions).toHaveLength(
      5,
    );
  });

  it('names the file when it is not JSON', () => {
    expect(() => parseDecisionsFile('{"schemaVersion":', 'runs/x/decisions.json')).toThrow(
      /^runs\/x\/decisions\.json is not valid JSON/,
    );
  });

  it('names the field that is wrong', () => {
    const wrong = {
      ...sample,
      schemaVersion: 2,
      decisions: [{ ...sample.decisions[0], outcome: 'promoted' }],
    };
    expect(() => parseDecisionsFile(JSON.stringify(wrong), 'd.json')).toThrow(
      /d\.json is not a decisions file:\n {2}- schemaVersion: .*\n {2}- decisions\.0\.outcome: /,
    );
  });

  it('refuses totals that disagree with the decisions', () => {
    const lying = { ...sample, totals: { ...sample.totals, promote: 5 } };
    expect(() => parseDecisionsFile(JSON.stringify(lying), 'd.json')).toThrow(
      'd.json: totals.promote is 5 but 2 decisions have that outcome',
    );
  });
});
