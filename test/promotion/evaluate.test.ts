import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import { modelName } from '../../src/core/model-name.ts';
import { decisionsPath, evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { PromotionInputError } from '../../src/promotion/run-input.ts';
import { TAG, verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import type { ModelVersion } from '../../src/registry/types.ts';
import { FORECAST, type RunSpec, writeRun } from './fixtures.ts';

const rules = promotionSchema.parse({});
let root: string;
let prod: LocalModelRegistry;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-promote-'));
  prod = new LocalModelRegistry({ root, stage: 'prod' });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );
const at = (n: number) => () => new Date(Date.UTC(2024, 0, n));

async function prodModels(): Promise<Map<string, ModelVersion>> {
  const out = new Map<string, ModelVersion>();
  for await (const v of prod.list()) out.set(v.name, v);
  return out;
}

const run1: RunSpec = {
  runId: 'run-1',
  partitions: [
    { key: ['1', 'a'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair } },
    { key: ['2', 'b'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful }, chosen: 'ridge' },
    { key: ['3', 'c'], status: 'failed' },
    { key: ['4', 'd'], status: 'skipped' },
    { key: ['5', 'e'], observations: 10 },
    { key: ['6', 'f'], candidates: { seasonal_naive: FORECAST.poor } },
    { key: ['7', 'g'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair } },
    { key: ['8', 'h'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.good } },
  ],
};

describe('evaluateAndPromote', () => {
  it('promotes exactly the models that pass the rules, a tagged fallback where prod has none, and records every partition', async () => {
    const runDir = await writeRun(root, run1);
    const file = await evaluateAndPromote({ runDir, prod, rules, dryRun: false, now: at(1) });
    const outcome = Object.fromEntries(file.decisions.map((d) => [d.key.join('/'), d.outcome]));
    expect(outcome).toEqual({
      '1/a': 'promote',
      '2/b': 'promote-baseline',
      '3/c': 'not-trained',
      '4/d': 'not-trained',
      '5/e': 'promote-baseline',
      '6/f': 'promote',
      '7/g': 'promote',
      '8/h': 'promote',
    });
    expect(file.totals).toEqual({ promote: 4, 'promote-baseline': 2, 'keep-champion': 0, 'not-trained': 2 });
    const byKey = (k: string) => file.decisions.find((d) => d.key.join('/') === k)!;
    expect(byKey('2/b').reasons).toEqual([
      'beats-baseline failed: wape 0.1500 (ridge) vs baseline 0.1000 (seasonal_naive) needing <= 0.0950 (margin 0.05)',
    ]);
    expect(byKey('5/e').reasons).toEqual(['min-history failed: history 10 observations, minimum 26']);
    expect(byKey('3/c').reasons).toEqual(['training failed: ValidationError: target has 3 negative values']);
    expect(byKey('4/d').reasons).toEqual(['skipped: series too short for the holdout']);

    // Prod holds a model exactly where the decision promoted one, and each passes the policy pack's check.
    const models = await prodModels();
    for (const d of file.decisions) {
      const promoted = d.outcome === 'promote' || d.outcome === 'promote-baseline';
      expect(models.has(d.name)).toBe(promoted);
      expect(d.prodVersion).toBe(promoted ? 1 : null);
      expect(d.newVersion).toBe(promoted);
      if (d.outcome === 'promote') expect(d.checks.every((c) => c.passed)).toBe(true);
    }
    for (const version of models.values()) {
      expect(verifyPromotionTags(version.tags, rules)).toMatchObject({ allowed: true, violations: [] });
    }

    const good = models.get(modelName(['1', 'a']))!;
    expect(good.tags).toMatchObject({
      'mm.run.id': 'run-1',
      'mm.stage': 'prod',
      'mm.code.version': 'code-1',
      'mm.data.fingerprint': 'data-1',
      'mm.key.Store': '1',
      'mm.key.Brand': 'a',
      'mm.promoted.at': '2024-01-01T00:00:00.000Z',
      'mm.kind': 'ridge',
      [TAG.role]: 'candidate',
      [TAG.outcome]: 'promote',
    });
    const standIn = await prod.load(modelName(['2', 'b']));
    expect(standIn?.version.tags).toMatchObject({ [TAG.role]: 'baseline', 'mm.kind': 'seasonal_naive' });
    expect(standIn?.artifact.chosen).toBe('seasonal_naive');
    expect(standIn?.artifact.model).toEqual(standIn?.artifact.baselineModel);

    expect(JSON.parse(await readFile(decisionsPath(runDir), 'utf8'))).toEqual(file);
  });

  it('is idempotent: running twice promotes nothing twice and reaches the same decisions', async () => {
    const runDir = await writeRun(root, run1);
    const first = await evaluateAndPromote({ runDir, prod, rules, dryRun: false, now: at(1) });
    const second = await evaluateAndPromote({ runDir, prod, rules, dryRun: false, now: at(2) });
    const strip = (f: typeof first) => f.decisions.map(({ newVersion: _, ...d }) => d);
    expect(strip(second)).toEqual(strip(first));
    expect(second.decisions.every((d) => d.newVersion === false)).toBe(true);
    for (const v of (await prodModels()).values()) {
      expect(v.version).toBe(1);
      expect(v.tags['mm.promoted.at']).toBe('2024-01-01T00:00:00.000Z');
    }
  });

  it('keeps the champion when a later run brings a degraded model, and replaces a fallback once a candidate qualifies', async () => {
    await evaluateAndPromote({ runDir: await writeRun(root, run1), prod, rules, dryRun: false, now: at(1) });
    const run2: RunSpec = {
      runId: 'run-2',
      partitions: [
        // Degraded refresh: ridge no longer beats the baseline.
        {
          key: ['1', 'a'],
          candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.awful },
          chosen: 'ridge',
        },
        // The fallback (seasonal naive) is beaten by a margin: the candidate takes over.
        { key: ['2', 'b'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair } },
        // A different kind that is worse than the champion's kind on the same holdout.
        {
          key: ['7', 'g'],
          candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair, ets: FORECAST.poor },
          chosen: 'ets',
        },
        // The champion's kind was not evaluated this time: the rules fail closed.
        {
          key: ['8', 'h'],
          candidates: { seasonal_naive: FORECAST.bad, ets: FORECAST.perfect },
          chosen: 'ets',
        },
      ],
    };
    const file = await evaluateAndPromote({
      runDir: await writeRun(root, run2),
      prod,
      rules,
      dryRun: false,
      now: at(2),
    });
    const d = Object.fromEntries(file.decisions.map((x) => [x.key.join('/'), x]));
    expect(d['1/a']).toMatchObject({ outcome: 'keep-champion', championKind: 'ridge', prodVersion: null });
    expect(d['2/b']).toMatchObject({ outcome: 'promote', championKind: 'seasonal_naive', prodVersion: 2 });
    expect(d['7/g']).toMatchObject({ outcome: 'keep-champion', championKind: 'ridge' });
    expect(d['7/g']?.reasons[0]).toMatch(
      /^beats-champion failed: wape 0\.0500 vs champion 0\.0250 \(ridge\)/,
    );
    expect(d['8/h']?.reasons).toEqual([
      'beats-champion failed: the prod champion could not be re-scored on this holdout (its model kind was not evaluated)',
    ]);
    const models = await prodModels();
    expect(models.get(modelName(['1', 'a']))).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    expect(models.get(modelName(['7', 'g']))).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    expect(models.get(modelName(['8', 'h']))).toMatchObject({ version: 1, tags: { 'mm.run.id': 'run-1' } });
    expect(models.get(modelName(['2', 'b']))).toMatchObject({
      version: 2,
      tags: { 'mm.run.id': 'run-2', [TAG.role]: 'candidate', 'mm.kind': 'ridge' },
    });
    for (const v of models.values()) expect(verifyPromotionTags(v.tags, rules).allowed).toBe(true);
  });

  it('in a dry run writes nothing and reports what would change', async () => {
    const runDir = await writeRun(root, run1);
    const file = await evaluateAndPromote({ runDir, prod, rules, dryRun: true });
    expect(file.dryRun).toBe(true);
    expect(file.decisions.filter((d) => d.newVersion).map((d) => d.key[0])).toEqual([
      '1',
      '2',
      '5',
      '6',
      '7',
      '8',
    ]);
    expect(file.decisions.every((d) => d.prodVersion === null)).toBe(true);
    expect(await exists(decisionsPath(runDir))).toBe(false);
    expect((await prodModels()).size).toBe(0);
  });

  it('lets two promoters of the same run race without duplicating a version', async () => {
    const runDir = await writeRun(root, run1);
    const other = new LocalModelRegistry({ root, stage: 'prod' });
    const [a, b] = await Promise.all([
      evaluateAndPromote({ runDir, prod, rules, dryRun: false, now: at(1) }),
      evaluateAndPromote({ runDir, prod: other, rules, dryRun: false, now: at(2) }),
    ]);
    expect(a.decisions.map((d) => d.outcome)).toEqual(b.decisions.map((d) => d.outcome));
    for (const [i, d] of a.decisions.entries()) {
      const promoted = d.outcome === 'promote' || d.outcome === 'promote-baseline';
      expect(Number(d.newVersion) + Number(b.decisions[i]?.newVersion)).toBe(promoted ? 1 : 0);
    }
    for (const v of (await prodModels()).values()) expect(v.version).toBe(1);
  });

  it('rejects a run with bad artifacts before promoting anything, naming each problem', async () => {
    const runDir = await writeRun(root, run1);
    await rm(path.join(runDir, 'artifacts', `${modelName(['1', 'a'])}.json`));
    const bad = path.join(runDir, 'artifacts', `${modelName(['2', 'b'])}.json`);
    const artifact = JSON.parse(await readFile(bad, 'utf8'));
    artifact.holdout.candidates.ridge.forecast = [1, 2];
    await writeFile(bad, JSON.stringify(artifact));
    const attempt = evaluateAndPromote({ runDir, prod, rules, dryRun: false });
    await expect(attempt).rejects.toThrow(PromotionInputError);
    await expect(attempt).rejects.toThrow(
      /nothing was promoted: 2 partition\(s\) of run run-1 cannot be evaluated/,
    );
    await expect(attempt).rejects.toThrow(/artifact of mm-1-a-[0-9a-f]{12} .* cannot be read \(ENOENT\)/);
    await expect(attempt).rejects.toThrow(
      /mm-2-b-[0-9a-f]{12}: the chosen candidate 'ridge' holdout forecast has 2 values but the holdout has 4/,
    );
    expect((await prodModels()).size).toBe(0);
    expect(await exists(decisionsPath(runDir))).toBe(false);
  });

  it('refuses a manifest that is missing, malformed, or points outside the run folder', async () => {
    const runDir = path.join(root, 'runs', 'nope');
    await expect(evaluateAndPromote({ runDir, prod, rules, dryRun: false })).rejects.toThrow(
      /run manifest .*nope\/manifest\.json cannot be read \(ENOENT\)/,
    );
    const real = await writeRun(root, { runId: 'run-x', partitions: [{ key: ['1', 'a'] }] });
    const manifestFile = path.join(real, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
    manifest.partitions[0].artifact = '../../../etc/passwd';
    await writeFile(manifestFile, JSON.stringify(manifest));
    await expect(evaluateAndPromote({ runDir: real, prod, rules, dryRun: false })).rejects.toThrow(
      /artifact of mm-1-a-[0-9a-f]{12} .*'\.\.\/\.\.\/\.\.\/etc\/passwd' points outside the run folder/,
    );
    manifest.partitions.push(manifest.partitions[0]);
    await writeFile(manifestFile, JSON.stringify(manifest));
    await expect(evaluateAndPromote({ runDir: real, prod, rules, dryRun: false })).rejects.toThrow(
      /manifest\.json lists partition mm-1-a-[0-9a-f]{12} twice/,
    );
    delete manifest.runId;
    await writeFile(manifestFile, JSON.stringify(manifest));
    await expect(evaluateAndPromote({ runDir: real, prod, rules, dryRun: false })).rejects.toThrow(
      /manifest\.json is malformed: runId: /,
    );
  });
});
