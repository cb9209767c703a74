// Two runs promoted at the same moment by two real `mm evaluate-and-promote` processes. The test holds the prod
// registry's lock until both have decided every partition, so both decisions are made against the same prod
// snapshot and both registrations queue on the lock: the race the champion rule must survive.
import { readFileSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promotionSchema } from '../../src/config/schema.ts';
import type { DecisionsFile } from '../../src/promotion/decision-record.ts';
import { verifyPromotionTags } from '../../src/promotion/tags.ts';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { localLayout } from '../../src/registry/local-layout.ts';
import { withRegistryLock } from '../../src/registry/local-lock.ts';
import type { ModelVersion } from '../../src/registry/types.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { createMmProject, type MmProject, type MmRun, weeklySalesConfig } from '../support/mm-project.ts';

let project: MmProject;
const lakeRoot = () => project.lake().root;
const mmProcess = (...args: string[]): MmRun => project.mm(...args);
const mm = (...args: string[]) => project.mmOk(...args);
const config = (candidates?: string) =>
  weeklySalesConfig({ path: '../raw/sales.parquet', horizon: 6, holdout: 8, candidates });

/** Resolves once the process has printed its final evaluate-and-promote progress line: every partition decided. */
function decided(child: ReturnType<typeof mmProcess>): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (/"event":"done","stage":"evaluate-and-promote"/.test(text)) resolve();
    });
    void child.then((result) => reject(new Error(`exited before deciding:\n${result.all}`)));
  });
}

async function allVersions(): Promise<ModelVersion[][]> {
  const prod = new LocalModelRegistry({ root: lakeRoot(), stage: 'prod' });
  const out: ModelVersion[][] = [];
  for await (const latest of prod.list()) {
    const versions: ModelVersion[] = [];
    for (let v = 1; v <= latest.version; v++) versions.push((await prod.load(latest.name, v))!.version);
    out.push(versions);
  }
  return out;
}

describe('two promotions at once', () => {
  beforeAll(async () => {
    project = createMmProject('race');
    project.write('configs/full.yaml', config());
    project.write('configs/naive.yaml', config('[naive]'));
    await mm(
      'generate',
      '--partitions',
      '24',
      '--periods',
      '104',
      '--seed',
      '11',
      '--out',
      'raw/sales.parquet',
    );
    await mm('prepare', '--config', 'configs/full.yaml');
    await mm('train', '--config', 'configs/full.yaml', '--run', 'good');
    await mm('train', '--config', 'configs/naive.yaml', '--run', 'naive');
  }, 300_000);

  afterAll(() => {
    if (project) rmSync(project.dir, { recursive: true, force: true });
  });

  it('given both decided against the same empty prod, every version after the first was decided against the champion it replaced', async () => {
    const registry = localLayout(lakeLayout(lakeRoot()).registry('prod'));
    let good: ReturnType<typeof mmProcess> | undefined;
    let naive: ReturnType<typeof mmProcess> | undefined;
    await withRegistryLock(registry.lockTarget, registry.lockfile, {}, async () => {
      good = mmProcess('evaluate-and-promote', '--config', 'configs/full.yaml', '--run', 'good');
      naive = mmProcess('evaluate-and-promote', '--config', 'configs/naive.yaml', '--run', 'naive');
      await Promise.all([decided(good), decided(naive)]);
    });
    const results = await Promise.all([good!, naive!]);
    for (const result of results) expect(result.exitCode, result.all).toBe(0);

    const rules = promotionSchema.parse({});
    const models = await allVersions();
    expect(models.length).toBeGreaterThan(10);
    let replaced = 0;
    for (const versions of models) {
      for (const version of versions) {
        // A version registered over another one must have been judged against it: a fallback over a champion,
        // or a candidate tagged "no champion" on top of one, is exactly the race.
        if (version.version > 1) {
          replaced++;
          expect(version.tags['mm.champion.exists'], `${version.name} v${version.version}`).toBe('true');
          expect(version.tags['mm.role'], `${version.name} v${version.version}`).toBe('candidate');
        }
        expect(
          verifyPromotionTags(version.tags, rules).violations,
          `${version.name} v${version.version}`,
        ).toEqual([]);
      }
    }
    // Both runs decided "promote" everywhere on an empty prod; the second to register had to decide again.
    expect(replaced).toBeLessThan(models.length);
  }, 120_000);

  it('given a retrain on the same data with the same code, promotes nothing and says nothing differs', async () => {
    const before = new Map((await allVersions()).map((v) => [v[0]!.name, v.length]));
    await mm('train', '--config', 'configs/full.yaml', '--run', 'again');
    // Once more: the dev registry keeps every model this retrain did not change, no new version for any of them.
    const twice = await mm('train', '--config', 'configs/full.yaml', '--run', 'again-twice');
    expect(twice.stdout).toMatch(
      /registered 0 new model versions in the dev registry; \d+ unchanged models kept their version/,
    );
    await mm('evaluate-and-promote', '--config', 'configs/full.yaml', '--run', 'again');
    const decisions = JSON.parse(
      readFileSync(lakeLayout(lakeRoot()).decisions('again'), 'utf8'),
    ) as DecisionsFile;
    const sameKind = decisions.decisions.filter(
      (d) => d.championKind !== null && d.championKind === d.candidateKind,
    );
    expect(sameKind.length).toBeGreaterThan(0);
    for (const d of sameKind) {
      expect(d.outcome, d.name).toBe('keep-champion');
      expect(d.reasons.join(' '), d.name).toMatch(
        /nothing differs from the champion: same kind \(\w+\), same data \(fingerprint sha256:[0-9a-f]+\), same code/,
      );
    }
    const after = new Map((await allVersions()).map((v) => [v[0]!.name, v.length]));
    for (const d of sameKind) expect(after.get(d.name), d.name).toBe(before.get(d.name));
  }, 120_000);
});
