import type { AzureMachineLearningWorkspaces } from '@azure/arm-machinelearning';
import type { BlobStore } from '../storage/types.ts';
import { type AmlClientOptions, type AmlWorkspaceRef, callOptions, workspaceLabel } from './aml-client.ts';
import { azureCall } from './errors.ts';

/** Where a blob datastore keeps its bytes. */
export interface DatastoreLocation {
  name: string;
  accountUrl: string;
  container: string;
}

/** Opens a datastore's container as a BlobStore; production uses AzureBlobStore with the same credential. */
export type ArtifactStoreFactory = (location: DatastoreLocation) => BlobStore;

/** Reads a workspace datastore's account and container (artifacts go there by the Blob API, not through AML). */
export async function resolveDatastore(
  client: AzureMachineLearningWorkspaces,
  ref: AmlWorkspaceRef,
  name: string,
  options: AmlClientOptions,
): Promise<DatastoreLocation> {
  const label = `datastore ${name} of ${workspaceLabel(ref)}`;
  const datastore = await azureCall(
    { service: 'arm', resource: label, operation: 'read datastore', role: 'AzureML Data Scientist' },
    () => client.datastores.get(ref.resourceGroup, ref.workspace, name, callOptions(options)),
  );
  const p = datastore.properties;
  // Both kinds are read through the Blob API: ADLS Gen2 serves it on the same account.
  const where =
    p.datastoreType === 'AzureBlob' && 'containerName' in p
      ? { account: p.accountName, container: p.containerName, endpoint: p.endpoint, protocol: p.protocol }
      : p.datastoreType === 'AzureDataLakeGen2' && 'filesystem' in p
        ? { account: p.accountName, container: p.filesystem, endpoint: p.endpoint, protocol: p.protocol }
        : undefined;
  if (!where?.account || !where.container) {
    throw new Error(
      `${label} is a ${p.datastoreType} datastore; model artifacts need an AzureBlob or AzureDataLakeGen2 one`,
    );
  }
  const accountUrl = `${where.protocol ?? 'https'}://${where.account}.blob.${where.endpoint ?? 'core.windows.net'}`;
  return { name, accountUrl, container: where.container };
}
