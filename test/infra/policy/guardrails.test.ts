import { describe, expect, it } from 'vitest';
import type { InfraConfig } from '../../../infra/config.ts';
import { GUARDRAILS } from '../../../infra/policy/guardrails.ts';
import { buildStack } from '../../../infra/program.ts';
import { installMocks, resolve, settle, stackConfig } from '../harness.ts';
import { violations } from './run-policy.ts';

/** Declares a stack through the mocks and runs every guardrail over every resource it declares. */
async function guardrailReport(config: InfraConfig) {
  const rec = await installMocks({
    stack: config.environment,
    stackOutputs: {
      workspaceId: '/subscriptions/s/dev-ws',
      lakeContainerId: '/subscriptions/s/dev-lake',
      containerRegistryId: '/subscriptions/s/dev-acr',
    },
  });
  await resolve(buildStack(config).outputs);
  await settle();
  const found: string[] = [];
  for (const resource of rec.declared) {
    for (const policy of GUARDRAILS) {
      const candidate = {
        type: resource.type,
        name: resource.name,
        props: resource.inputs,
        stack: config.environment,
      };
      for (const message of violations(policy, candidate)) found.push(`${policy.name}: ${message}`);
    }
  }
  return { found, declared: rec.declared };
}

describe('the guardrails over the resources the program declares', () => {
  it('find no violation in the dev stack', async () => {
    const { found, declared } = await guardrailReport(stackConfig('dev'));
    expect(declared.length).toBeGreaterThan(25);
    expect(found).toEqual([]);
  });

  it('find no violation in the prod stack (Synapse, AKS and the scoring service included)', async () => {
    const prod = stackConfig('prod');
    const scoring = {
      image: 'mmprodacr.azurecr.io/many-models-serve:1.0.0',
      configFile: 'configs/demo.yaml',
    };
    const { found, declared } = await guardrailReport(stackConfig('prod', { aks: { ...prod.aks, scoring } }));
    const types = new Set(declared.map((d) => d.type));
    for (const type of [
      'azure-native:synapse:BigDataPool',
      'azure-native:containerservice:ManagedCluster',
      'kubernetes:apps/v1:Deployment',
    ]) {
      expect(types.has(type)).toBe(true);
    }
    expect(found).toEqual([]);
  });

  it('do find the advisory when a team adds a dedicated SQL pool', async () => {
    const prod = stackConfig('prod');
    const { found } = await guardrailReport(
      stackConfig('prod', { synapse: { ...prod.synapse, dedicatedSqlPool: { sku: 'DW100c' } } }),
    );
    expect(found).toEqual([
      "synapse-sql-serverless-or-paused: dedicated SQL pool 'mmdw' (DW100c) bills by the hour while online: use serverless SQL, or pause it whenever it is idle (az synapse sql pool pause)",
    ]);
  });
});
