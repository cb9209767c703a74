import * as containerservice from '@pulumi/azure-native/containerservice/index.js';
import * as kubernetesconfiguration from '@pulumi/azure-native/kubernetesconfiguration/index.js';
import * as ml from '@pulumi/azure-native/machinelearningservices/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { ResourceNames } from '../naming.ts';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface AksArgs extends PlacementArgs {
  names: Pick<ResourceNames, 'aks' | 'aksNodeResourceGroup' | 'kubernetesCompute'>;
  tenantId: pulumi.Input<string>;
  vmSize: string;
  minNodes: number;
  maxNodes: number;
  kubernetesVersion?: string;
  adminGroupObjectIds: readonly string[];
  /** The prod workspace the cluster is attached to as Kubernetes compute. */
  workspaceName: pulumi.Input<string>;
  /** Node subnet and a private API server when private networking is on. */
  subnetId?: pulumi.Input<string>;
  privateCluster: boolean;
}

/** Namespace the Azure ML extension installs into and the Kubernetes compute schedules into. */
export const AZUREML_NAMESPACE = 'azureml';

/**
 * The real-time scoring cluster: Kubernetes RBAC backed by Entra ID (Azure RBAC for Kubernetes), no local
 * accounts, workload identity through the OIDC issuer, an autoscaling node pool, and the Azure ML extension with
 * a Kubernetes compute target so the prod workspace can run jobs on it.
 */
export class Aks extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterId: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Object id of the kubelet identity: the one that pulls images, so the one granted AcrPull. */
  readonly kubeletObjectId: pulumi.Output<string>;
  readonly computeName: pulumi.Output<string>;

  constructor(name: string, args: AksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.aks, name, {}, opts);
    const parent = { parent: this };
    const tags = { ...args.tags };

    const cluster = new containerservice.ManagedCluster(
      `${name}-cluster`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        resourceName: args.names.aks,
        dnsPrefix: args.names.aks,
        nodeResourceGroup: args.names.aksNodeResourceGroup,
        kubernetesVersion: args.kubernetesVersion,
        identity: { type: 'SystemAssigned' },
        sku: { name: 'Base', tier: 'Free' },
        enableRBAC: true,
        aadProfile: {
          managed: true,
          enableAzureRBAC: true,
          tenantID: args.tenantId,
          adminGroupObjectIDs: [...args.adminGroupObjectIds],
        },
        disableLocalAccounts: true,
        oidcIssuerProfile: { enabled: true },
        securityProfile: { workloadIdentity: { enabled: true } },
        autoUpgradeProfile: { upgradeChannel: 'patch', nodeOSUpgradeChannel: 'NodeImage' },
        apiServerAccessProfile: args.privateCluster ? { enablePrivateCluster: true } : undefined,
        networkProfile: { networkPlugin: 'azure', networkPluginMode: 'overlay', loadBalancerSku: 'standard' },
        agentPoolProfiles: [
          {
            name: 'system',
            mode: 'System',
            osType: 'Linux',
            type: 'VirtualMachineScaleSets',
            vmSize: args.vmSize,
            enableAutoScaling: true,
            minCount: args.minNodes,
            maxCount: args.maxNodes,
            count: args.minNodes,
            enableNodePublicIP: false,
            vnetSubnetID: args.subnetId,
          },
        ],
        tags,
      },
      { ...parent, ignoreChanges: ['agentPoolProfiles[0].count'] },
    );

    const extension = new kubernetesconfiguration.Extension(
      `${name}-azureml-extension`,
      {
        resourceGroupName: args.resourceGroupName,
        clusterRp: 'Microsoft.ContainerService',
        clusterResourceName: 'managedClusters',
        clusterName: cluster.name,
        extensionName: 'azureml',
        extensionType: 'Microsoft.AzureML.Kubernetes',
        releaseTrain: 'stable',
        autoUpgradeMinorVersion: true,
        identity: { type: 'SystemAssigned' },
        scope: { cluster: { releaseNamespace: AZUREML_NAMESPACE } },
        configurationSettings: {
          enableTraining: 'True',
          // Real-time traffic goes to the scoring service (ScoringService), not to the AML inference router,
          // so no router is exposed and no insecure HTTP listener exists.
          enableInference: 'False',
          clusterPurpose: 'FastProd',
          installNvidiaDevicePlugin: 'False',
          installPromOp: 'True',
          installVolcano: 'True',
        },
      },
      parent,
    );

    const compute = new ml.Compute(
      `${name}-kubernetes-compute`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: args.workspaceName,
        computeName: args.names.kubernetesCompute,
        identity: { type: 'SystemAssigned' },
        properties: {
          computeType: 'Kubernetes',
          resourceId: cluster.id,
          disableLocalAuth: true,
          description: 'the real-time scoring AKS cluster, attached through the Azure ML extension',
          properties: { namespace: AZUREML_NAMESPACE, extensionInstanceReleaseTrain: 'stable' },
        },
        tags,
      },
      { ...parent, dependsOn: [extension] },
    );

    this.clusterName = cluster.name;
    this.clusterId = cluster.id;
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => {
      if (!p?.issuerURL) throw new Error(`AKS cluster ${args.names.aks} reports no OIDC issuer URL`);
      return p.issuerURL;
    });
    this.kubeletObjectId = cluster.identityProfile.apply((profile) => {
      const objectId = profile?.kubeletidentity?.objectId;
      if (!objectId) throw new Error(`AKS cluster ${args.names.aks} reports no kubelet identity`);
      return objectId;
    });
    this.computeName = compute.name;
    this.registerOutputs({ clusterName: this.clusterName, oidcIssuerUrl: this.oidcIssuerUrl });
  }
}
