import { armError, type SpecServer } from './spec-server.ts';

type Json = Record<string, unknown>;

/**
 * Jobs and environment versions of a workspace on the spec server. A job moves one status on per read; a
 * 'test.statuses' tag scripts the sequence (default Queued, Running, Completed).
 */
export function simulateJobs(server: SpecServer, subscriptionId: string) {
  const jobs = new Map<string, { body: Json; statuses: string[] }>();
  const environments = new Map<string, Json>();
  const resource = (ws: string, id: string, properties: Json, status: string) => {
    const [rg, name] = ws.split('/');
    return {
      id: `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${name}/jobs/${id}`,
      name: id,
      type: 'Microsoft.MachineLearningServices/workspaces/jobs',
      properties: { ...properties, status },
    };
  };
  server.handle('Jobs_CreateOrUpdate', ({ params, body, ws }) => {
    const key = `${ws}/${params.id}`;
    if (jobs.has(key)) return { status: 409, body: armError('Conflict', `job ${params.id} exists`) };
    const properties = body.properties as Json & { tags?: Record<string, string> };
    const statuses = properties.tags?.['test.statuses']?.split(',') ?? ['Queued', 'Running', 'Completed'];
    jobs.set(key, { body: properties, statuses });
    return { status: 201, body: resource(ws, params.id!, properties, 'NotStarted') };
  });
  server.handle('Jobs_Get', ({ params, ws }) => {
    const job = jobs.get(`${ws}/${params.id}`);
    if (!job) return { status: 404, body: armError('ResourceNotFound', `job ${params.id} not found`) };
    const status = job.statuses.length > 1 ? job.statuses.shift()! : job.statuses[0]!;
    return { status: 200, body: resource(ws, params.id!, job.body, status) };
  });
  server.handle('EnvironmentVersions_CreateOrUpdate', ({ params, body, ws }) => {
    const key = `${ws}/${params.name}:${params.version}`;
    const existed = environments.has(key);
    environments.set(key, body.properties as Json);
    return {
      status: existed ? 200 : 201,
      body: {
        id: key,
        name: params.version,
        type: 'Microsoft.MachineLearningServices/workspaces/environments/versions',
        properties: body.properties,
      },
    };
  });
  /** A job's submitted properties by workspace ('rg/ws') and id. */
  const sent = (ws: string, id: string) => jobs.get(`${ws}/${id}`)?.body;
  return { jobs, environments, sent };
}
