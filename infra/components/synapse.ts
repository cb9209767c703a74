import * as synapse from '@pulumi/azure-native/synapse/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { DiagnosticTarget } from '../diagnostics.ts';
import type { ResourceNames } from '../naming.ts';
import { COMPONENT, type PlacementArgs, type PrivateLinkArgs } from './common.ts';
import { systemPrincipal } from './ml-workspace.ts';
import { PRIVATE_DNS_ZONES, privateEndpoint } from './network.ts';

/** The lake container Synapse keeps its own workspace files in (it needs write access there, nowhere else). */
export const SYNAPSE_FILESYSTEM = 'synapse';

export interface FirewallRule {
  name: string;
  startIp: string;
  endIp: string;
}

export interface SynapseArgs extends PlacementArgs {
  names: Pick<ResourceNames, 'synapse' | 'synapseManagedResourceGroup' | 'sparkPool' | 'sqlPool'>;
  lake: { accountId: pulumi.Input<string>; dfsEndpoint: pulumi.Input<string> };
  sparkNodeSize: string;
  sparkMaxNodes: number;
  autoPauseMinutes: number;
  /** Created only when set: a dedicated pool bills by the hour while online. */
  dedicatedSqlPool?: { sku: string };
  firewall: readonly FirewallRule[];
  adminObjectId?: string;
  /**
   * The SQL Active Directory admin (serverless and dedicated pools): an Entra group (its object id is the SID).
   * The scoring identity that refreshes the predictions view is a database user with narrow grants instead.
   */
  sqlAdmin?: { login: pulumi.Input<string>; sid: pulumi.Input<string>; tenantId: pulumi.Input<string> };
  privateLinks?: PrivateLinkArgs;
}

/**
 * Synapse on the data lake: serverless SQL (pay per query, nothing when idle) for the predictions view, an
 * auto-pausing Spark pool for heavy preparation, Entra ID only authentication, and firewall rules from config.
 */
export class Synapse extends pulumi.ComponentResource {
  readonly workspaceName: pulumi.Output<string>;
  readonly workspaceId: pulumi.Output<string>;
  readonly principalId: pulumi.Output<string>;
  /** e.g. mm-prod-syn-ondemand.sql.azuresynapse.net: what environments/<env>.yaml calls synapse.server. */
  readonly serverlessSqlEndpoint: pulumi.Output<string>;
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

  constructor(name: string, args: SynapseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.synapse, name, {}, opts);
    const parent = { parent: this };
    const tags = { ...args.tags };
    const placement = { resourceGroupName: args.resourceGroupName, location: args.location };
    const isPrivate = args.privateLinks !== undefined;

    const workspace = new synapse.Workspace(
      `${name}-workspace`,
      {
        ...placement,
        workspaceName: args.names.synapse,
        identity: { type: 'SystemAssigned' },
        defaultDataLakeStorage: {
          accountUrl: args.lake.dfsEndpoint,
          filesystem: SYNAPSE_FILESYSTEM,
          resourceId: args.lake.accountId,
        },
        managedResourceGroupName: args.names.synapseManagedResourceGroup,
        // No SQL login or password exists to leak: only Entra ID principals can connect.
        azureADOnlyAuthentication: true,
        cspWorkspaceAdminProperties:
          args.adminObjectId === undefined
            ? undefined
            : { initialWorkspaceAdminObjectId: args.adminObjectId },
        publicNetworkAccess: isPrivate ? 'Disabled' : 'Enabled',
        managedVirtualNetwork: isPrivate ? 'default' : undefined,
        managedVirtualNetworkSettings: isPrivate ? { preventDataExfiltration: true } : undefined,
        trustedServiceBypassEnabled: true,
        tags,
      },
      parent,
    );

    if (args.sqlAdmin) {
      new synapse.WorkspaceAadAdmin(
        `${name}-sql-admin`,
        {
          resourceGroupName: args.resourceGroupName,
          workspaceName: workspace.name,
          administratorType: 'ActiveDirectory',
          login: args.sqlAdmin.login,
          sid: args.sqlAdmin.sid,
          tenantId: args.sqlAdmin.tenantId,
        },
        parent,
      );
    }

    if (!isPrivate) {
      for (const rule of args.firewall) {
        new synapse.IpFirewallRule(
          `${name}-fw-${rule.name}`,
          {
            resourceGroupName: args.resourceGroupName,
            workspaceName: workspace.name,
            ruleName: rule.name,
            startIpAddress: rule.startIp,
            endIpAddress: rule.endIp,
          },
          parent,
        );
      }
    }

    const spark = new synapse.BigDataPool(
      `${name}-spark`,
      {
        ...placement,
        workspaceName: workspace.name,
        bigDataPoolName: args.names.sparkPool,
        nodeSize: args.sparkNodeSize,
        nodeSizeFamily: 'MemoryOptimized',
        sparkVersion: '3.4',
        autoScale: { enabled: true, minNodeCount: 3, maxNodeCount: args.sparkMaxNodes },
        autoPause: { enabled: true, delayInMinutes: args.autoPauseMinutes },
        dynamicExecutorAllocation: { enabled: true, minExecutors: 1, maxExecutors: args.sparkMaxNodes - 1 },
        sessionLevelPackagesEnabled: false,
        tags,
      },
      parent,
    );

    this.diagnostics = [
      { name: 'synapse', kind: 'Microsoft.Synapse/workspaces', resourceId: workspace.id },
      { name: 'synapse-spark', kind: 'Microsoft.Synapse/workspaces/bigDataPools', resourceId: spark.id },
    ];
    if (args.dedicatedSqlPool) {
      const dedicated = new synapse.SqlPool(
        `${name}-dedicated-sql`,
        {
          ...placement,
          workspaceName: workspace.name,
          sqlPoolName: args.names.sqlPool,
          sku: { name: args.dedicatedSqlPool.sku },
          createMode: 'Default',
          storageAccountType: 'LRS',
          tags,
        },
        parent,
      );
      this.diagnostics.push({
        name: 'synapse-dedicated-sql',
        kind: 'Microsoft.Synapse/workspaces/sqlPools',
        resourceId: dedicated.id,
      });
    }

    const links = args.privateLinks;
    if (links) {
      const endpoint = (groupId: string, zone: string) =>
        privateEndpoint(
          {
            ...placement,
            name: args.names.synapse,
            tags,
            links,
            targetId: workspace.id,
            groupId,
            zones: [zone],
          },
          parent,
        );
      endpoint('SqlOnDemand', PRIVATE_DNS_ZONES.synapseSql);
      endpoint('Dev', PRIVATE_DNS_ZONES.synapseDev);
    }

    this.workspaceName = workspace.name;
    this.workspaceId = workspace.id;
    this.principalId = systemPrincipal(workspace.identity, `Synapse workspace ${args.names.synapse}`);
    this.serverlessSqlEndpoint = workspace.connectivityEndpoints.apply((endpoints) => {
      const sql = endpoints?.sqlOnDemand;
      if (!sql) throw new Error(`Synapse workspace ${args.names.synapse} reports no serverless SQL endpoint`);
      return sql;
    });
    this.registerOutputs({
      workspaceName: this.workspaceName,
      serverlessSqlEndpoint: this.serverlessSqlEndpoint,
    });
  }
}
