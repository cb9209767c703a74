import * as databricks from '@pulumi/azure-native/databricks/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { DiagnosticTarget } from '../diagnostics.ts';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface DatabricksArgs extends PlacementArgs {
  workspaceName: string;
  managedResourceGroupName: string;
  subscriptionId: pulumi.Input<string>;
  /** Secure cluster connectivity: cluster nodes get no public IP address. */
  noPublicIp: boolean;
  /** The access connector's name (Microsoft.Databricks/accessConnectors). */
  connectorName: string;
  /** Links the Databricks workspace to the Azure ML workspace (MLflow tracking lands there). */
  amlWorkspaceId?: pulumi.Input<string>;
}

/** A premium Databricks workspace for data preparation at volumes DuckDB on one node cannot hold. */
export class Databricks extends pulumi.ComponentResource {
  readonly workspaceId: pulumi.Output<string>;
  readonly workspaceUrl: pulumi.Output<string>;
  /** Principal of the access connector Unity Catalog uses for the lake volume (granted on the lake by Access). */
  readonly connectorPrincipalId: pulumi.Output<string>;
  readonly connectorId: pulumi.Output<string>;
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

  constructor(name: string, args: DatabricksArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.databricks, name, {}, opts);
    const workspace = new databricks.Workspace(
      `${name}-workspace`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: args.workspaceName,
        // Premium is what gives Entra ID passthrough, cluster policies and table access control.
        sku: { name: 'premium' },
        managedResourceGroupId: pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.managedResourceGroupName}`,
        parameters: {
          enableNoPublicIp: { value: args.noPublicIp },
          ...(args.amlWorkspaceId === undefined ? {} : { amlWorkspaceId: { value: args.amlWorkspaceId } }),
        },
        tags: { ...args.tags },
      },
      { parent: this },
    );
    // Job clusters read and write the lake through a Unity Catalog volume; the storage credential behind it is
    // this connector's managed identity, so no key or secret exists
    // (https://learn.microsoft.com/azure/databricks/connect/unity-catalog/cloud-storage/azure-managed-identities).
    const connector = new databricks.AccessConnector(
      `${name}-connector`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        connectorName: args.connectorName,
        identity: { type: 'SystemAssigned' },
        tags: { ...args.tags },
      },
      { parent: this },
    );
    this.connectorId = connector.id;
    this.connectorPrincipalId = connector.identity.apply((i) => {
      if (!i?.principalId)
        throw new Error(`access connector ${args.connectorName} has no system-assigned identity`);
      return i.principalId;
    });
    this.workspaceId = workspace.id;
    this.workspaceUrl = workspace.workspaceUrl;
    this.diagnostics = [
      { name: 'databricks', kind: 'Microsoft.Databricks/workspaces', resourceId: workspace.id },
    ];
    this.registerOutputs({ workspaceUrl: this.workspaceUrl });
  }
}
