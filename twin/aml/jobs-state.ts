import { armError, type SpecServer } from './spec-server.ts';

type Json = Record<string, unknown>;

/** A job the twin runs for real (see node-runner.ts); its status is read on every Jobs_Get. */
export interface RunningJob {
  status(): string;
}

export interface JobsOptions {
  /**
   * A job must name an environment version that exists in its workspace (the REST body's `environmentId` is an
   * ARM id of a version: `azureml:<name>@latest` is resolved by the CLI, never sent; Jobs - Create Or Update,
   * mfe.json JobBase/CommandJob.environmentId). The twin answers 400 UserError otherwise.
   */
  requireEnvironments?: boolean;
  /** Runs a submitted job; without it, statuses follow the 'test.statuses' tag. */
  run?: (job: { ws: string; name: string; properties: Json }) => RunningJob;
}

/**
 * Jobs and environment versions of a workspace on the spec server. Job names are unique in a workspace: a second
 * Jobs_CreateOrUpdate with a used name is refused with 409 (a job's definition cannot change once submitted).
 * Without a runner, a job moves one status on per read; a 'test.statuses' tag scripts the sequence
 * (default Queued, Running, Completed).
 */
export function simulateJobs(server: SpecServer, subscriptionId: string, options: JobsOptions = {}) {
  const jobs = new Map<string, { body: Json; statuses: string[]; running?: RunningJob }>();
  const environments = new Map<string, Json>();
  /** Component specs by 'rg/ws|<ARM id of the version>'; code versions likewise (their codeUri). */
  const components = new Map<string, Json>();
  const codes = new Map<string, Json>();
  const versionId = (ws: string, kind: string, name: string, version: string) => {
    const [rg, workspace] = ws.split('/');
    return `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/Microsoft.MachineLearningServices/workspaces/${workspace}/${kind}/${name}/versions/${version}`;
  };
  const versioned =
    (kind: 'codes' | 'components', store: Map<string, Json>, type: string) =>
    ({ params, body, ws }: { params: Record<string, string>; body: Json; ws: string }) => {
      const id = versionId(ws, kind, params.name!, params.version!);
      const properties = body.properties as Json;
      const existed = store.has(`${ws}|${id}`);
      store.set(`${ws}|${id}`, kind === 'components' ? (properties.componentSpec as Json) : properties);
      return { status: existed ? 200 : 201, body: { id, name: params.version, type, properties } };
    };
  server.handle(
    'CodeVersions_CreateOrUpdate',
    versioned('codes', codes, 'Microsoft.MachineLearningServices/workspaces/codes/versions'),
  );
  server.handle(
    'ComponentVersions_CreateOrUpdate',
    versioned('components', components, 'Microsoft.MachineLearningServices/workspaces/components/versions'),
  );
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
    const properties = body.properties as Json & {
      tags?: Record<string, string>;
      environmentId?: string;
      jobs?: Record<string, { componentId?: string }>;
    };
    // A pipeline job's steps name component versions (registered before the job), whose specs name the
    // environment (mfe.json PipelineJob.jobs; ComponentVersions_CreateOrUpdate): each must exist.
    const environmentIds: string[] = [];
    if (properties.jobType === 'Pipeline') {
      for (const [step, node] of Object.entries(properties.jobs ?? {})) {
        const spec = components.get(`${ws}|${node.componentId}`);
        if (!spec) {
          return {
            status: 400,
            body: armError('UserError', `jobs.${step}: component '${node.componentId}' does not exist`),
          };
        }
        const task = spec.task as { environment?: string } | undefined;
        environmentIds.push(String(task?.environment ?? spec.environment ?? ''));
      }
    } else environmentIds.push(properties.environmentId ?? '');
    for (const environmentId of options.requireEnvironments ? environmentIds : []) {
      const match = /\/environments\/([^/]+)\/versions\/([^/]+)$/.exec(environmentId);
      if (!match || !environments.has(`${ws}/${match[1]}:${match[2]}`)) {
        return {
          status: 400,
          body: armError(
            'UserError',
            `environment '${environmentId}' is not a registered environment version of this workspace`,
          ),
        };
      }
    }
    const statuses = properties.tags?.['test.statuses']?.split(',') ?? ['Queued', 'Running', 'Completed'];
    const running = options.run?.({ ws, name: params.id!, properties });
    jobs.set(key, { body: properties, statuses, running });
    return { status: 201, body: resource(ws, params.id!, properties, 'NotStarted') };
  });
  server.handle('Jobs_Get', ({ params, ws }) => {
    const job = jobs.get(`${ws}/${params.id}`);
    if (!job) return { status: 404, body: armError('ResourceNotFound', `job ${params.id} not found`) };
    const status = job.running
      ? job.running.status()
      : job.statuses.length > 1
        ? job.statuses.shift()!
        : job.statuses[0]!;
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
  return { jobs, environments, components, codes, sent };
}
