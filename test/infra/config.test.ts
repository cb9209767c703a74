import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { databricksEnabled, InfraConfigError, parseInfraConfig, rawConfigFrom } from '../../infra/config.ts';

const INFRA = path.resolve(import.meta.dirname, '../../infra');

function stackFile(stack: string): Record<string, unknown> {
  const doc = parse(readFileSync(path.join(INFRA, `Pulumi.${stack}.yaml`), 'utf8')) as {
    config: Record<string, unknown>;
  };
  return rawConfigFrom(doc.config);
}

function issuesOf(raw: Record<string, unknown>): readonly string[] {
  try {
    parseInfraConfig(raw, 'Pulumi.test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(InfraConfigError);
    return (error as InfraConfigError).issues;
  }
  throw new Error('expected the config to be rejected');
}

const minimal = {
  environment: 'dev',
  location: 'westeurope',
  prefix: 'mm',
  owner: 'ml-platform@contoso.com',
  costCentre: 'CC-1',
};

describe('stack configuration', () => {
  it('accepts the committed dev stack: no Databricks (engine aml-parallel), Synapse and AKS off, low-priority compute', () => {
    const config = parseInfraConfig(stackFile('dev'), 'Pulumi.dev.yaml');
    expect(config).toMatchObject({
      environment: 'dev',
      location: 'westeurope',
      prefix: 'mm',
      computeEngine: 'aml-parallel',
      enableSynapse: false,
      enableAks: false,
      enablePrivateNetworking: false,
      compute: { maxNodes: 4, lowPriority: true, idleMinutes: 10 },
      lake: { container: 'lake' },
    });
  });

  it('accepts the committed prod stack: Synapse and AKS on, dedicated nodes, a dev stack reference', () => {
    const config = parseInfraConfig(stackFile('prod'), 'Pulumi.prod.yaml');
    expect(config).toMatchObject({
      environment: 'prod',
      enableSynapse: true,
      enableAks: true,
      devStack: 'organization/many-models/dev',
      compute: { lowPriority: false },
      synapse: { autoPauseMinutes: 15, firewall: [], adminObjectId: expect.any(String) },
      aks: {
        namespace: 'mm-serving',
        serviceAccount: 'mm-scoring',
        deployer: { principalType: 'ServicePrincipal' },
      },
    });
    expect(config.synapse.dedicatedSqlPool).toBeUndefined();
  });

  it('fills defaults: every feature flag off and compute that scales to zero after ten idle minutes', () => {
    const config = parseInfraConfig(minimal, 'x');
    expect(databricksEnabled(config) || config.enableSynapse || config.enableAks).toBe(false);
    expect(config.enablePrivateNetworking).toBe(false);
    expect(config.compute).toEqual({
      vmSize: 'Standard_D4s_v5',
      maxNodes: 4,
      lowPriority: false,
      idleMinutes: 10,
    });
  });

  it('reads Pulumi values as Pulumi hands them over: JSON text for objects, text for scalars', () => {
    const raw = rawConfigFrom({
      'azure-native:location': 'northeurope',
      'many-models:environment': 'dev',
      'many-models:costCentre': '4711',
      'many-models:enableSynapse': 'true',
      'many-models:compute': '{"maxNodes":2,"lowPriority":true}',
      'other-project:ignored': 'x',
    });
    expect(raw).toEqual({
      location: 'northeurope',
      environment: 'dev',
      costCentre: 4711,
      enableSynapse: true,
      compute: { maxNodes: 2, lowPriority: true },
    });
    const admin = { adminObjectId: '00000000-0000-0000-0000-00000000000a' };
    const config = parseInfraConfig({ ...raw, prefix: 'mm', owner: 'me', synapse: admin }, 'x');
    expect(config.costCentre).toBe('4711');
  });

  it.each([
    [{ enableAKS: true }, "config: unknown key(s) 'many-models:enableAKS'"],
    [{ enableSynapse: 'yes' }, 'many-models:enableSynapse: Invalid input: expected boolean, received string'],
    [{ prefix: 'MM' }, 'many-models:prefix: a letter, then 1-9 lower-case letters or digits'],
    [{ environment: 'staging' }, 'many-models:environment: Invalid option: expected one of "dev"|"prod"'],
    [{ compute: { maxNodes: 0 } }, 'many-models:compute.maxNodes: Too small: expected number to be >=1'],
    [{ compute: { idle: 5 } }, "many-models:compute: unknown key(s) 'idle'"],
    [{ addressSpace: '10.0.0.0' }, 'many-models:addressSpace: expected an IPv4 CIDR like 10.40.0.0/16'],
    [
      { synapse: { firewall: [{ name: 'office', startIp: '10.0.0.1', endIp: '10.0.0.300' }] } },
      'many-models:synapse.firewall.0.endIp: expected an IPv4 address',
    ],
    [
      { enableAks: true },
      'many-models:enableAks: real-time scoring serves prod models; turn it on in the prod stack',
    ],
    [
      { lake: { coolAfterDays: 30, predictionsRetentionDays: 30 } },
      'many-models:lake.predictionsRetentionDays: must be longer than lake.coolAfterDays (blobs are cooled before they expire)',
    ],
    [
      { lake: { container: 'raw' } },
      'many-models:lake.container: raw and synapse are taken by other containers',
    ],
    [
      {
        environment: 'prod',
        devStack: 'org/many-models/dev',
        enableAks: true,
        aks: {
          scoring: { image: 'many-models-serve', configFile: 'configs/demo.yaml' },
          deployer: { objectId: '00000000-0000-0000-0000-00000000000d' },
        },
      },
      'many-models:aks.scoring.image: expected <registry>/<repository>:<tag>',
    ],
    [
      {
        aks: {
          scoring: { image: 'mmprodacr.azurecr.io/serve:1', configFile: 'configs/demo.yaml' },
          deployer: { objectId: '00000000-0000-0000-0000-00000000000d' },
        },
      },
      'many-models:aks.scoring: the scoring service needs enableAks: true',
    ],
    // Issue 18 item 4: who gets cluster admin is configuration, not whoever happens to run the program.
    [
      {
        environment: 'prod',
        devStack: 'org/many-models/dev',
        enableAks: true,
        aks: { scoring: { image: 'mmprodacr.azurecr.io/serve:1', configFile: 'configs/demo.yaml' } },
      },
      'many-models:aks.deployer: the scoring service needs the object id of the identity that runs pulumi up (cluster admin)',
    ],
    // Item 5: private networking is refused until it is deployable, with what is missing.
    [
      { enablePrivateNetworking: true },
      expect.stringMatching(
        /^many-models:enablePrivateNetworking: not deployable yet: it needs Network Contributor for AKS on its subnet, a Synapse managed private endpoint to the lake, NAT egress/,
      ),
    ],
    // Item 12: AllowAllWindowsAzureIps admits every Azure tenant; Synapse needs an Entra group as SQL admin.
    [
      { synapse: { firewall: [{ name: 'AllowAllWindowsAzureIps', startIp: '0.0.0.0', endIp: '0.0.0.0' }] } },
      "many-models:synapse.firewall.0: 'AllowAllWindowsAzureIps' (0.0.0.0-0.0.0.0) admits every Azure tenant; list the agents' IP ranges instead",
    ],
    [
      { enableSynapse: true },
      'many-models:synapse.adminObjectId: Synapse needs an Entra group as SQL administrator (its object id); no identity is server admin',
    ],
  ])('rejects %j with a message naming the key', (change, message) => {
    expect(issuesOf({ ...minimal, ...change })).toEqual([message]);
  });

  it('requires the dev stack reference in prod, and says why', () => {
    expect(issuesOf({ ...minimal, environment: 'prod' })).toEqual([
      'many-models:devStack: required for the prod stack: the promotion identity is granted read access to the dev registry',
    ]);
  });

  it('lists every problem at once, with the file in the message', () => {
    const { owner: _owner, ...withoutOwner } = minimal;
    try {
      parseInfraConfig({ ...withoutOwner, enableAks: 1, prefix: '9' }, 'Pulumi.dev.yaml');
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(/^invalid stack configuration in Pulumi.dev.yaml:\n/);
      expect((error as InfraConfigError).issues).toHaveLength(3);
      expect(message).toContain('many-models:owner:');
    }
  });
});
