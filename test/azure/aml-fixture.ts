import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AmlClientOptions, AmlWorkspaceRef } from '../../src/azure/aml-client.ts';
import type { DatastoreLocation } from '../../src/azure/aml-datastore.ts';
import { staticTokenCredential } from '../../src/azure/credential.ts';
import { configSchema } from '../../src/config/schema.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { simulateModels } from '../../twin/aml/models-state.ts';
import { SpecServer } from '../../twin/aml/spec-server.ts';

export const SUBSCRIPTION = '00000000-1111-2222-3333-444444444444';
export const DEV: AmlWorkspaceRef = {
  subscriptionId: SUBSCRIPTION,
  resourceGroup: 'mm-dev-rg',
  workspace: 'mm-dev-mlw',
};
export const PROD: AmlWorkspaceRef = {
  subscriptionId: SUBSCRIPTION,
  resourceGroup: 'mm-prod-rg',
  workspace: 'mm-prod-mlw',
};

/** A spec server holding two workspaces, and datastores kept as local folders (one per account/container). */
export async function startAml(options: { latencyMs?: number } = {}) {
  const server = await new SpecServer({
    workspaces: ['mm-dev-rg/mm-dev-mlw', 'mm-prod-rg/mm-prod-mlw'],
    latencyMs: options.latencyMs,
  }).start();
  const state = simulateModels(server, {
    subscriptionId: SUBSCRIPTION,
    datastores: {
      mm_lake: { type: 'AzureDataLakeGen2', accountName: 'mmdevlake', container: 'lake' },
      workspaceblobstore: {
        type: 'AzureBlob',
        accountName: 'mmmlwstore',
        container: 'azureml-blobstore-1234',
      },
    },
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'mm-aml-'));
  const opened: DatastoreLocation[] = [];
  const stores = new Map<string, FsBlobStore>();
  const client: AmlClientOptions = {
    endpoint: server.endpoint,
    ca: server.ca,
    credential: staticTokenCredential(server.token),
    retryDelayMs: 20,
    maxRetryDelayMs: 100,
  };
  return {
    server,
    state,
    client,
    opened,
    /** Each workspace's datastore as a folder, so dev and prod artifacts are really in different places. */
    artifactStore(workspace: AmlWorkspaceRef) {
      return (location: DatastoreLocation) => {
        opened.push(location);
        const key = `${workspace.workspace}-${location.container}`;
        const store = stores.get(key) ?? new FsBlobStore(path.join(dir, key));
        stores.set(key, store);
        return store;
      };
    },
    async stop() {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** configs/demo.yaml laid over by an Azure environment (dev lake, both workspaces, optionally a cluster). */
export function azureClusterConfig(
  compute: Record<string, unknown> | null = {
    cluster: 'cpu-cluster',
    instanceCount: 3,
    image: 'mmdevacr.azurecr.io/many-models:abc',
  },
) {
  return configSchema.parse({
    dataset: {
      path: 'x.parquet',
      partitionBy: ['Store', 'Brand'],
      time: 'WeekStarting',
      target: 'Quantity',
      frequency: 'W',
    },
    forecast: { horizon: 8, holdout: 8 },
    storage: { kind: 'azure', accountUrl: 'https://mmdevlake.blob.core.windows.net' },
    registry: {
      kind: 'azureml',
      subscriptionId: SUBSCRIPTION,
      resourceGroup: 'mm-dev-rg',
      devWorkspace: 'mm-dev-mlw',
      prodWorkspace: 'mm-prod-mlw',
      prodResourceGroup: 'mm-prod-rg',
    },
    ...(compute ? { compute } : {}),
  });
}
