import { type JsonReply, type JsonRequest, RecordingJsonService } from '../https-json.ts';

/**
 * A stand-in for the Azure Databricks Jobs API 2.1 one-time runs, built from the API reference:
 * - runs/submit: https://docs.databricks.com/api/azure/workspace/jobs/submit
 * - runs/get:    https://docs.databricks.com/api/azure/workspace/jobs/getrun
 * - runs/cancel: https://docs.databricks.com/api/azure/workspace/jobs/cancelrun
 * - errors:      https://learn.microsoft.com/azure/databricks/dev-tools/api/latest/ ("Error handling": JSON
 *   `{error_code, message}`, 400 INVALID_PARAMETER_VALUE, 401 for a missing or bad token, 403 PERMISSION_DENIED,
 *   404 RESOURCE_DOES_NOT_EXIST, 429 REQUEST_LIMIT_EXCEEDED with Retry-After)
 * and the run life cycle (RunLifeCycleState: PENDING -> RUNNING -> TERMINATING -> TERMINATED; RunResultState:
 * SUCCESS, FAILED, TIMEDOUT, CANCELED; INTERNAL_ERROR when the platform fails).
 * A run advances one life-cycle step per `runs/get`; what its task does is the `execute` hook's business (a test
 * answers at once; a rehearsal runs the submitted `spark_python_task` on a local Spark).
 */
export interface DatabricksRunOutcome {
  result: 'SUCCESS' | 'FAILED' | 'TIMEDOUT';
  message?: string;
}

export interface DatabricksJobsOptions {
  /** Bearer tokens of identities that may use the workspace. */
  tokens: string[];
  /** Of those, the tokens whose identity may create job clusters (others get 403 PERMISSION_DENIED). */
  canCreateClusters?: string[];
  /** What the run's task does, given the submitted body. Default: succeeds. */
  execute?: (submitted: Record<string, unknown>) => Promise<DatabricksRunOutcome>;
  /** Answer the next N requests with 429 and this Retry-After (seconds). */
  throttle?: { requests: number; retryAfter: number };
}

interface SimRun {
  run_id: number;
  run_name: string;
  submitted: Record<string, unknown>;
  life: 'PENDING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED' | 'INTERNAL_ERROR';
  result?: string;
  message: string;
  settled?: DatabricksRunOutcome;
}

const TASK_KEY = /^[\w\-.]{1,100}$/;

export class DatabricksJobsSimulator extends RecordingJsonService {
  readonly runs = new Map<number, SimRun>();
  readonly #options: DatabricksJobsOptions;
  readonly #byToken = new Map<string, number>();
  #nextId = 1000;
  #throttled = 0;

  constructor(options: DatabricksJobsOptions) {
    super();
    this.#options = options;
  }

  protected answer(request: JsonRequest): JsonReply {
    if (!request.token || !this.#options.tokens.includes(request.token)) {
      return { status: 401, body: { error_code: 'UNAUTHENTICATED', message: 'Invalid access token.' } };
    }
    const throttle = this.#options.throttle;
    if (throttle && this.#throttled < throttle.requests) {
      this.#throttled++;
      return {
        status: 429,
        headers: { 'retry-after': String(throttle.retryAfter) },
        body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests.' },
      };
    }
    const route = `${request.method} ${request.path}`;
    if (route === 'POST /api/2.1/jobs/runs/submit') return this.#submit(request);
    if (route === 'GET /api/2.1/jobs/runs/get') return this.#get(request);
    if (route === 'POST /api/2.1/jobs/runs/cancel') return this.#cancel(request);
    return {
      status: 404,
      body: { error_code: 'ENDPOINT_NOT_FOUND', message: `No API found for '${route}'` },
    };
  }

  #submit(request: JsonRequest): JsonReply {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const problem = submitProblem(body);
    if (problem) return invalid(problem);
    const allowed = this.#options.canCreateClusters ?? this.#options.tokens;
    if (!allowed.includes(request.token!)) {
      return {
        status: 403,
        body: { error_code: 'PERMISSION_DENIED', message: 'You are not authorized to create clusters.' },
      };
    }
    // "If a run with the provided token already exists, the request does not create a new run but returns the ID
    // of the existing run instead."
    const token = body.idempotency_token as string | undefined;
    const existing = token ? this.#byToken.get(token) : undefined;
    if (existing !== undefined) return { status: 200, body: { run_id: existing } };
    const run_id = this.#nextId++;
    const run: SimRun = {
      run_id,
      run_name: String(body.run_name ?? 'Untitled'),
      submitted: body,
      life: 'PENDING',
      message: 'Waiting for cluster',
    };
    this.runs.set(run_id, run);
    if (token) this.#byToken.set(token, run_id);
    return { status: 200, body: { run_id } };
  }

  #get(request: JsonRequest): JsonReply {
    const id = Number(request.query.get('run_id'));
    if (!Number.isInteger(id)) return invalid('run_id is required and must be an integer');
    const run = this.runs.get(id);
    if (!run)
      return {
        status: 404,
        body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run ${id} does not exist.` },
      };
    // One life-cycle step per read: the cluster comes up (PENDING -> RUNNING, the task starts), and once the task
    // has finished TERMINATING is seen before TERMINATED.
    if (run.life === 'PENDING') this.#startTask(run);
    else if (run.settled && run.life === 'RUNNING') run.life = 'TERMINATING';
    else if (run.settled && run.life === 'TERMINATING') {
      run.life = 'TERMINATED';
      run.result = run.settled.result;
      run.message = run.settled.message ?? '';
    }
    return {
      status: 200,
      body: {
        run_id: run.run_id,
        run_name: run.run_name,
        run_page_url: `${this.url}/#job/runs/${run.run_id}`,
        state: {
          life_cycle_state: run.life,
          ...(run.result ? { result_state: run.result } : {}),
          state_message: run.message,
        },
        tasks: (run.submitted.tasks as { task_key: string }[]).map((t) => ({ task_key: t.task_key })),
      },
    };
  }

  #startTask(run: SimRun): void {
    run.life = 'RUNNING';
    run.message = '';
    const execute = this.#options.execute ?? (async () => ({ result: 'SUCCESS' as const }));
    execute(run.submitted).then(
      (outcome) => {
        run.settled = outcome;
      },
      (error: unknown) => {
        run.life = 'INTERNAL_ERROR';
        run.message = `the platform failed: ${(error as Error).message}`;
      },
    );
  }

  #cancel(request: JsonRequest): JsonReply {
    const id = Number((request.body as { run_id?: unknown } | undefined)?.run_id);
    const run = this.runs.get(id);
    if (!run)
      return {
        status: 404,
        body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Run ${id} does not exist.` },
      };
    if (run.life !== 'TERMINATED') {
      run.life = 'TERMINATED';
      run.result = 'CANCELED';
      run.message = 'Run cancelled.';
    }
    return { status: 200, body: {} };
  }
}

function invalid(message: string): JsonReply {
  return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } };
}

/** The request rules of runs/submit that a wrong body would break (per the API reference). */
export function submitProblem(body: Record<string, unknown>): string | undefined {
  const token = body.idempotency_token;
  if (token !== undefined && (typeof token !== 'string' || token.length > 64)) {
    return 'idempotency_token must be a string of at most 64 characters';
  }
  if (body.timeout_seconds !== undefined && !Number.isInteger(body.timeout_seconds)) {
    return 'timeout_seconds must be an integer';
  }
  const tasks = body.tasks;
  if (!Array.isArray(tasks) || tasks.length === 0) return 'tasks is required: at least one task';
  if (tasks.length > 100) return 'a run can have at most 100 tasks';
  const keys = new Set<string>();
  for (const task of tasks as Record<string, unknown>[]) {
    const key = task.task_key;
    if (typeof key !== 'string' || !TASK_KEY.test(key)) return `task_key '${String(key)}' is invalid`;
    if (keys.has(key)) return `task_key '${key}' is used twice`;
    keys.add(key);
    const clusters = ['new_cluster', 'existing_cluster_id', 'job_cluster_key', 'environment_key'].filter(
      (k) => task[k] !== undefined,
    );
    if (clusters.length > 1) return `task ${key}: only one of ${clusters.join(', ')} may be set`;
    const cluster = task.new_cluster as Record<string, unknown> | undefined;
    if (cluster) {
      if (typeof cluster.spark_version !== 'string')
        return `task ${key}: new_cluster.spark_version is required`;
      if (cluster.node_type_id === undefined && cluster.instance_pool_id === undefined) {
        return `task ${key}: new_cluster needs node_type_id or instance_pool_id`;
      }
      if (cluster.num_workers === undefined && cluster.autoscale === undefined) {
        return `task ${key}: new_cluster needs num_workers or autoscale`;
      }
      for (const script of (cluster.init_scripts as
        | Record<string, { destination?: unknown }>[]
        | undefined) ?? []) {
        const [kind, where] = Object.entries(script)[0] ?? [];
        if (!kind || typeof where?.destination !== 'string')
          return `task ${key}: an init script needs a destination`;
        if (kind === 'volumes' && !where.destination.startsWith('/Volumes/')) {
          return `task ${key}: a volumes init script must be under /Volumes/`;
        }
      }
      if (cluster.data_security_mode === 'SINGLE_USER' && typeof cluster.single_user_name !== 'string') {
        return `task ${key}: data_security_mode SINGLE_USER needs single_user_name`;
      }
    }
    const python = task.spark_python_task as { python_file?: unknown; parameters?: unknown } | undefined;
    if (python) {
      if (typeof python.python_file !== 'string')
        return `task ${key}: spark_python_task.python_file is required`;
      if (
        python.parameters !== undefined &&
        !(Array.isArray(python.parameters) && python.parameters.every((p) => typeof p === 'string'))
      ) {
        return `task ${key}: spark_python_task.parameters must be strings`;
      }
    }
  }
  return undefined;
}
