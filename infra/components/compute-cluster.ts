import * as ml from '@pulumi/azure-native/machinelearningservices/index.js';
import * as pulumi from '@pulumi/pulumi';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface ComputeClusterArgs extends PlacementArgs {
  workspaceName: pulumi.Input<string>;
  clusterName: string;
  vmSize: string;
  maxNodes: number;
  /** Pre-emptible nodes at a fraction of the price; dev retraining tolerates a restart, prod scoring does not. */
  lowPriority: boolean;
  idleMinutes: number;
  /** User-assigned identities the jobs run as (data access comes from these, never from keys). */
  identityIds: pulumi.Input<string>[];
  /** Subnet for the nodes when private networking is on; nodes then get no public IP. */
  subnetId?: pulumi.Input<string>;
}

/** ISO 8601 duration Azure ML expects for the idle time before scale-down. */
export function idleDuration(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes < 1) throw new Error(`idle minutes must be a positive integer`);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}`;
}

/**
 * An AML compute cluster that costs nothing while idle: zero minimum nodes, released after a few idle minutes,
 * no SSH, no local auth, and the jobs' identities attached.
 */
export class ComputeCluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly computeId: pulumi.Output<string>;
  readonly maxNodes: number;

  constructor(name: string, args: ComputeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.computeCluster, name, {}, opts);
    const compute = new ml.Compute(
      `${name}-compute`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: args.workspaceName,
        computeName: args.clusterName,
        identity: { type: 'UserAssigned', userAssignedIdentities: args.identityIds },
        properties: {
          computeType: 'AmlCompute',
          disableLocalAuth: true,
          description: `many-models ${args.lowPriority ? 'low-priority ' : ''}cluster, scales to zero`,
          properties: {
            vmSize: args.vmSize,
            vmPriority: args.lowPriority ? 'LowPriority' : 'Dedicated',
            osType: 'Linux',
            scaleSettings: {
              minNodeCount: 0,
              maxNodeCount: args.maxNodes,
              nodeIdleTimeBeforeScaleDown: idleDuration(args.idleMinutes),
            },
            remoteLoginPortPublicAccess: 'Disabled',
            enableNodePublicIp: args.subnetId === undefined,
            subnet: args.subnetId === undefined ? undefined : { id: args.subnetId },
          },
        },
        tags: { ...args.tags },
      },
      { parent: this },
    );
    this.clusterName = pulumi.output(args.clusterName);
    this.computeId = compute.id;
    this.maxNodes = args.maxNodes;
    this.registerOutputs({ clusterName: this.clusterName });
  }
}
