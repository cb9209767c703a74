import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import type { MockResourceArgs } from '@pulumi/pulumi/runtime/index.js';
import * as settings from '@pulumi/pulumi/runtime/settings.js';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ScoringService,
  type ScoringServiceArgs,
  validateScoringArgs,
} from '../../infra/components/scoring-service.ts';

type Inputs = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown>;
};
const declared: { type: string; name: string; inputs: Inputs }[] = [];

const CLIENT_ID = '6f1c7d3e-0000-4000-8000-00000000c11e';
const ARGS: ScoringServiceArgs = {
  namespace: 'mm-serving',
  serviceAccountName: 'mm-scoring',
  workloadIdentityClientId: CLIENT_ID,
  tenantId: '6f1c7d3e-0000-4000-8000-000000000002',
  image: 'mmprodacr.azurecr.io/many-models-serve:1.0.0',
  configYaml: 'dataset: {}\n',
  auth: { audience: 'api://many-models-scoring', roles: ['Forecast.Read'] },
};

let service: ScoringService;
const SERVE_MAIN = fileURLToPath(new URL('../../src/serving/main.ts', import.meta.url));

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource(args: MockResourceArgs) {
        const inputs = args.inputs as Inputs;
        declared.push({ type: args.type, name: args.name, inputs });
        // Kubernetes auto-names a resource without metadata.name from its logical name plus a suffix.
        const metadata = { ...inputs.metadata, name: inputs.metadata?.name ?? `${args.name}-x1y2z3` };
        return { id: `${metadata.namespace ?? ''}/${metadata.name}`, state: { ...inputs, metadata } };
      },
      call: () => ({}),
    },
    'many-models',
    'prod',
    false,
  );
  service = new ScoringService('scoring', ARGS);
  new ScoringService('single', {
    ...ARGS,
    namespace: 'mm-canary',
    createNamespace: false,
    name: 'mm-canary',
    replicas: { min: 1, max: 2 },
    callerNamespaces: ['monitoring'],
    ingress: { host: 'forecast.contoso.example', tlsSecretName: 'forecast-tls' },
  });
  await (settings as unknown as { waitForRPCs: () => Promise<void> }).waitForRPCs();
});

function one(type: string, namespace = 'mm-serving'): Inputs {
  const found = declared.filter(
    (d) => d.type === type && (d.inputs.metadata?.namespace ?? d.inputs.metadata?.name) === namespace,
  );
  if (found.length !== 1) throw new Error(`expected one ${type} in ${namespace}, found ${found.length}`);
  return found[0]!.inputs;
}

const output = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

type Container = Record<string, unknown> & { args: string[]; env: { name: string; value: string }[] };
type PodSpec = { spec: Record<string, unknown> & { containers: Container[] }; metadata: Inputs['metadata'] };
const podOf = (deployment: Inputs) => (deployment.spec as { template: PodSpec }).template;

describe('ScoringService', () => {
  it('runs the service as a non-root, read-only Deployment with probes and resource limits', () => {
    const deployment = one('kubernetes:apps/v1:Deployment');
    expect(deployment.spec).toMatchObject({
      replicas: 2,
      strategy: { rollingUpdate: { maxUnavailable: 0 } },
    });
    const pod = podOf(deployment);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532 });
    const [container] = pod.spec.containers;
    expect(container).toMatchObject({
      image: ARGS.image,
      securityContext: {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
      readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
      startupProbe: { httpGet: { path: '/healthz', port: 'http' } },
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1024Mi' } },
      ports: [{ name: 'http', containerPort: 8080 }],
    });
    expect(container!.args.join(' ')).toBe(
      '--config /etc/mm/config.yaml --env prod --host 0.0.0.0 --port 8080 --cache-max-models 5000 ' +
        '--cache-max-mb 128 --version-ttl-s 30 --drain-delay-ms 5000 --log-level info ' +
        '--auth entra --auth-audience api://many-models-scoring --auth-role Forecast.Read',
    );
    expect(container!.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=768' });
    // Shutdown drains for 5 s and then finishes in-flight requests well within the grace period.
    expect(pod.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('mounts the config read-only from a ConfigMap and gives writable space only to emptyDirs', () => {
    const config = one('kubernetes:core/v1:ConfigMap');
    expect(config.data).toEqual({ 'config.yaml': ARGS.configYaml });
    const pod = podOf(one('kubernetes:apps/v1:Deployment'));
    expect(pod.spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'scoring-config-x1y2z3' } },
      { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
      { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    ]);
    expect(pod.spec.containers[0]!.volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/etc/mm',
      readOnly: true,
    });
  });

  it('reads prod models through Azure workload identity: annotated service account, labelled pods', () => {
    const account = one('kubernetes:core/v1:ServiceAccount');
    expect(account.metadata).toMatchObject({
      name: 'mm-scoring',
      namespace: 'mm-serving',
      annotations: {
        'azure.workload.identity/client-id': CLIENT_ID,
        'azure.workload.identity/tenant-id': ARGS.tenantId,
      },
    });
    const pod = podOf(one('kubernetes:apps/v1:Deployment'));
    expect(pod.metadata?.labels).toMatchObject({ 'azure.workload.identity/use': 'true' });
    expect(pod.spec.serviceAccountName).toBe('mm-scoring');
  });

  it('exposes the pods through a ClusterIP Service on the named http port', async () => {
    const svc = one('kubernetes:core/v1:Service');
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'mm-scoring' },
      ports: [{ port: 80, targetPort: 'http' }],
    });
    expect(await output(service.url)).toBe('http://mm-scoring.mm-serving.svc.cluster.local/v1/forecast');
  });

  it('autoscales on CPU between the replica bounds (autoscaling/v2)', () => {
    expect(one('kubernetes:autoscaling/v2:HorizontalPodAutoscaler').spec).toMatchObject({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'mm-scoring' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
        },
      ],
    });
  });

  it('creates its namespace and a disruption budget unless told otherwise', () => {
    expect(one('kubernetes:core/v1:Namespace').metadata?.name).toBe('mm-serving');
    expect(one('kubernetes:policy/v1:PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    expect(declared.filter((d) => d.type === 'kubernetes:core/v1:Namespace')).toHaveLength(1);
    expect(() => one('kubernetes:policy/v1:PodDisruptionBudget', 'mm-canary')).toThrow('found 0');
    expect(one('kubernetes:apps/v1:Deployment', 'mm-canary').spec).toMatchObject({ replicas: 1 });
  });
});

describe('ScoringService access', () => {
  it('admits no traffic to the pods when nothing is named to call them (deny-all NetworkPolicy)', () => {
    const policy = one('kubernetes:networking.k8s.io/v1:NetworkPolicy').spec as Record<string, unknown>;
    expect(policy).toMatchObject({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mm-scoring' } },
      policyTypes: ['Ingress'],
    });
    expect(policy.ingress).toEqual([]);
    expect(() => one('kubernetes:networking.k8s.io/v1:Ingress')).toThrow('found 0');
  });

  it('admits the ingress controller and the named caller namespaces, on the service port only', () => {
    const policy = one('kubernetes:networking.k8s.io/v1:NetworkPolicy', 'mm-canary').spec as {
      ingress: unknown[];
    };
    expect(policy.ingress).toEqual([
      {
        from: [
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'app-routing-system' } } },
          { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });

  it('terminates TLS at the ingress for the forecast route alone', () => {
    expect(one('kubernetes:networking.k8s.io/v1:Ingress', 'mm-canary').spec).toMatchObject({
      ingressClassName: 'webapprouting.kubernetes.azure.com',
      tls: [{ hosts: ['forecast.contoso.example'], secretName: 'forecast-tls' }],
      rules: [
        { host: 'forecast.contoso.example', http: { paths: [{ path: '/v1/forecast', pathType: 'Exact' }] } },
      ],
    });
  });

  it('starts the container with Entra ID authentication that the real service accepts and enforces', async () => {
    const pod = podOf(one('kubernetes:apps/v1:Deployment'));
    const container = pod.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    const args = [...container.args];
    const at = (flag: string) => args.indexOf(flag) + 1;
    expect(args[at('--auth')]).toBe('entra');
    expect(env.MM_AUTH_TENANT).toBe(ARGS.tenantId);
    const dir = await mkdtemp(path.join(tmpdir(), 'mm-infra-serve-'));
    try {
      await writeFile(
        path.join(dir, 'config.yaml'),
        'dataset: { path: x.csv, partitionBy: [Store], time: t, target: y, frequency: W }\n' +
          `forecast: { horizon: 4, holdout: 4 }\nstorage: { kind: local, root: ${JSON.stringify(dir)} }\n`,
      );
      args[at('--config')] = path.join(dir, 'config.yaml');
      args[at('--port')] = '0';
      args.splice(at('--env') - 1, 2);
      const child = spawn(process.execPath, [SERVE_MAIN, ...args], {
        cwd: dir,
        env: { ...process.env, MM_AUTH_TENANT: env.MM_AUTH_TENANT as string },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let stderr = '';
        const url = await new Promise<string>((resolve, reject) => {
          child.stderr.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
            const match = /listening on http:\/\/[^:]+:(\d+)/.exec(stderr);
            if (match) resolve(`http://127.0.0.1:${match[1]}`);
          });
          child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
        });
        const response = await fetch(`${url}/v1/forecast`, { method: 'POST', body: '{}' });
        expect(response.status).toBe(401);
      } finally {
        child.kill('SIGKILL');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('validateScoringArgs', () => {
  it('accepts the defaults', () => {
    expect(validateScoringArgs(ARGS)).toEqual([]);
  });

  it('names each problem in the arguments', () => {
    expect(
      validateScoringArgs({
        ...ARGS,
        serviceAccountName: 'Scoring_SA',
        replicas: { min: 3, max: 2 },
        cache: { maxModels: 100, maxMb: 512, versionTtlSeconds: 30 },
      }),
    ).toEqual([
      "serviceAccountName 'Scoring_SA' is not a DNS label",
      'replicas must satisfy 1 <= min <= max, got min 3 max 2',
      'a 512 MB model cache needs about 2176 MiB of heap; raise memoryLimitMiB to at least 2902 or lower cache.maxMb',
    ]);
  });

  it('stops the program with the problems before declaring anything', () => {
    expect(() => new ScoringService('bad', { ...ARGS, namespace: 'Bad NS' })).toThrow(
      "ScoringService bad: namespace 'Bad NS' is not a DNS label",
    );
  });
});
