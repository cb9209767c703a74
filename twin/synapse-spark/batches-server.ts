import { type JsonReply, type JsonRequest, RecordingJsonService } from '../https-json.ts';

/**
 * A stand-in for the Synapse Spark batch API of a workspace development endpoint, built from the REST spec
 * Azure/azure-rest-api-specs specification/synapse/data-plane/Microsoft.Synapse/preview/2019-11-01-preview/
 * sparkJob.json:
 * - `POST /livyApi/versions/{livyApiVersion}/sparkPools/{sparkPoolName}/batches` (SparkBatch_CreateSparkBatchJob):
 *   body SparkBatchJobOptions, `name` and `file` required; `args`, `jars`, `pyFiles`, `files`, `archives` string
 *   arrays; `conf` and `tags` string maps; `driverCores`, `executorCores`, `numExecutors` int32; answers
 *   SparkBatchJob (`id` int32, `state`, `result` Uncertain|Succeeded|Failed|Cancelled, `errorInfo`, `livyInfo`).
 * - `GET .../batches/{batchId}` (SparkBatch_GetSparkBatchJob), `DELETE .../batches/{batchId}` (cancel).
 * Livy batch states (livyInfo: notStartedAt, startingAt, runningAt, successAt, deadAt, killedAt): a batch moves
 * not_started -> starting -> running -> success | dead one step per read; `result` stays Uncertain until then.
 * Tokens must be for the development endpoint (https://dev.azuresynapse.net); a caller without the Synapse
 * RBAC role gets 403 (https://learn.microsoft.com/azure/synapse-analytics/security/synapse-workspace-synapse-rbac-roles:
 * submitting Spark jobs needs Synapse Compute Operator on the pool and Synapse Credential User on the credential).
 */
export interface SynapseBatchOutcome {
  result: 'Succeeded' | 'Failed';
  message?: string;
}

export interface SynapseBatchesOptions {
  /** Bearer tokens of identities known to the workspace. */
  tokens: string[];
  /** Of those, the tokens whose identity holds Synapse Compute Operator (others: 403). Default: all. */
  computeOperators?: string[];
  /** Spark pools of the workspace; other names: 404. */
  pools: string[];
  execute?: (submitted: Record<string, unknown>) => Promise<SynapseBatchOutcome>;
}

const LIVY_API_VERSIONS = new Set(['2019-11-01-preview']);
const ARRAYS = ['args', 'jars', 'pyFiles', 'files', 'archives'];
const INTS = ['driverCores', 'executorCores', 'numExecutors'];

interface SimBatch {
  id: number;
  name: string;
  pool: string;
  submitted: Record<string, unknown>;
  state: 'not_started' | 'starting' | 'running' | 'success' | 'dead' | 'killed';
  result: 'Uncertain' | 'Succeeded' | 'Failed' | 'Cancelled';
  livyInfo: Record<string, string>;
  errors: { message: string; errorCode: string; source: string }[];
  settled?: SynapseBatchOutcome;
}

export class SynapseBatchesSimulator extends RecordingJsonService {
  readonly batches = new Map<number, SimBatch>();
  readonly #options: SynapseBatchesOptions;
  #nextId = 1;

  constructor(options: SynapseBatchesOptions) {
    super();
    this.#options = options;
  }

  protected answer(request: JsonRequest): JsonReply {
    if (!request.token || !this.#options.tokens.includes(request.token)) {
      return { status: 401, body: { code: 'Unauthorized', message: 'Token Authentication failed.' } };
    }
    const match = /^\/livyApi\/versions\/([^/]+)\/sparkPools\/([^/]+)\/batches(?:\/([^/]+))?$/.exec(
      request.path,
    );
    if (!match)
      return { status: 404, body: { code: 'NotFound', message: `no operation at ${request.path}` } };
    const [, version, poolRaw, idRaw] = match;
    if (!LIVY_API_VERSIONS.has(version!)) {
      return {
        status: 400,
        body: { code: 'InvalidApiVersion', message: `livy API version ${version} is not supported` },
      };
    }
    const pool = decodeURIComponent(poolRaw!);
    if (!this.#options.pools.includes(pool)) {
      return { status: 404, body: { code: 'SparkPoolNotFound', message: `Spark pool ${pool} not found` } };
    }
    const operators = this.#options.computeOperators ?? this.#options.tokens;
    if (!operators.includes(request.token)) {
      return {
        status: 403,
        body: {
          code: 'Unauthorized',
          message: `The principal does not have the required Synapse RBAC permission to perform this action. Required permission: Microsoft.Synapse/workspaces/bigDataPools/useCompute/action`,
        },
      };
    }
    if (idRaw === undefined) {
      if (request.method === 'POST') return this.#create(pool, request);
      return { status: 405, body: { code: 'MethodNotAllowed', message: request.method } };
    }
    const id = Number(idRaw);
    const batch = Number.isInteger(id) ? this.batches.get(id) : undefined;
    if (!batch || batch.pool !== pool) {
      return {
        status: 404,
        body: { code: 'BatchNotFound', message: `batch ${idRaw} not found in pool ${pool}` },
      };
    }
    if (request.method === 'GET') {
      this.#advance(batch);
      return { status: 200, body: view(batch) };
    }
    if (request.method === 'DELETE') {
      if (batch.state !== 'success' && batch.state !== 'dead') {
        batch.state = 'killed';
        batch.result = 'Cancelled';
        batch.livyInfo.killedAt = new Date().toISOString();
      }
      return { status: 200 };
    }
    return { status: 405, body: { code: 'MethodNotAllowed', message: request.method } };
  }

  #create(pool: string, request: JsonRequest): JsonReply {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const problem = batchProblem(body);
    if (problem) return { status: 400, body: { code: 'InvalidRequest', message: problem } };
    const batch: SimBatch = {
      id: this.#nextId++,
      name: String(body.name),
      pool,
      submitted: body,
      state: 'not_started',
      result: 'Uncertain',
      livyInfo: { notStartedAt: new Date().toISOString() },
      errors: [],
    };
    this.batches.set(batch.id, batch);
    return { status: 200, body: view(batch) };
  }

  #advance(batch: SimBatch): void {
    const now = new Date().toISOString();
    if (batch.state === 'not_started') {
      batch.state = 'starting';
      batch.livyInfo.startingAt = now;
    } else if (batch.state === 'starting') {
      batch.state = 'running';
      batch.livyInfo.runningAt = now;
      const execute = this.#options.execute ?? (async () => ({ result: 'Succeeded' as const }));
      execute(batch.submitted).then(
        (outcome) => {
          batch.settled = outcome;
        },
        (error: unknown) => {
          batch.settled = { result: 'Failed', message: (error as Error).message };
        },
      );
    } else if (batch.state === 'running' && batch.settled) {
      batch.result = batch.settled.result;
      if (batch.settled.result === 'Succeeded') {
        batch.state = 'success';
        batch.livyInfo.successAt = now;
      } else {
        batch.state = 'dead';
        batch.livyInfo.deadAt = now;
        batch.errors.push({
          message: batch.settled.message ?? 'the application exited with a non-zero code',
          errorCode: 'SPARK_JOB_FAILED',
          source: 'User',
        });
      }
    }
  }
}

function view(batch: SimBatch) {
  return {
    id: batch.id,
    name: batch.name,
    sparkPoolName: batch.pool,
    jobType: 'SparkBatch',
    state: batch.state,
    result: batch.result,
    livyInfo: { ...batch.livyInfo, currentState: batch.state },
    errorInfo: batch.errors,
    tags: batch.submitted.tags ?? {},
    appId:
      batch.state === 'not_started' ? null : `application_1700000000000_${String(batch.id).padStart(4, '0')}`,
    appInfo: null,
    log: [],
  };
}

/** SparkBatchJobOptions rules a wrong body would break. */
export function batchProblem(body: Record<string, unknown>): string | undefined {
  for (const field of ['name', 'file']) {
    if (typeof body[field] !== 'string' || body[field] === '') return `'${field}' is required`;
  }
  for (const field of ARRAYS) {
    const value = body[field];
    if (value !== undefined && !(Array.isArray(value) && value.every((v) => typeof v === 'string'))) {
      return `'${field}' must be an array of strings`;
    }
  }
  for (const field of ['conf', 'tags']) {
    const value = body[field];
    if (value !== undefined && value !== null) {
      if (typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) {
        return `'${field}' must map strings to strings`;
      }
    }
  }
  for (const field of INTS) {
    const value = body[field];
    if (
      value !== undefined &&
      !(Number.isInteger(value) && (value as number) >= 0 && (value as number) < 2 ** 31)
    ) {
      return `'${field}' must be an int32`;
    }
  }
  return undefined;
}
