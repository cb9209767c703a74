/**
 * What the policy pack costs inside `pulumi preview`: the guardrails over every resource the prod stack declares,
 * and the promotion gate over many prod model versions (recomputing each decision from its tags).
 * Run: node bench/infra-policy.ts [models=10000] [holdout=8]
 */
import { performance } from 'node:perf_hooks';
import { GUARDRAILS } from '../infra/policy/guardrails.ts';
import { MODEL_VERSION, modelPromotionGate } from '../infra/policy/rules/promotion-gate.ts';
import { buildStack } from '../infra/program.ts';
import { promotionSchema } from '../src/config/schema.ts';
import { decide, type PromotionEvidence } from '../src/promotion/rules.ts';
import { tagsFromEvidence } from '../src/promotion/tags.ts';
import { installMocks, resolve, settle, stackConfig } from '../test/infra/harness.ts';
import { violations } from '../test/infra/policy/run-policy.ts';

const models = Number(process.argv[2] ?? 10_000);
const holdout = Number(process.argv[3] ?? 8);
const rows: string[][] = [];
const ms = (t: number) => (performance.now() - t).toFixed(0);

// 1. Declare the prod stack (mocks answer like Azure) and run every guardrail over every resource.
let t = performance.now();
const rec = await installMocks({
  stack: 'prod',
  stackOutputs: { workspaceId: 'dev-ws', lakeContainerId: 'dev-lake' },
});
await resolve(buildStack(stackConfig('prod')).outputs);
await settle();
rows.push(['declare the prod stack (mocks)', `${rec.declared.length} resources`, `${ms(t)} ms`]);

t = performance.now();
let checks = 0;
let found = 0;
for (const resource of rec.declared) {
  for (const policy of GUARDRAILS) {
    checks++;
    found += violations(policy, {
      type: resource.type,
      name: resource.name,
      props: resource.inputs,
      stack: 'prod',
    }).length;
  }
}
rows.push([
  `${GUARDRAILS.length} guardrails x every resource`,
  `${checks} checks, ${found} violations`,
  `${ms(t)} ms`,
]);

// 2. The promotion gate over prod model versions: half promoted honestly, a quarter rejected, a quarter tampered.
const rules = promotionSchema.parse({});
let seed = 42;
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const series = (level: number, noise: number) =>
  Array.from({ length: holdout }, () => level + (random() - 0.5) * noise);
const versions = Array.from({ length: models }, (_, i) => {
  const actual = series(100, 20);
  const e: PromotionEvidence = {
    actual,
    candidate: { kind: 'ets', forecast: actual.map((a) => a + (random() - 0.5) * (i % 4 === 1 ? 60 : 10)) },
    baseline: { kind: 'seasonal_naive', forecast: actual.map((a) => a + (random() - 0.5) * 30) },
    hasChampion: i % 4 === 1,
    champion:
      i % 4 === 1 ? { kind: 'ridge', forecast: actual.map((a) => a + (random() - 0.5) * 5) } : undefined,
    scale: 8,
    history: 104,
  };
  const tags = tagsFromEvidence(e, decide(e, rules));
  if (i % 4 === 3) tags['mm.metric.candidate'] = '0.0001';
  return {
    type: MODEL_VERSION,
    name: `v${i}`,
    props: { name: `mm-m-${i}`, version: '1', workspaceName: 'mm-prod-mlw', properties: { tags } },
  };
});
t = performance.now();
let denied = 0;
for (const v of versions) if (violations(modelPromotionGate, v).length > 0) denied++;
const gateMs = performance.now() - t;
rows.push([
  `promotion gate x ${models} model versions (holdout ${holdout})`,
  `${denied} denied`,
  `${gateMs.toFixed(0)} ms (${((gateMs * 1000) / models).toFixed(1)} µs / model)`,
]);

const width = rows.reduce((w, r) => r.map((c, i) => Math.max(w[i] ?? 0, c.length)), [] as number[]);
for (const r of rows) console.log(r.map((c, i) => c.padEnd(width[i] ?? 0)).join('  |  '));
process.exit(0);
