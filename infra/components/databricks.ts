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
  /** Links the Databricks workspace to the Azure ML workspace (MLflow tracking lands there). */
  amlWorkspaceId?: pulumi.Input<string>;
}

/** A premium Databricks workspace for data preparation at volumes DuckDB on one node cannot hold. */
export class Databricks extends pulumi.ComponentResource {
  readonly workspaceId: pulumi.Output<string>;
  readonly workspaceUrl: pulumi.Output<string>;
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
    this.workspaceId = workspace.id;
    this.workspaceUrl = workspace.workspaceUrl;
    this.diagnostics = [
      { name: 'databricks', kind: 'Microsoft.Databricks/workspaces', resourceId: workspace.id },
    ];
    this.registerOutputs({ workspaceUrl: this.workspaceUrl });
  }
}
