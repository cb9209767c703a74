import { z } from 'zod';

/**
 * The stack outputs the steps and pipelines consume (`pulumi stack output --json`). The program declares them
 * with this shape and infra/scripts/write-environment.ts reads them back through the same schema, so a renamed
 * output fails the script instead of writing a wrong environment file.
 */
export const stackOutputsSchema = z.object({
  environment: z.enum(['dev', 'prod']),
  location: z.string().min(1),
  subscriptionId: z.string().min(1),
  resourceGroupName: z.string().min(1),
  lakeAccountName: z.string().min(1),
  /** https://<account>.blob.core.windows.net/ */
  lakeBlobEndpoint: z.url(),
  lakeDfsEndpoint: z.url(),
  /** The engine's container (storage.container). */
  lakeContainer: z.string().min(1),
  /** Its resource id: the prod stack scopes the promotion identity's read of dev artifacts to it. */
  lakeContainerId: z.string().min(1),
  workspaceName: z.string().min(1),
  workspaceId: z.string().min(1),
  devWorkspaceName: z.string().min(1),
  devResourceGroupName: z.string().min(1),
  prodWorkspaceName: z.string().min(1),
  prodResourceGroupName: z.string().min(1),
  computeClusterName: z.string().min(1),
  computeMaxNodes: z.number().int().positive(),
  containerRegistryLoginServer: z.string().min(1),
  containerRegistryId: z.string().min(1).optional(),
  /** Client ids the jobs pass to DefaultAzureCredential (AZURE_CLIENT_ID) to act as their identity. */
  identityClientIds: z.record(z.string(), z.string()),
  /** Prod only: the dev lake, where the promotion stage reads the trained run and the prepared data. */
  devLakeBlobEndpoint: z.url().optional(),
  devLakeContainer: z.string().min(1).optional(),
  synapseWorkspaceName: z.string().optional(),
  synapseServerlessSqlEndpoint: z.string().optional(),
  synapseDatabase: z.string().optional(),
  aksClusterName: z.string().optional(),
  aksOidcIssuerUrl: z.string().optional(),
  aksNamespace: z.string().optional(),
  aksServiceAccount: z.string().optional(),
  /** In-cluster URL of the real-time forecast endpoint, when the scoring service is deployed. */
  scoringServiceUrl: z.string().optional(),
  databricksWorkspaceUrl: z.string().optional(),
  /** The job cluster the databricks engine submits with (compute.databricks sparkVersion, nodeType, workers). */
  databricksJobCluster: z
    .object({ sparkVersion: z.string(), nodeType: z.string(), workers: z.number().int().positive() })
    .optional(),
  /** Resource id of the access connector to name in the Unity Catalog storage credential for the lake volume. */
  databricksAccessConnectorId: z.string().optional(),
  /** The Spark pool the synapse-spark engine submits batches to (compute.synapseSpark.sparkPool). */
  synapseSparkPool: z.string().optional(),
});

export type StackOutputs = z.infer<typeof stackOutputsSchema>;
