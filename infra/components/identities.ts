import * as managedidentity from '@pulumi/azure-native/managedidentity/index.js';
import * as pulumi from '@pulumi/pulumi';
import type { IdentityRole } from '../naming.ts';
import { COMPONENT, type PlacementArgs } from './common.ts';

export interface Federation {
  /** Token issuer, e.g. an AKS OIDC issuer URL or https://vstoken.dev.azure.com/<org id>. */
  issuer: pulumi.Input<string>;
  subject: pulumi.Input<string>;
}

export interface IdentitiesArgs extends PlacementArgs {
  /** Which job identities this stack creates, each with its Azure name. */
  identities: Partial<Record<IdentityRole, string>>;
  /** Workload identity federation per role: tokens from this issuer and subject act as the identity. */
  federations?: Partial<Record<IdentityRole, Federation[]>>;
}

export interface IdentityRefs {
  id: pulumi.Output<string>;
  principalId: pulumi.Output<string>;
  clientId: pulumi.Output<string>;
}

/** Audience Entra ID expects in federated tokens. */
export const FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

/**
 * One user-assigned identity per job that touches data (prepare, train, score, promote), so each gets only the
 * roles its job needs and a leaked token of one cannot do another's work.
 */
export class Identities extends pulumi.ComponentResource {
  readonly byRole: Partial<Record<IdentityRole, IdentityRefs>> = {};
  private readonly baseName: string;
  private readonly resourceGroupName: pulumi.Input<string>;
  private readonly identityNames: Partial<Record<IdentityRole, pulumi.Output<string>>> = {};
  private readonly federationCount: Partial<Record<IdentityRole, number>> = {};
  private readonly lastCredential: Partial<
    Record<IdentityRole, managedidentity.FederatedIdentityCredential>
  > = {};

  constructor(name: string, args: IdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT.identities, name, {}, opts);
    this.baseName = name;
    this.resourceGroupName = args.resourceGroupName;
    for (const [role, resourceName] of Object.entries(args.identities) as [IdentityRole, string][]) {
      const identity = new managedidentity.UserAssignedIdentity(
        `${name}-${role}`,
        {
          resourceGroupName: args.resourceGroupName,
          location: args.location,
          resourceName,
          tags: { ...args.tags },
        },
        { parent: this },
      );
      this.byRole[role] = { id: identity.id, principalId: identity.principalId, clientId: identity.clientId };
      this.identityNames[role] = identity.name;
    }
    for (const [role, federations] of Object.entries(args.federations ?? {}) as [
      IdentityRole,
      Federation[],
    ][]) {
      for (const federation of federations) this.federate(role, federation);
    }
    this.registerOutputs({});
  }

  /**
   * Lets tokens from an issuer act as the identity. Azure rejects concurrent credential writes on one identity,
   * so each credential waits for the previous one.
   */
  federate(role: IdentityRole, federation: Federation): managedidentity.FederatedIdentityCredential {
    const identityName = this.identityNames[role];
    if (!identityName) throw new Error(`this stack has no ${role} identity to federate`);
    const index = this.federationCount[role] ?? 0;
    this.federationCount[role] = index + 1;
    const previous = this.lastCredential[role];
    const credential = new managedidentity.FederatedIdentityCredential(
      `${this.baseName}-${role}-federation-${index}`,
      {
        resourceGroupName: this.resourceGroupName,
        resourceName: identityName,
        federatedIdentityCredentialResourceName: `${role}-federation-${index}`,
        issuer: federation.issuer,
        subject: federation.subject,
        audiences: [FEDERATION_AUDIENCE],
      },
      { parent: this, dependsOn: previous ? [previous] : [] },
    );
    this.lastCredential[role] = credential;
    return credential;
  }

  get(role: IdentityRole): IdentityRefs {
    const refs = this.byRole[role];
    if (!refs) throw new Error(`this stack has no ${role} identity`);
    return refs;
  }
}
