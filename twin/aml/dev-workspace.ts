import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AzureMlModelRegistry, type AzureMlRegistryOptions } from '../../src/azure/aml-registry.ts';
import { FsBlobStore } from '../../src/storage/fs-blob-store.ts';
import { TokenIssuer } from '../identity/tokens.ts';
import { TwinEstate } from '../rbac/estate.ts';
import { twinCredential } from '../storage/lakes.ts';
import { ArmGate, type TokenBuckets } from './arm-gate.ts';
import { simulateModels } from './models-state.ts';
import { SpecServer } from './spec-server.ts';

/**
 * The twin's dev Azure ML workspace alone, behind ARM's gate (the caller's role checked, these token buckets), with
 * its model registry and the lake datastore; `registry()` is the product's AzureMlModelRegistry on it, signed in as
 * dev/training, artifacts in a folder. For the tests and the bench of registering at ARM's throttling rates.
 */
export async function startDevWorkspace(options: { buckets: TokenBuckets; pageSize?: number }) {
  const estate = new TwinEstate({ subscriptionId: '00000000-0000-0000-0000-000000000000' });
  const issuer = new TokenIssuer(estate.tenantId);
  const { resourceGroup, workspace, lake } = estate.names.dev;
  const server = await new SpecServer({
    workspaces: [`${resourceGroup}/${workspace}`],
    gate: new ArmGate({ estate, issuer, throttle: options.buckets }),
  }).start();
  simulateModels(server, {
    subscriptionId: estate.subscriptionId,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    datastores: { mm_lake: { type: 'AzureDataLakeGen2', accountName: lake, container: 'lake' } },
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'mm-dev-workspace-'));
  return {
    server,
    registry: (overrides: Partial<AzureMlRegistryOptions> = {}) =>
      new AzureMlModelRegistry({
        endpoint: server.endpoint,
        ca: server.ca,
        credential: twinCredential(issuer, estate.principal('dev/training')),
        workspace: { subscriptionId: estate.subscriptionId, resourceGroup, workspace },
        stage: 'dev',
        artifactStore: () => new FsBlobStore(dir),
        ...overrides,
      }),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
