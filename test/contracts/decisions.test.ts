import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDecisionsFile } from '../../.azure-pipelines/scripts/decisions-summary.ts';
import { promotionSchema } from '../../src/config/schema.ts';
import { decisionsFileSchema } from '../../src/contracts/decisions.ts';
import { ContractError, readJsonFile } from '../../src/contracts/json-file.ts';
import { decisionsPath, evaluateAndPromote } from '../../src/promotion/evaluate.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { loadReportData } from '../../src/report/load.ts';
import { FORECAST, writeRun } from '../promotion/fixtures.ts';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'mm-contract-decisions-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function decided(): Promise<string> {
  const runDir = await writeRun(path.join(root, 'lake'), {
    runId: 'run-1',
    partitions: [
      { key: ['1', 'a'], candidates: { seasonal_naive: FORECAST.bad, ridge: FORECAST.fair } },
      { key: ['2', 'b'], status: 'failed' },
    ],
  });
  const prod = new LocalModelRegistry({ root, stage: 'prod' });
  await evaluateAndPromote({ runDir, prod, rules: promotionSchema.parse({}), dryRun: false });
  return runDir;
}

describe('the decisions contract (runs/<id>/decisions.json)', () => {
  it('given the file evaluate-and-promote wrote, when its readers read it back, then every reader accepts it', async () => {
    const runDir = await decided();
    const file = decisionsPath(runDir);
    const read = await readJsonFile(file, decisionsFileSchema, 'decisions');
    expect(read.decisions.map((d) => d.outcome)).toEqual(['promote', 'not-trained']);
    expect(parseDecisionsFile(await readFile(file, 'utf8'), file).totals.promote).toBe(1);
    const report = await loadReportData({ runDir, root: path.join(root, 'lake') });
    expect(report.decisions?.decisions).toHaveLength(2);
  });

  it('given an outcome no rule produces, when the report and the pipeline summary read it, then both name the same field', async () => {
    const runDir = await decided();
    const file = decisionsPath(runDir);
    const decisions = JSON.parse(await readFile(file, 'utf8'));
    decisions.decisions[0].outcome = 'promoted';
    await writeFile(file, JSON.stringify(decisions));
    const error = await readJsonFile(file, decisionsFileSchema, 'decisions').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    expect((error as ContractError).message).toMatch(
      /^decisions .*decisions\.json is malformed: decisions\.0\.outcome: /,
    );
    await expect(loadReportData({ runDir, root: path.join(root, 'lake') })).rejects.toThrow(
      /decisions\.0\.outcome: /,
    );
    expect(() => parseDecisionsFile(JSON.stringify(decisions), file)).toThrow(/decisions\.0\.outcome: /);
  });
});
