import { Deployment } from '@pulumi/kubernetes/apps/v1/deployment.js';
import { HorizontalPodAutoscaler } from '@pulumi/kubernetes/autoscaling/v2/horizontalPodAutoscaler.js';
import { ConfigMap } from '@pulumi/kubernetes/core/v1/configMap.js';
import { Namespace } from '@pulumi/kubernetes/core/v1/namespace.js';
import { Service } from '@pulumi/kubernetes/core/v1/service.js';
import { ServiceAccount } from '@pulumi/kubernetes/core/v1/serviceAccount.js';
import { Ingress } from '@pulumi/kubernetes/networking/v1/ingress.js';
import { NetworkPolicy } from '@pulumi/kubernetes/networking/v1/networkPolicy.js';
import { PodDisruptionBudget } from '@pulumi/kubernetes/policy/v1/podDisruptionBudget.js';
import * as pulumi from '@pulumi/pulumi';
import { DEFAULTS, type ScoringServiceArgs, validateScoringArgs } from './scoring-service-args.ts';

/** Component type token (kept beside the infra program's others, see common.ts). */
export const SCORING_SERVICE = 'many-models:infra:ScoringService';

export { type ScoringServiceArgs, validateScoringArgs } from './scoring-service-args.ts';

export class ScoringService extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly deploymentName: pulumi.Output<string>;
  /** In-cluster URL of the forecast endpoint. */
  readonly url: pulumi.Output<string>;

  constructor(name: string, args: ScoringServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super(SCORING_SERVICE, name, {}, opts);
    const problems = validateScoringArgs(args);
    if (problems.length > 0) throw new Error(`ScoringService ${name}: ${problems.join('; ')}`);
    const app = args.name ?? DEFAULTS.name;
    const replicas = args.replicas ?? DEFAULTS.replicas;
    const resources = args.resources ?? DEFAULTS.resources;
    const cache = args.cache ?? DEFAULTS.cache;
    const port = args.port ?? DEFAULTS.port;
    const drain = args.drainDelaySeconds ?? DEFAULTS.drainDelaySeconds;
    const child = { parent: this, ...(args.provider ? { provider: args.provider } : {}) };
    const labels = { 'app.kubernetes.io/name': app, 'app.kubernetes.io/part-of': 'many-models' };

    const namespace =
      args.createNamespace === false
        ? undefined
        : new Namespace(`${name}-namespace`, { metadata: { name: args.namespace, labels } }, child);
    const ns = namespace ? namespace.metadata.name : pulumi.output(args.namespace);
    const meta = (extra: Record<string, unknown> = {}) => ({ namespace: ns, labels, ...extra });

    const serviceAccount = new ServiceAccount(
      `${name}-service-account`,
      {
        metadata: meta({
          name: args.serviceAccountName,
          annotations: {
            'azure.workload.identity/client-id': args.workloadIdentityClientId,
            ...(args.tenantId ? { 'azure.workload.identity/tenant-id': args.tenantId } : {}),
          },
        }),
      },
      child,
    );

    // Auto-named: a config change makes a new ConfigMap, so the Deployment rolls out with it.
    const config = new ConfigMap(
      `${name}-config`,
      { metadata: meta(), data: { 'config.yaml': args.configYaml } },
      child,
    );

    const podLabels = { ...labels, 'azure.workload.identity/use': 'true' };
    const probe = (path: string, periodSeconds: number, failureThreshold: number) => ({
      httpGet: { path, port: 'http' },
      periodSeconds,
      timeoutSeconds: 2,
      failureThreshold,
    });
    const deployment = new Deployment(
      `${name}-deployment`,
      {
        metadata: meta({ name: app }),
        spec: {
          replicas: replicas.min,
          selector: { matchLabels: labels },
          strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            metadata: {
              labels: podLabels,
              annotations: {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(port),
                'prometheus.io/path': '/metrics',
              },
            },
            spec: {
              serviceAccountName: serviceAccount.metadata.name,
              // The service never calls the Kubernetes API. Workload identity does not need the API token: its
              // webhook projects its own token (audience api://AzureADTokenExchange) into
              // /var/run/secrets/azure/tokens (https://azure.github.io/azure-workload-identity/docs/).
              automountServiceAccountToken: false,
              terminationGracePeriodSeconds: drain + 25,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 65532,
                runAsGroup: 65532,
                fsGroup: 65532,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              topologySpreadConstraints: [
                {
                  maxSkew: 1,
                  topologyKey: 'kubernetes.io/hostname',
                  whenUnsatisfiable: 'ScheduleAnyway',
                  labelSelector: { matchLabels: labels },
                },
              ],
              containers: [
                {
                  name: 'serve',
                  image: args.image,
                  args: Object.entries({
                    config: '/etc/mm/config.yaml',
                    env: args.environment ?? DEFAULTS.environment,
                    host: '0.0.0.0',
                    port,
                    'cache-max-models': cache.maxModels,
                    'cache-max-mb': cache.maxMb,
                    'version-ttl-s': cache.versionTtlSeconds,
                    'drain-delay-ms': drain * 1000,
                    'log-level': 'info',
                    auth: 'entra',
                    'auth-audience': args.auth.audience,
                    'auth-role': args.auth.roles.join(','),
                  }).flatMap(([flag, value]) => [`--${flag}`, String(value)]),
                  env: [
                    { name: 'NODE_ENV', value: 'production' },
                    // Tokens are accepted from this tenant only (the workload identity webhook sets AZURE_TENANT_ID
                    // for the SDK; the service's own setting is explicit).
                    ...(args.tenantId ? [{ name: 'MM_AUTH_TENANT', value: args.tenantId }] : []),
                    // Node sizes its heap from the container limit, leaving room for buffers and the stack.
                    {
                      name: 'NODE_OPTIONS',
                      value: `--max-old-space-size=${Math.floor(resources.memoryLimitMiB * 0.75)}`,
                    },
                  ],
                  ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
                  startupProbe: probe('/healthz', 2, 30),
                  livenessProbe: probe('/healthz', 10, 3),
                  readinessProbe: probe('/readyz', 5, 2),
                  resources: {
                    requests: {
                      cpu: `${resources.cpuRequestMillis}m`,
                      memory: `${resources.memoryRequestMiB}Mi`,
                    },
                    limits: { cpu: `${resources.cpuLimitMillis}m`, memory: `${resources.memoryLimitMiB}Mi` },
                  },
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  volumeMounts: [
                    { name: 'config', mountPath: '/etc/mm', readOnly: true },
                    // The only writable paths: scratch space and the lake's local cache folder.
                    { name: 'tmp', mountPath: '/tmp' },
                    { name: 'cache', mountPath: '/app/.mm' },
                  ],
                },
              ],
              volumes: [
                { name: 'config', configMap: { name: config.metadata.name } },
                { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
                { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
              ],
            },
          },
        },
      },
      child,
    );

    const service = new Service(
      `${name}-service`,
      {
        metadata: meta({ name: app }),
        spec: {
          type: 'ClusterIP',
          selector: labels,
          ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
        },
      },
      child,
    );

    new HorizontalPodAutoscaler(
      `${name}-hpa`,
      {
        metadata: meta({ name: app }),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name },
          minReplicas: replicas.min,
          maxReplicas: replicas.max,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: {
                  type: 'Utilization',
                  averageUtilization: args.targetCpuUtilization ?? DEFAULTS.targetCpuUtilization,
                },
              },
            },
          ],
          // Scale out fast on a burst, in slowly: a new pod starts with a cold model cache.
          behavior: {
            scaleUp: { stabilizationWindowSeconds: 0 },
            scaleDown: { stabilizationWindowSeconds: 300 },
          },
        },
      },
      child,
    );

    const ingressNamespace = args.ingress?.controllerNamespace ?? DEFAULTS.ingressControllerNamespace;
    const callers = [...(args.ingress ? [ingressNamespace] : []), ...(args.callerNamespaces ?? [])];
    new NetworkPolicy(
      `${name}-network-policy`,
      {
        metadata: meta({ name: app }),
        spec: {
          podSelector: { matchLabels: labels },
          policyTypes: ['Ingress'],
          // Nothing else reaches the pods: not other workloads, not the internet (the Service is ClusterIP).
          // An empty `from` would admit every source, so no callers means no rule at all (deny all).
          ingress:
            callers.length === 0
              ? []
              : [
                  {
                    from: callers.map((namespace) => ({
                      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
                    })),
                    ports: [{ protocol: 'TCP', port }],
                  },
                ],
        },
      },
      child,
    );

    if (args.ingress) {
      new Ingress(
        `${name}-ingress`,
        {
          metadata: meta({ name: app }),
          spec: {
            ingressClassName: args.ingress.className ?? DEFAULTS.ingressClassName,
            tls: [{ hosts: [args.ingress.host], secretName: args.ingress.tlsSecretName }],
            rules: [
              {
                host: args.ingress.host,
                http: {
                  paths: [
                    {
                      path: '/v1/forecast',
                      pathType: 'Exact',
                      backend: { service: { name: service.metadata.name, port: { name: 'http' } } },
                    },
                  ],
                },
              },
            ],
          },
        },
        child,
      );
    }

    if (replicas.min >= 2) {
      new PodDisruptionBudget(
        `${name}-pdb`,
        { metadata: meta({ name: app }), spec: { minAvailable: 1, selector: { matchLabels: labels } } },
        child,
      );
    }

    this.namespace = ns;
    this.serviceName = service.metadata.name;
    this.deploymentName = deployment.metadata.name;
    this.url = pulumi.interpolate`http://${service.metadata.name}.${ns}.svc.cluster.local/v1/forecast`;
    this.registerOutputs({ namespace: this.namespace, serviceName: this.serviceName, url: this.url });
  }
}
