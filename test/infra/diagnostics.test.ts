import { describe, expect, it } from 'vitest';
import type { InfraConfig } from '../../infra/config.ts';
import { buildStack } from '../../infra/program.ts';
import { type Declared, installMocks, type Recorder, resolve, settle, stackConfig } from './harness.ts';

/**
 * Constraint: every resource the program declares that Azure Monitor can take a diagnostic setting for has one,
 * sending to the stack's capped Log Analytics workspace, with categories Azure documents for its type.
 *
 * The table below is this test's own, from Microsoft's pages, not from the program: the categories each type
 * documents (https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/<page>), or why a type
 * takes no setting. A resource type the program starts to declare that is not classified here fails the test,
 * so a new family cannot arrive without its diagnostics being decided.
 */
const LOGS = 'https://learn.microsoft.com/azure/azure-monitor/reference/supported-logs/';

interface Supported {
  /** What Azure documents for the type (log and metric categories together). */
  documented: readonly string[];
  doc: string;
  /** Settings the resource needs besides its own id (a storage account's blob service). */
  alsoOn?: (id: string) => string;
  alsoDocumented?: readonly string[];
}
type Classification = Supported | { none: string };

const STORAGE_BLOB = ['StorageRead', 'StorageWrite', 'StorageDelete'];

const AZURE: Record<string, Classification> = {
  'azure-native:keyvault:Vault': {
    documented: ['AuditEvent', 'AzurePolicyEvaluationDetails', 'AllMetrics'],
    doc: `${LOGS}microsoft-keyvault-vaults-logs`,
  },
  'azure-native:storage:StorageAccount': {
    // Account level: metrics only (Transaction, Capacity); request logs live on the blob service, which every
    // account has as `blobServices/default` whether or not the program declares it.
    documented: ['Transaction', 'Capacity'],
    doc: 'https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-storage-storageaccounts-metrics',
    alsoOn: (id) => `${id}/blobServices/default`,
    alsoDocumented: [...STORAGE_BLOB, 'Transaction', 'Capacity'],
  },
  'azure-native:storage:BlobServiceProperties': {
    documented: [...STORAGE_BLOB, 'Transaction', 'Capacity'],
    doc: `${LOGS}microsoft-storage-storageaccounts-blobservices-logs`,
  },
  'azure-native:machinelearningservices:Workspace': {
    documented: [
      'AmlComputeClusterEvent',
      'AmlComputeClusterNodeEvent',
      'AmlComputeCpuGpuUtilization',
      'AmlComputeJobEvent',
      'AmlRunStatusChangedEvent',
      'ComputeInstanceEvent',
      'DataSetChangeEvent',
      'DataStoreChangeEvent',
      'DeploymentReadEvent',
      'EnvironmentChangeEvent',
      'ModelsActionEvent',
      'ModelsChangeEvent',
      'ModelsReadEvent',
    ],
    doc: `${LOGS}microsoft-machinelearningservices-workspaces-logs`,
  },
  'azure-native:containerregistry:Registry': {
    documented: ['ContainerRegistryLoginEvents', 'ContainerRegistryRepositoryEvents'],
    doc: `${LOGS}microsoft-containerregistry-registries-logs`,
  },
  'azure-native:operationalinsights:Workspace': {
    documented: ['Audit', 'Jobs', 'SummaryLogs'],
    doc: `${LOGS}microsoft-operationalinsights-workspaces-logs`,
  },
  'azure-native:containerservice:ManagedCluster': {
    documented: [
      'cloud-controller-manager',
      'cluster-autoscaler',
      'csi-azuredisk-controller',
      'csi-azurefile-controller',
      'csi-snapshot-controller',
      'guard',
      'kube-apiserver',
      'kube-audit',
      'kube-audit-admin',
      'kube-controller-manager',
      'kube-scheduler',
    ],
    doc: `${LOGS}microsoft-containerservice-managedclusters-logs`,
  },
  'azure-native:synapse:Workspace': {
    documented: [
      'BuiltinSqlReqsEnded',
      'GatewayApiRequests',
      'IntegrationActivityRuns',
      'IntegrationPipelineRuns',
      'IntegrationTriggerRuns',
      'SQLSecurityAuditEvents',
      'SynapseLinkEvent',
      'SynapseRbacOperations',
    ],
    doc: `${LOGS}microsoft-synapse-workspaces-logs`,
  },
  'azure-native:synapse:BigDataPool': {
    documented: [
      'BigDataPoolAppsEnded',
      'BigDataPoolAppEvents',
      'BigDataPoolDriverLogs',
      'BigDataPoolExecutorLogs',
    ],
    doc: `${LOGS}microsoft-synapse-workspaces-bigdatapools-logs`,
  },
  'azure-native:synapse:SqlPool': {
    documented: [
      'DmsWorkers',
      'ExecRequests',
      'RequestSteps',
      'SqlRequests',
      'SQLSecurityAuditEvents',
      'Waits',
    ],
    doc: `${LOGS}microsoft-synapse-workspaces-sqlpools-logs`,
  },
  'azure-native:databricks:Workspace': {
    // Diagnostic logs need the Premium tier (https://learn.microsoft.com/azure/databricks/administration-guide/account-settings/azure-diagnostic-logs).
    documented: ['accounts', 'clusters', 'dbfs', 'jobs', 'notebook', 'secrets', 'workspace', 'unityCatalog'],
    doc: `${LOGS}microsoft-databricks-workspaces-logs`,
  },
  'azure-native:applicationinsights:Component': {
    none: 'workspace-based: its telemetry is already stored in the Log Analytics workspace; exporting it again duplicates it',
  },
  'azure-native:databricks:AccessConnector': {
    none: 'an identity holder for Unity Catalog; Azure Monitor lists no log categories for accessConnectors',
  },
  'azure-native:machinelearningservices:Compute': {
    none: "cluster events are the workspace's AmlCompute* categories",
  },
  'azure-native:machinelearningservices:Datastore': {
    none: 'a workspace sub-resource; no diagnostic settings',
  },
  'azure-native:storage:BlobContainer': { none: 'logged by the blob service of its account' },
  'azure-native:storage:ManagementPolicy': { none: 'a setting of the account, no resource logs' },
  'azure-native:managedidentity:UserAssignedIdentity': {
    none: 'no resource logs; its sign-ins are Entra ID sign-in logs',
  },
  'azure-native:managedidentity:FederatedIdentityCredential': { none: 'a property of the identity' },
  'azure-native:authorization:RoleAssignment': { none: 'changes are in the subscription activity log' },
  'azure-native:authorization:RoleDefinition': { none: 'changes are in the subscription activity log' },
  'azure-native:resources:ResourceGroup': { none: 'changes are in the subscription activity log' },
  'azure-native:synapse:WorkspaceAadAdmin': { none: 'a workspace setting (SynapseRbacOperations logs it)' },
  'azure-native:synapse:IpFirewallRule': { none: 'a workspace setting' },
  'azure-native:monitor:DiagnosticSetting': { none: 'the setting itself' },
};

const isAzureResource = (d: Declared) =>
  d.type.startsWith('azure-native:') && !d.type.startsWith('azure-native:containerservice:list');

async function build(config: InfraConfig) {
  const rec = await installMocks({
    stack: config.environment,
    stackOutputs: {
      workspaceId: 'dev-ws',
      lakeContainerId: 'dev-lake',
      containerRegistryId: 'dev-acr',
      lakeBlobEndpoint: 'https://mmdevlake.blob.core.windows.net/',
      lakeContainer: 'lake',
    },
  });
  const stack = buildStack(config);
  await resolve(stack.outputs);
  await settle();
  return rec;
}

function expectDiagnosed(rec: Recorder): number {
  const logs = rec.one('azure-native:operationalinsights:Workspace');
  const settings = rec.of('azure-native:monitor:DiagnosticSetting');
  const byTarget = new Map<string, Declared[]>();
  for (const s of settings) {
    const target = String(s.inputs.resourceUri);
    byTarget.set(target, [...(byTarget.get(target) ?? []), s]);
  }
  const expectSetting = (target: string, documented: readonly string[], what: string) => {
    const found = byTarget.get(target) ?? [];
    expect(found, `${what}: expected one diagnostic setting on ${target}`).toHaveLength(1);
    const setting = found[0] as Declared;
    expect(setting.inputs.workspaceId, what).toBe(logs.id);
    const enabled = [
      ...((setting.inputs.logs ?? []) as { category: string; enabled: boolean }[]),
      ...((setting.inputs.metrics ?? []) as { category: string; enabled: boolean }[]),
    ].filter((c) => c.enabled);
    expect(enabled.length, `${what}: a setting with nothing enabled`).toBeGreaterThan(0);
    for (const c of enabled) expect(documented, `${what}: category ${c.category}`).toContain(c.category);
    byTarget.delete(target);
  };

  let supported = 0;
  for (const d of rec.declared.filter(isAzureResource)) {
    const classification = AZURE[d.type];
    expect(
      classification,
      `${d.type} (${d.name}) is not classified: does it support diagnostic settings?`,
    ).toBeDefined();
    if (!classification || 'none' in classification) continue;
    supported++;
    expectSetting(d.id, classification.documented, `${d.type} ${d.name}`);
    if (classification.alsoOn) {
      const also = classification.alsoOn(d.id);
      // The lake declares its blob service itself; the setting is then checked as that resource's.
      if (!rec.declared.some((other) => other.id === also))
        expectSetting(also, classification.alsoDocumented ?? [], `${d.type} ${d.name} blob service`);
    }
  }
  expect([...byTarget.keys()], 'settings on resources the stack does not declare').toEqual([]);
  return supported;
}

describe('diagnostics (issue 18 item 13)', () => {
  it('dev: every resource that supports diagnostic settings sends to the capped workspace', async () => {
    const config = stackConfig('dev');
    const rec = await build(config);
    expect(expectDiagnosed(rec)).toBeGreaterThanOrEqual(7);
    expect(rec.one('azure-native:operationalinsights:Workspace').inputs).toMatchObject({
      workspaceCapping: { dailyQuotaGb: config.monitoring.dailyCapGb },
    });
    expect(config.monitoring.dailyCapGb).toBeGreaterThan(0);
  });

  it('prod with Synapse (and a dedicated SQL pool) and AKS: the same', async () => {
    const config = stackConfig('prod', {
      synapse: { ...stackConfig('prod').synapse, dedicatedSqlPool: { sku: 'DW100c' } },
    });
    const rec = await build(config);
    expectDiagnosed(rec);
    for (const type of [
      'azure-native:synapse:Workspace',
      'azure-native:synapse:BigDataPool',
      'azure-native:synapse:SqlPool',
      'azure-native:containerservice:ManagedCluster',
    ]) {
      expect(rec.of(type), type).toHaveLength(1);
    }
  });

  it('dev with the Databricks engine: the Databricks workspace too', async () => {
    const rec = await build(stackConfig('dev', { computeEngine: 'databricks' }));
    expect(rec.of('azure-native:databricks:Workspace')).toHaveLength(1);
    expectDiagnosed(rec);
  });

  it('prod with the scoring service: Kubernetes objects are not Azure resources and need none', async () => {
    const prod = stackConfig('prod');
    const rec = await build(
      stackConfig('prod', {
        aks: {
          ...prod.aks,
          scoring: { image: 'mmprodacr.azurecr.io/mm-serve:1.0.0', configFile: 'configs/demo.yaml' },
        },
      }),
    );
    expect(rec.declared.some((d) => d.type.startsWith('kubernetes:'))).toBe(true);
    expectDiagnosed(rec);
  });
});
