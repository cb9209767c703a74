import * as containerservice from '@pulumi/azure-native/containerservice/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { DiagnosticTarget } from '../diagnostics.ts';
import type { ResourceNames } from '../naming.ts';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface AksArgs extends PlacementArgs {
  names: Pick<ResourceNames, 'aks' | 'aksNodeResourceGroup'>;
  tenantId: pulumi.Input<string>;
  vmSize: string;
  minNodes: number;
  maxNodes: number;
  kubernetesVersion?: string;
  adminGroupObjectIds: readonly string[];
  /** Node subnet and a private API server when private networking is on. */
  subnetId?: pulumi.Input<string>;
  privateCluster: boolean;
}

/**
 * The real-time scoring cluster: Kubernetes RBAC backed by Entra ID (Azure RBAC for Kubernetes), no local
 * accounts, workload identity through the OIDC issuer and an autoscaling node pool. It runs only the scoring
 * service (ScoringService). No Azure ML extension or Kubernetes compute attach: nothing submits Azure ML work to
 * it, the extension does not support clusters with local accounts disabled and wants nodes of at least 4 vCPU
 * and 14 GB (https://learn.microsoft.com/azure/machine-learning/how-to-deploy-kubernetes-extension,
 * "Limitations" and "Prerequisites").
 */
export class Aks extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterId: pulumi.Output<string>;
  readonly oidcIssuerUrl: pulumi.Output<string>;
  /** Object id of the kubelet identity: the one that pulls images, so the one granted AcrPull. */
  readonly kubeletObjectId: pulumi.Output<string>;
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

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

    this.clusterName = cluster.name;
    this.clusterId = cluster.id;
    this.diagnostics = [
      { name: 'aks', kind: 'Microsoft.ContainerService/managedClusters', resourceId: cluster.id },
    ];
    this.oidcIssuerUrl = cluster.oidcIssuerProfile.apply((p) => {
      if (!p?.issuerURL) throw new Error(`AKS cluster ${args.names.aks} reports no OIDC issuer URL`);
      return p.issuerURL;
    });
    this.kubeletObjectId = cluster.identityProfile.apply((profile) => {
      const objectId = profile?.kubeletidentity?.objectId;
      if (!objectId) throw new Error(`AKS cluster ${args.names.aks} reports no kubelet identity`);
      return objectId;
    });
    this.registerOutputs({ clusterName: this.clusterName, oidcIssuerUrl: this.oidcIssuerUrl });
  }
}
