import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_VERSION, modelPromotionGate } from '../../../infra/policy/rules/promotion-gate.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { decide, type PromotionEvidence } from '../../../src/promotion/rules.ts';
import { tagsFromEvidence } from '../../../src/promotion/tags.ts';
import { violations } from '../policy/run-policy.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SCRIPT = path.join(ROOT, 'infra/scripts/write-policy-config.ts');
const work = mkdtempSync(path.join(tmpdir(), 'mm-policy-config-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function script(args: string[], cwd = ROOT) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args], { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    return error as { code: number; stdout: string; stderr: string };
  }
}

/** A project whose prod environment asks a challenger to beat the champion by 10 %, not the default 2 %. */
function project(): string {
  const dir = path.join(work, 'project');
  mkdirSync(path.join(dir, 'environments'), { recursive: true });
  writeFileSync(
    path.join(dir, 'sales.yaml'),
    'dataset: {path: s.csv, partitionBy: [Store], time: Week, target: Qty, frequency: W}\nforecast: {horizon: 4, holdout: 4}\n',
  );
  writeFileSync(
    path.join(dir, 'environments/prod.yaml'),
    'promotion:\n  championMargin: 0.1\n  minHistory: 52\n',
  );
  return dir;
}

describe('write-policy-config', () => {
  it('gives the promotion gate the promotion block the step reads for the same config and environment', async () => {
    const result = await script(['--config', 'configs/demo.yaml', '--env', 'prod']);
    expect(result.code).toBe(0);
    const step = loadConfig({
      configPath: path.join(ROOT, 'configs/demo.yaml'),
      env: 'prod',
      projectRoot: ROOT,
    });
    expect(JSON.parse(result.stdout)).toEqual({ 'model-promotion-gate': step.promotion });
  });

  it('so the step and the gate reach the same verdict when a team changes a threshold', async () => {
    const dir = project();
    const out = path.join(dir, 'policy-config.json');
    const result = await script(['--config', 'sales.yaml', '--env', 'prod', '--out', out], dir);
    expect(result).toMatchObject({ code: 0, stderr: `wrote ${out}\n` });
    const gateConfig = (JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, unknown>>)[
      'model-promotion-gate'
    ];
    expect(gateConfig).toMatchObject({ championMargin: 0.1, minHistory: 52 });

    // 5 % better than the champion: enough under the default margin, not under this team's 10 %.
    const evidence: PromotionEvidence = {
      actual: [10, 10, 10, 10],
      candidate: { kind: 'ridge', forecast: [10.95, 10.95, 10.95, 10.95] },
      baseline: { kind: 'seasonal_naive', forecast: [13, 13, 13, 13] },
      champion: { kind: 'ets', forecast: [11, 11, 11, 11] },
      hasChampion: true,
      scale: 2,
      history: 104,
    };
    const stepRules = loadConfig({
      configPath: path.join(dir, 'sales.yaml'),
      env: 'prod',
      projectRoot: dir,
    }).promotion;
    const stepDecision = decide(evidence, stepRules);
    expect(stepDecision.outcome).toBe('keep-champion');
    // Someone registers it in prod anyway, with honest tags from a run that used the default margin.
    const tags = tagsFromEvidence(evidence, decide(evidence, { ...stepRules, championMargin: 0.02 }));
    const model = {
      type: MODEL_VERSION,
      props: { name: 'm', version: '1', workspaceName: 'mm-prod-mlw', properties: { tags } },
    };
    expect(violations(modelPromotionGate, model, gateConfig)).toEqual([
      `model 'm' version 1 in prod workspace 'mm-prod-mlw': the promotion rules reject this model: ${stepDecision.reasons.join('; ')}`,
    ]);
  });

  it('keeps the other policies’ sections from a base file', async () => {
    const base = path.join(work, 'base.json');
    writeFileSync(
      base,
      JSON.stringify({
        'required-tags': { tags: ['owner'] },
        'model-promotion-gate': { prodWorkspacePattern: '^live$' },
      }),
    );
    const result = await script(['--config', 'configs/demo.yaml', '--env', 'prod', '--base', base]);
    expect(JSON.parse(result.stdout)).toMatchObject({
      'required-tags': { tags: ['owner'] },
      'model-promotion-gate': { prodWorkspacePattern: '^live$', metric: 'wape', championMargin: 0.02 },
    });
  });

  it('reports a broken config with the file and key, and explains its usage when flags are missing', async () => {
    const bad = path.join(work, 'bad.yaml');
    writeFileSync(
      bad,
      'dataset: {path: s.csv, partitionBy: [S], time: W, target: Q, frequency: W}\nforecast: {horizon: 4, holdout: 4}\npromotion: {championMargin: 5}\n',
    );
    const broken = await script(['--config', bad, '--env', 'local']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`invalid configuration in ${bad}`);
    expect(broken.stderr).toContain('promotion.championMargin: Too big: expected number to be <=1');
    const missing = await script(['--env', 'prod']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^write-policy-config: --config and --env are required\nusage: /);
  });
});
