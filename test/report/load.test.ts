import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelName } from '../../src/core/model-name.ts';
import { loadReportData } from '../../src/report/load.ts';
import { ReportInputError } from '../../src/report/schemas.ts';
import {
  HOLDOUT,
  HOSTILE_KEY,
  type RunFixture,
  removeTempRoots,
  signalSpecs,
  TARGET,
  TIME,
  tempRoot,
  writePredictions,
  writePrepared,
  writeRun,
} from './fixtures.ts';

describe('loadReportData', () => {
  let run: RunFixture;

  beforeAll(async () => {
    const root = tempRoot();
    const specs = signalSpecs();
    run = writeRun(root, 'run-1', specs);
    await writePrepared(
      root,
      specs.map((s) => s.key),
    );
    await writePredictions(
      root,
      specs.map((s) => s.key),
    );
  });

  it('counts partitions by status and compares each trained one with its baseline', async () => {
    const data = await loadReportData({ runDir: run.runDir, root: run.root });
    expect(data.runId).toBe('run-1');
    expect(data.totals).toEqual({ ok: 7, failed: 1, skipped: 1 });
    expect(data.comparisons).toHaveLength(7);
    const s1 = data.comparisons.find((c) => c.key[0] === 'S1')!;
    expect(s1.model.wape).toBeCloseTo(0.05);
    expect(s1.base.wape).toBeCloseTo(0.2);
    expect(data.problems.map((p) => [p.status, p.message])).toEqual([
      ['failed', 'ValidationError: target has 3 negative values in S8/failed'],
      ['skipped', '10 observed periods; needs at least 16'],
    ]);
    expect(data.warnings).toEqual([]);
  });

  it('charts the best and the worst with holdout, history and the newest scored future', async () => {
    const data = await loadReportData({ runDir: run.runDir, root: run.root, best: 2, worst: 2 });
    expect(data.charted.map((c) => [c.key[0], c.role])).toEqual([
      ['S1', 'best'],
      ['S2', 'best'],
      [HOSTILE_KEY[0], 'worst'],
      ['S6', 'worst'],
    ]);
    const best = data.charted[0]!;
    expect(best.holdout.dates).toHaveLength(HOLDOUT);
    expect(best.holdout.dates[0]).toBe('2024-01-01');
    expect(best.holdout.dates[7]).toBe('2024-02-19');
    expect(best.holdout.chosen[0]).toBeCloseTo(best.holdout.actual[0]! * 1.05);
    expect(best.decision?.outcome).toBe('promote');
    // History stops before the holdout, and the hostile key is matched as data, not SQL.
    expect(data.sources).toEqual({ history: true, predictions: true });
    for (const c of data.charted) {
      expect(c.history?.dates).toHaveLength(52);
      expect(c.history?.dates.at(-1)).toBe('2023-12-25');
      // The newer of two scorings wins; the writer's temp file is not read.
      expect(c.future?.values).toEqual([120, 121, 122, 123, 124, 125, 126, 127]);
      expect(c.future?.dates[0]).toBe('2024-02-26');
    }
  });

  it("draws the chosen model's intervals around its holdout forecast, widest first, with their honest coverage", async () => {
    const data = await loadReportData({ runDir: run.runDir, root: run.root, best: 2, worst: 2 });
    const [s1, s2, hostile] = data.charted;
    // S1: raw scale, half-widths 10 (80 %) and 20 (95 %), checked out of sample on the holdout.
    expect(s1!.holdout.bands.map((b) => b.level)).toEqual([0.95, 0.8]);
    expect(s1!.holdout.bands[1]!.lower[0]).toBeCloseTo(s1!.holdout.chosen[0]! - 10);
    expect(s1!.holdout.bands[0]!.upper[3]).toBeCloseTo(s1!.holdout.chosen[3]! + 20);
    expect(s1!.holdout.coverage).toEqual([1, 0.75]);
    // S2: log1p scale, so the band is multiplicative around the forecast; one window, so no honest coverage.
    const f = s2!.holdout.chosen[0]!;
    expect(s2!.holdout.bands[1]!.upper[0]).toBeCloseTo(Math.expm1(Math.log1p(f) + 0.1));
    expect(s2!.holdout.bands[1]!.lower[0]).toBeCloseTo(Math.expm1(Math.log1p(f) - 0.1));
    expect(s2!.holdout.coverage).toBeNull();
    // An artifact trained without intervals has no band.
    expect(hostile!.holdout.bands).toEqual([]);
  });

  it('reads the scored intervals as bands around the future forecast, widest first', async () => {
    const data = await loadReportData({ runDir: run.runDir, root: run.root, best: 1, worst: 0 });
    const future = data.charted[0]!.future!;
    expect(future.bands?.map((b) => b.level)).toEqual([0.95, 0.8]);
    expect(future.bands?.[0]?.lower).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    expect(future.bands?.[1]?.upper).toEqual([130, 131, 132, 133, 134, 135, 136, 137]);
  });

  it('charts requested partitions first and says which requests it could not honour', async () => {
    const wanted = modelName(['S4', 'tropicana']);
    const data = await loadReportData({
      runDir: run.runDir,
      root: run.root,
      best: 0,
      worst: 0,
      partitions: [wanted, modelName(['S8', 'failed'])],
    });
    expect(data.charted.map((c) => [c.name, c.role])).toEqual([[wanted, 'requested']]);
    expect(data.warnings).toEqual([
      `partition '${modelName(['S8', 'failed'])}' was asked for but has no trained model in this run.`,
    ]);
  });

  it('draws without history or future when the lake has neither', async () => {
    const root = tempRoot();
    const bare = writeRun(root, 'bare', signalSpecs(), { decisions: false });
    const data = await loadReportData({ runDir: bare.runDir, root });
    expect(data.decisions).toBeNull();
    expect(data.sources).toEqual({ history: false, predictions: false });
    expect(data.charted.every((c) => c.history === null && c.future === null)).toBe(true);
  });

  it('uses the configured column names when meta.json does not give them', async () => {
    const root = tempRoot();
    const specs = signalSpecs();
    const r = writeRun(root, 'cols', specs);
    await writePrepared(
      root,
      specs.map((s) => s.key),
    );
    writeFileSync(path.join(root, 'prepared', 'meta.json'), '{}');
    const without = await loadReportData({ runDir: r.runDir, root });
    expect(without.sources.history).toBe(false);
    expect(without.warnings).toContain(
      'history is not drawn: prepared/meta.json does not name the time and target columns.',
    );
    const withCols = await loadReportData({
      runDir: r.runDir,
      root,
      columns: { time: TIME, target: TARGET },
    });
    expect(withCols.sources.history).toBe(true);
    expect(withCols.charted[0]!.history?.values).toHaveLength(52);
  });

  it('skips a partition whose artifact is missing and says so', async () => {
    const root = tempRoot();
    const specs = signalSpecs();
    specs[0] = { ...specs[0]!, noArtifact: true };
    const r = writeRun(root, 'lost', specs);
    const data = await loadReportData({ runDir: r.runDir, root, best: 1, worst: 0 });
    expect(data.charted).toEqual([]);
    expect(data.warnings[0]).toMatch(/^partition 'mm-s1-tropicana-[0-9a-f]{12}' is not charted: .*ENOENT/);
  });

  it('warns when baselines had to be inferred from an older manifest', async () => {
    const root = tempRoot();
    const specs = signalSpecs().map((s) => ({ ...s, omitBaseline: true }));
    const r = writeRun(root, 'old', specs);
    const data = await loadReportData({ runDir: r.runDir, root, best: 0, worst: 0 });
    expect(data.comparisons.every((c) => c.baseline === 'seasonal_naive' && c.baselineInferred)).toBe(true);
    expect(data.warnings[0]).toMatch(/does not record the baseline of 7 partition\(s\)/);
  });
});

describe('loadReportData on bad input', () => {
  const errorOf = async (fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      return error as ReportInputError;
    }
    throw new Error('expected an error');
  };

  it('names the missing manifest', async () => {
    const root = tempRoot();
    const error = await errorOf(() => loadReportData({ runDir: path.join(root, 'runs', 'nope'), root }));
    expect(error).toBeInstanceOf(ReportInputError);
    expect(error.message).toContain(path.join(root, 'runs', 'nope', 'manifest.json'));
    expect(error.message).toContain('has the train stage finished this run?');
  });

  it('names the file and the key of a malformed manifest', async () => {
    const root = tempRoot();
    const r = writeRun(root, 'bad', signalSpecs());
    const file = path.join(r.runDir, 'manifest.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, runId: 'bad', partitions: [{ name: 1 }] }));
    const error = await errorOf(() => loadReportData({ runDir: r.runDir, root }));
    expect(error.message).toContain(`cannot build the report from ${file}`);
    expect(error.message).toContain('partitions.0.name');
    writeFileSync(file, '{ not json');
    expect((await errorOf(() => loadReportData({ runDir: r.runDir, root }))).message).toContain(
      'not valid JSON',
    );
  });

  it('names a malformed decisions file, and refuses one that belongs to another run', async () => {
    const root = tempRoot();
    const r = writeRun(root, 'mine', signalSpecs());
    const other = writeRun(root, 'other', signalSpecs());
    const file = path.join(r.runDir, 'decisions.json');
    writeFileSync(file, '{}');
    const malformed = await errorOf(() => loadReportData({ runDir: r.runDir, root }));
    expect(malformed.message).toContain(`cannot build the report from ${file}`);
    expect(malformed.message).toContain('decisions:');
    writeFileSync(file, readFileSync(path.join(other.runDir, 'decisions.json')));
    const error = await errorOf(() => loadReportData({ runDir: r.runDir, root }));
    expect(error.message).toContain("runId 'other' is not this run's 'mine'");
  });
});

afterAll(removeTempRoots);
