import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { buildStack } from '../../../infra/program.ts';
import { installMocks, resolve, settle, stackConfig } from '../harness.ts';

/**
 * The Kubernetes manifests the Pulumi program applies, written out as YAML files (one per object) for scanners:
 * the prod stack with the scoring service and its ingress configured, built under the mocks, every
 * `kubernetes:*` resource with the inputs the provider would send to the API server.
 */
export async function renderManifests(outDir: string): Promise<string[]> {
  const prod = stackConfig('prod');
  const config = stackConfig('prod', {
    aks: {
      ...prod.aks,
      scoring: {
        image: 'mmprodacr.azurecr.io/many-models-serve@sha256:' + 'a'.repeat(64),
        configFile: 'configs/demo.yaml',
        callerNamespaces: ['mm-callers'],
        ingress: { host: 'forecast.example.com', tlsSecretName: 'forecast-tls' },
      },
    },
  });
  const rec = await installMocks({
    stack: 'prod',
    stackOutputs: {
      workspaceId: 'dev-ws',
      lakeContainerId: 'dev-lake',
      containerRegistryId: 'dev-acr',
      lakeBlobEndpoint: 'https://mmdevlake.blob.core.windows.net/',
      lakeContainer: 'lake',
    },
  });
  const stack = buildStack(config);
  await resolve(stack.outputs);
  await settle();
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const d of rec.declared.filter(
    (r) => r.type.startsWith('kubernetes:') && r.type !== 'kubernetes:provider:Provider',
  )) {
    const { apiVersion, kind, metadata, ...rest } = d.inputs as Record<string, unknown>;
    const manifest = { apiVersion, kind, metadata, ...rest };
    const file = path.join(outDir, `${String(kind).toLowerCase()}-${d.name}.yaml`);
    await writeFile(file, stringify(manifest));
    files.push(file);
  }
  return files;
}
