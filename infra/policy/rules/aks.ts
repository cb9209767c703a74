import type { ManagedClusterArgs } from '@pulumi/azure-native/containerservice/managedCluster.js';
import { azureName, forType, type ResourceValidationPolicy, show } from '../resource-policy.ts';

export const MANAGED_CLUSTER = 'azure-native:containerservice:ManagedCluster';

export const aksRbacEntraId: ResourceValidationPolicy = {
  name: 'aks-rbac-entra-id',
  description: 'AKS clusters must use Kubernetes RBAC with Entra ID (managed AAD) integration.',
  enforcementLevel: 'mandatory',
  validateResource: forType<ManagedClusterArgs>(MANAGED_CLUSTER, (props, args, report) => {
    const name = azureName(props, args, 'resourceName');
    if (props.enableRBAC !== true) {
      report(`AKS cluster '${name}' must set enableRBAC to true (found ${show(props.enableRBAC)})`);
    }
    const managed = props.aadProfile?.managed;
    if (managed !== true) {
      report(
        `AKS cluster '${name}' must integrate Entra ID: set aadProfile.managed to true (found ${show(managed)})`,
      );
    }
  }),
};

export const aksNoLocalAccounts: ResourceValidationPolicy = {
  name: 'aks-no-local-accounts',
  description: 'AKS clusters must disable local accounts, so every sign-in goes through Entra ID.',
  enforcementLevel: 'mandatory',
  validateResource: forType<ManagedClusterArgs>(MANAGED_CLUSTER, (props, args, report) => {
    if (props.disableLocalAccounts !== true) {
      const name = azureName(props, args, 'resourceName');
      report(
        `AKS cluster '${name}' must set disableLocalAccounts to true (found ${show(props.disableLocalAccounts)})`,
      );
    }
  }),
};
