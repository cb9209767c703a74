import { armError, type SpecServer } from './spec-server.ts';

type Json = Record<string, unknown>;

interface VersionState {
  properties: Json;
  createdAt: string;
}

interface ContainerState {
  properties: Json;
  createdAt: string;
  versions: Map<string, VersionState>;
}

const PROVIDER = 'Microsoft.MachineLearningServices';

type Datastores = Record<
  string,
  { type: 'AzureBlob' | 'AzureDataLakeGen2'; accountName: string; container: string }
>;

/**
 * Model names as the REST specification constrains the `{name}` path parameter of models (mfe.json,
 * api-version 2022-10-01: pattern ^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$).
 */
export const MODEL_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$/;

/**
 * The model registry behaviour of a workspace (containers, versions, a blob datastore) on the spec server:
 * what Azure ML does with these requests, in the response shapes of the specification's examples.
 */
export function simulateModels(
  server: SpecServer,
  options: {
    subscriptionId: string;
    /** Datastores by name: an ADLS Gen2 filesystem (like mm_lake) or a blob container (like workspaceblobstore). */
    datastores?: Datastores | ((ws: string) => Datastores);
    pageSize?: number;
  },
) {
  const workspaces = new Map<string, Map<string, ContainerState>>();
  const models = (ws: string) => {
    const m = workspaces.get(ws) ?? new Map<string, ContainerState>();
    workspaces.set(ws, m);
    return m;
  };
  const id = (ws: string, ...rest: string[]) => {
    const [rg, name] = ws.split('/');
    return `/subscriptions/${options.subscriptionId}/resourceGroups/${rg}/providers/${PROVIDER}/workspaces/${name}/${rest.join('/')}`;
  };
  const systemData = (createdAt: string) => ({
    createdAt,
    createdBy: 'many-models test',
    createdByType: 'Application',
    lastModifiedAt: createdAt,
    lastModifiedBy: 'many-models test',
    lastModifiedByType: 'Application',
  });
  const latest = (c: ContainerState) => {
    const numbers = [...c.versions.keys()].map(Number).filter(Number.isFinite);
    return numbers.length ? String(Math.max(...numbers)) : undefined;
  };
  const containerResource = (ws: string, name: string, c: ContainerState) => {
    const last = latest(c);
    return {
      id: id(ws, 'models', name),
      name,
      type: `${PROVIDER}/workspaces/models`,
      properties: { ...c.properties, latestVersion: last, nextVersion: String(Number(last ?? 0) + 1) },
      systemData: systemData(c.createdAt),
    };
  };
  const versionResource = (ws: string, name: string, version: string, v: VersionState) => ({
    id: id(ws, 'models', name, 'versions', version),
    name: version,
    type: `${PROVIDER}/workspaces/models/versions`,
    properties: v.properties,
    systemData: systemData(v.createdAt),
  });
  const notFound = (what: string) => ({
    status: 404,
    body: armError('ResourceNotFound', `${what} was not found`),
  });

  server.handle('ModelContainers_Get', ({ params, ws }) => {
    const c = models(ws).get(params.name!);
    return c
      ? { status: 200, body: containerResource(ws, params.name!, c) }
      : notFound(`model ${params.name}`);
  });
  server.handle('ModelContainers_CreateOrUpdate', ({ params, body, ws }) => {
    if (!MODEL_NAME.test(params.name!)) {
      return {
        status: 400,
        body: armError('UserError', `model name '${params.name}' does not match ${MODEL_NAME.source}`),
      };
    }
    const existing = models(ws).get(params.name!);
    const properties = { ...((body.properties as Json) ?? {}) };
    if (existing) {
      existing.properties = properties;
      return { status: 200, body: containerResource(ws, params.name!, existing) };
    }
    const c = { properties, createdAt: new Date().toISOString(), versions: new Map() };
    models(ws).set(params.name!, c);
    return { status: 201, body: containerResource(ws, params.name!, c) };
  });
  server.handle('ModelContainers_List', ({ query, ws }) => {
    const all = [...models(ws)].sort(([a], [b]) => (a < b ? -1 : 1));
    const skip = Number(query.get('$skip') ?? 0);
    const size = options.pageSize ?? 2;
    const page = all.slice(skip, skip + size).map(([name, c]) => containerResource(ws, name, c));
    const [rg, name] = ws.split('/');
    const nextLink =
      skip + size < all.length
        ? `${server.endpoint}/subscriptions/${options.subscriptionId}/resourceGroups/${rg}/providers/${PROVIDER}/workspaces/${name}/models?api-version=2022-10-01&$skip=${skip + size}`
        : undefined;
    return { status: 200, body: { value: page, nextLink } };
  });
  server.handle('ModelVersions_Get', ({ params, ws }) => {
    const v = models(ws).get(params.name!)?.versions.get(params.version!);
    return v
      ? { status: 200, body: versionResource(ws, params.name!, params.version!, v) }
      : notFound(`version ${params.version} of ${params.name}`);
  });
  server.handle('ModelVersions_CreateOrUpdate', ({ params, body, ws }) => {
    if (!MODEL_NAME.test(params.name!)) {
      return {
        status: 400,
        body: armError('UserError', `model name '${params.name}' does not match ${MODEL_NAME.source}`),
      };
    }
    // The first version creates its container: Azure ML's own SDK registers a model with the version PUT alone
    // (azure-ai-ml, azure/ai/ml/operations/_model_operations.py, ModelOperations.create_or_update).
    let c = models(ws).get(params.name!);
    if (!c) {
      c = { properties: {}, createdAt: new Date().toISOString(), versions: new Map() };
      models(ws).set(params.name!, c);
    }
    const properties = (body.properties as Json) ?? {};
    const existing = c.versions.get(params.version!);
    if (existing) {
      if (existing.properties.modelUri !== properties.modelUri) {
        return {
          status: 409,
          body: armError(
            'Conflict',
            `version ${params.version} of ${params.name} exists with another modelUri`,
          ),
        };
      }
      // The mutable properties of a version: tags, description and AssetBase.isArchived (mfe.json,
      // api-version 2022-10-01, definitions AssetBase and ResourceBase); the model itself (modelUri) is not.
      existing.properties = {
        ...existing.properties,
        tags: properties.tags,
        description: properties.description,
        ...(properties.isArchived === undefined ? {} : { isArchived: properties.isArchived }),
      };
      return { status: 200, body: versionResource(ws, params.name!, params.version!, existing) };
    }
    const v = { properties, createdAt: new Date().toISOString() };
    c.versions.set(params.version!, v);
    return { status: 201, body: versionResource(ws, params.name!, params.version!, v) };
  });
  server.handle('Datastores_Get', ({ params, ws }) => {
    const all = typeof options.datastores === 'function' ? options.datastores(ws) : options.datastores;
    const store = all?.[params.name!];
    if (!store) return notFound(`datastore ${params.name}`);
    const where =
      store.type === 'AzureBlob'
        ? { accountName: store.accountName, containerName: store.container }
        : { accountName: store.accountName, filesystem: store.container };
    return {
      status: 200,
      body: {
        id: id(ws, 'datastores', params.name!),
        name: params.name,
        type: `${PROVIDER}/workspaces/datastores`,
        properties: {
          description: `datastore ${params.name}`,
          tags: {},
          isDefault: store.type === 'AzureBlob',
          credentials: { credentialsType: 'None' },
          datastoreType: store.type,
          ...where,
          endpoint: 'core.windows.net',
          protocol: 'https',
        },
        systemData: systemData('2024-01-01T00:00:00.000Z'),
      },
    };
  });
  return { models };
}
