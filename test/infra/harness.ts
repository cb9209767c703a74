import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import type { MockCallArgs, MockResourceArgs } from '@pulumi/pulumi/runtime/index.js';
import * as settings from '@pulumi/pulumi/runtime/settings.js';
import { parse } from 'yaml';
import { type InfraConfig, parseInfraConfig, rawConfigFrom } from '../../infra/config.ts';

/**
 * Pulumi mocks that answer like Azure would: ARM-shaped ids, the computed properties the program reads
 * (endpoints, principal ids, OIDC issuer), and a record of every resource declared with its inputs.
 */
/** Placeholder ids: the generated environment files carry the subscription, so it reads as one. */
export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const TENANT = '00000000-0000-0000-0000-00000000000a';
export const INFRA_DIR = path.resolve(import.meta.dirname, '../../infra');

export interface Declared {
  type: string;
  name: string;
  urn: string;
  id: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

/** A stable fake GUID per seed, so the same resource always gets the same principal id. */
export function fakeGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Inputs = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** ARM resource ids by type: `[provider path, name input]` below the resource group. */
const ARM: Record<string, (i: Inputs, name: string) => string> = {
  'azure-native:storage:StorageAccount': (i) => `Microsoft.Storage/storageAccounts/${i.accountName}`,
  'azure-native:storage:BlobContainer': (i) =>
    `Microsoft.Storage/storageAccounts/${i.accountName}/blobServices/default/containers/${i.containerName}`,
  'azure-native:storage:BlobServiceProperties': (i) =>
    `Microsoft.Storage/storageAccounts/${i.accountName}/blobServices/default`,
  'azure-native:synapse:BigDataPool': (i) =>
    `Microsoft.Synapse/workspaces/${i.workspaceName}/bigDataPools/${i.bigDataPoolName}`,
  'azure-native:synapse:SqlPool': (i) =>
    `Microsoft.Synapse/workspaces/${i.workspaceName}/sqlPools/${i.sqlPoolName}`,
  'azure-native:keyvault:Vault': (i) => `Microsoft.KeyVault/vaults/${i.vaultName}`,
  'azure-native:machinelearningservices:Workspace': (i) =>
    `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}`,
  'azure-native:machinelearningservices:Compute': (i) =>
    `Microsoft.MachineLearningServices/workspaces/${i.workspaceName}/computes/${i.computeName}`,
  'azure-native:containerregistry:Registry': (i) =>
    `Microsoft.ContainerRegistry/registries/${i.registryName}`,
  'azure-native:managedidentity:UserAssignedIdentity': (i) =>
    `Microsoft.ManagedIdentity/userAssignedIdentities/${i.resourceName}`,
  'azure-native:synapse:Workspace': (i) => `Microsoft.Synapse/workspaces/${i.workspaceName}`,
  'azure-native:containerservice:ManagedCluster': (i) =>
    `Microsoft.ContainerService/managedClusters/${i.resourceName}`,
  'azure-native:databricks:Workspace': (i) => `Microsoft.Databricks/workspaces/${i.workspaceName}`,
  'azure-native:operationalinsights:Workspace': (i) =>
    `Microsoft.OperationalInsights/workspaces/${i.workspaceName}`,
  'azure-native:applicationinsights:Component': (i) => `Microsoft.Insights/components/${i.resourceName}`,
};

/** Keys that name a resource itself, child keys first (a container's accountName names its parent). */
const NAME_KEYS = [
  'containerName',
  'blobServicesName',
  'managementPolicyName',
  'computeName',
  'bigDataPoolName',
  'sqlPoolName',
  'ruleName',
  'subnetName',
  'virtualNetworkLinkName',
  'privateDnsZoneGroupName',
  'extensionName',
  'federatedIdentityCredentialResourceName',
  'vaultName',
  'registryName',
  'resourceName',
  'privateEndpointName',
  'privateZoneName',
  'virtualNetworkName',
  'name',
  'workspaceName',
  'accountName',
  'resourceGroupName',
];

/** The Azure name a resource gets: the input that names it, else its logical name. */
function azureName(inputs: Inputs, logical: string): string {
  for (const key of NAME_KEYS) {
    const value = str(inputs[key]);
    if (value !== undefined) return value;
  }
  return logical;
}

export function armId(type: string, inputs: Inputs, logical: string): string {
  const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${str(inputs.resourceGroupName) ?? 'none'}`;
  if (type === 'azure-native:resources:ResourceGroup') return rg;
  if (type === 'azure-native:monitor:DiagnosticSetting') {
    return `${inputs.resourceUri}/providers/Microsoft.Insights/diagnosticSettings/${inputs.name}`;
  }
  if (type === 'azure-native:authorization:RoleDefinition') {
    return `${inputs.scope}/providers/Microsoft.Authorization/roleDefinitions/${fakeGuid(logical)}`;
  }
  if (type === 'azure-native:authorization:RoleAssignment') {
    return `${inputs.scope}/providers/Microsoft.Authorization/roleAssignments/${fakeGuid(logical)}`;
  }
  const path = ARM[type];
  if (path) return `${rg}/providers/${path(inputs, logical)}`;
  return `${rg}/providers/${type.replace('azure-native:', 'mock.')}/${azureName(inputs, logical)}`;
}

function computed(type: string, i: Inputs, name: string, id: string): Inputs {
  switch (type) {
    case 'azure-native:storage:StorageAccount':
      return {
        primaryEndpoints: {
          blob: `https://${i.accountName}.blob.core.windows.net/`,
          dfs: `https://${i.accountName}.dfs.core.windows.net/`,
        },
      };
    case 'azure-native:machinelearningservices:Workspace':
    case 'azure-native:databricks:AccessConnector':
    case 'azure-native:synapse:Workspace':
      return {
        identity: { ...(i.identity as Inputs), principalId: fakeGuid(`principal:${id}`), tenantId: TENANT },
        ...(type === 'azure-native:synapse:Workspace'
          ? { connectivityEndpoints: { sqlOnDemand: `${i.workspaceName}-ondemand.sql.azuresynapse.net` } }
          : {}),
      };
    case 'azure-native:managedidentity:UserAssignedIdentity':
      return {
        principalId: fakeGuid(`principal:${id}`),
        clientId: fakeGuid(`client:${id}`),
        tenantId: TENANT,
      };
    case 'azure-native:containerregistry:Registry':
      return { loginServer: `${i.registryName}.azurecr.io` };
    case 'azure-native:containerservice:ManagedCluster':
      return {
        oidcIssuerProfile: {
          enabled: true,
          issuerURL: `https://${i.location}.oic.prod-aks.azure.com/${TENANT}/x/`,
        },
        identityProfile: { kubeletidentity: { objectId: fakeGuid(`kubelet:${id}`) } },
      };
    case 'azure-native:databricks:Workspace':
      return { workspaceUrl: `adb-${name.length}.azuredatabricks.net` };
    default:
      return {};
  }
}

/** The exec kubeconfig AKS returns for an Entra-only cluster (kubelogin with device-code sign-in). */
export function aksKubeconfig(inputs: { resourceName?: string }): string {
  const name = inputs.resourceName ?? 'aks';
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${name}`,
    '  cluster:',
    `    server: https://${name}-dns.hcp.westeurope.azmk8s.io:443`,
    'contexts:',
    `- name: ${name}`,
    '  context:',
    `    cluster: ${name}`,
    `    user: clusterUser_${name}`,
    `current-context: ${name}`,
    'users:',
    `- name: clusterUser_${name}`,
    '  user:',
    '    exec:',
    '      apiVersion: client.authentication.k8s.io/v1beta1',
    '      command: kubelogin',
    '      args: [get-token, --environment, AzurePublicCloud, --server-id, 6dae42f8-4368-4678-94ff-3960e28e3630,',
    `        --client-id, 80faf920-1908-4b52-b5ef-a8e7bedfc67a, --tenant-id, ${TENANT}, --login, devicecode]`,
    '',
  ].join('\n');
}

export interface MockOptions {
  stack: 'dev' | 'prod';
  /** Outputs a StackReference returns (the dev stack, when building prod). */
  stackOutputs?: Record<string, unknown>;
}

export class Recorder {
  readonly declared: Declared[] = [];
  stack = 'dev';

  of(type: string): Declared[] {
    return this.declared.filter((d) => d.type === type);
  }

  one(type: string, predicate: (d: Declared) => boolean = () => true): Declared {
    const found = this.of(type).filter(predicate);
    if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
    return found[0] as Declared;
  }

  byId(id: string): Declared | undefined {
    return this.declared.find((d) => d.id === id);
  }
}

/** Installs the mocks; every resource declared afterwards is recorded (with its resolved inputs). */
export async function installMocks(options: MockOptions): Promise<Recorder> {
  const recorder = new Recorder();
  recorder.stack = options.stack;
  await pulumi.runtime.setMocks(
    {
      newResource(args: MockResourceArgs) {
        const inputs = (args.inputs ?? {}) as Inputs;
        if (args.type === 'pulumi:pulumi:StackReference') {
          return {
            id: String(inputs.name),
            state: { name: inputs.name, outputs: options.stackOutputs ?? {} },
          };
        }
        const id = armId(args.type, inputs, args.name);
        const state = {
          ...inputs,
          name: azureName(inputs, args.name),
          ...computed(args.type, inputs, args.name, id),
        };
        recorder.declared.push({
          type: args.type,
          name: args.name,
          urn: `urn:pulumi:${recorder.stack}::many-models::${args.type}::${args.name}`,
          id,
          inputs,
          state,
        });
        return { id, state };
      },
      call(args: MockCallArgs) {
        if (args.token === 'azure-native:authorization:getClientConfig') {
          return {
            subscriptionId: SUBSCRIPTION,
            tenantId: TENANT,
            clientId: fakeGuid('ci'),
            objectId: fakeGuid('ci-o'),
          };
        }
        if (args.token === 'azure-native:containerservice:listManagedClusterUserCredentials') {
          return {
            kubeconfigs: [
              { name: 'clusterUser', value: Buffer.from(aksKubeconfig(args.inputs)).toString('base64') },
            ],
          };
        }
        throw new Error(`unexpected invoke ${args.token}`);
      },
    },
    'many-models',
    options.stack,
    false,
  );
  return recorder;
}

/** Resolves an output (mocks resolve everything, so this never hangs on unknowns). */
export function resolve<T>(output: pulumi.Input<T>): Promise<T> {
  return new Promise((ok) => pulumi.output(output).apply((value) => ok(value as T)));
}

/** Waits until every registration the program started has reached the mocks. */
export async function settle(): Promise<void> {
  const internal = settings as unknown as { waitForRPCs: () => Promise<void> };
  await internal.waitForRPCs();
}

/** The validated config of a committed stack file, as the program would see it. */
export function stackConfig(stack: 'dev' | 'prod', overrides: Record<string, unknown> = {}): InfraConfig {
  const file = path.join(INFRA_DIR, `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, 'utf8')) as { config: Record<string, unknown> };
  return parseInfraConfig({ ...rawConfigFrom(doc.config), ...overrides }, file);
}
