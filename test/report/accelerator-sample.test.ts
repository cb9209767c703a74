// Issue: on the accelerator's sample (uniform noise, no signal) the engine must not claim accuracy the data does
// not have. Trains the real sample end to end and reads the verdict the report gives a user.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.ts';
import { prepare } from '../../src/data/index.ts';
import { trainAndReadManifest } from '../../src/engine/run.ts';
import { evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { writeReport } from '../../src/report/write.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { sharedFixture } from '../support/shared-fixture.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const sample = sharedFixture('data/oj-sales-simulated-99.csv', 'the accelerator-sample test') ?? '';
const present = sample !== '';

describe.skipIf(!present)("the accelerator's noise-only sample", () => {
  it('reads as no better than the baseline, and the gate promotes no chance winner', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'mm-oj-'));
    const layout = lakeLayout(root);
    const config = loadConfig({ configPath: path.join(repo, 'configs/oj-sales.yaml') });
    await prepare(config, { outDir: layout.prepared });
    const run = await trainAndReadManifest({
      config,
      preparedDir: layout.prepared,
      runsDir: layout.runs,
    });
    expect(run.manifest.totals.ok).toBe(99);

    const decisions = await evaluateAndPromote({
      runDir: run.runDir,
      prod: new LocalModelRegistry({ root, stage: 'prod' }),
      rules: config.promotion,
      dryRun: false,
    });
    for (const d of decisions.decisions) {
      // Every promoted non-baseline model beat the baseline by the margin; everything else keeps the baseline.
      if (d.outcome === 'promote' && d.metrics.candidate !== d.metrics.baseline) {
        expect(d.metrics.candidate!).toBeLessThanOrEqual(
          d.metrics.baseline! * (1 - config.promotion.baselineMargin),
        );
      }
    }

    const report = await writeReport({ runDir: run.runDir, root });
    const html = readFileSync(report.path, 'utf8');
    expect(html).toContain(
      '<p class="verdict bad" id="verdict">Nothing beats the baseline (naive or historical mean) meaningfully',
    );
  });
});
