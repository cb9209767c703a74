import * as monitor from '@pulumi/azure-native/monitor/index.js';
import * as operationalinsights from '@pulumi/azure-native/operationalinsights/index.js';
import * as pulumi from '@pulumi/pulumi';
import { DIAGNOSTIC_CATEGORIES, type DiagnosticTarget } from '../diagnostics.ts';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface MonitoringArgs extends PlacementArgs {
  workspaceName: string;
  retentionDays: number;
  /**
   * Ingestion stops for the day once this many GB arrived (workspaceCapping.dailyQuotaGb): a noisy resource
   * cannot run up the bill, at the price of a gap until the daily reset
   * (https://learn.microsoft.com/azure/azure-monitor/logs/daily-cap).
   */
  dailyCapGb: number;
}

/** The stack's Log Analytics workspace: Application Insights and every resource's diagnostics land here. */
export class Monitoring extends pulumi.ComponentResource {
  readonly workspaceId: pulumi.Output<string>;
  readonly diagnostics: DiagnosticTarget<pulumi.Input<string>>[];

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.monitoring, name, {}, opts);
    const logs = new operationalinsights.Workspace(
      `${name}-log`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: args.workspaceName,
        sku: { name: 'PerGB2018' },
        retentionInDays: args.retentionDays,
        workspaceCapping: { dailyQuotaGb: args.dailyCapGb },
        tags: { ...args.tags },
      },
      { parent: this },
    );
    this.workspaceId = logs.id;
    this.diagnostics = [
      { name: 'log-analytics', kind: 'Microsoft.OperationalInsights/workspaces', resourceId: logs.id },
    ];
    this.registerOutputs({ workspaceId: this.workspaceId });
  }
}

export interface DiagnosticsArgs {
  /** The Log Analytics workspace the settings send to. */
  workspaceId: pulumi.Input<string>;
  targets: readonly DiagnosticTarget<pulumi.Input<string>>[];
}

/** One diagnostic setting per resource, with the categories diagnostics.ts lists for its type. */
export class Diagnostics extends pulumi.ComponentResource {
  readonly settingNames: string[] = [];

  constructor(name: string, args: DiagnosticsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.diagnostics, name, {}, opts);
    for (const target of args.targets) {
      const categories = DIAGNOSTIC_CATEGORIES[target.kind];
      new monitor.DiagnosticSetting(
        `${name}-${target.name}`,
        {
          name: 'to-log-analytics',
          resourceUri: target.resourceId,
          workspaceId: args.workspaceId,
          // Resource-specific tables (e.g. AZKVAuditLogs) where the type has them, instead of AzureDiagnostics.
          logAnalyticsDestinationType: 'Dedicated',
          logs: categories.logs.map((category) => ({ category, enabled: true })),
          metrics: categories.metrics.map((category) => ({ category, enabled: true })),
        },
        { parent: this },
      );
      this.settingNames.push(target.name);
    }
    this.registerOutputs({});
  }
}
