// The scoring service's arguments, their defaults and their validation: what a stack file may say about it.
import type { Provider } from '@pulumi/kubernetes/provider.js';
import type * as pulumi from '@pulumi/pulumi';

export interface ScoringServiceArgs {
  /** Kubernetes namespace of the service; created unless `createNamespace` is false. */
  namespace: string;
  createNamespace?: boolean;
  /** Service account the pods run as: `system:serviceaccount:<namespace>:<name>` is the federated subject. */
  serviceAccountName: string;
  /** Client id of the user-assigned identity (the scoring identity) that may read prod models. */
  workloadIdentityClientId: pulumi.Input<string>;
  tenantId?: pulumi.Input<string>;
  /** The service image (Dockerfile.serve), e.g. `<acr>.azurecr.io/many-models-serve:<tag>`. */
  image: pulumi.Input<string>;
  /** The dataset/forecast config the service reads (YAML): partition columns and the prod registry. */
  configYaml: pulumi.Input<string>;
  /** Environment overlay baked in the image (`environments/<env>.yaml`). */
  environment?: string;
  /** Names the Deployment, Service, HPA and labels; default `mm-scoring`. */
  name?: string;
  replicas?: { min: number; max: number };
  /** Average CPU utilisation (percent of the request) the autoscaler aims for. */
  targetCpuUtilization?: number;
  /** Per-pod requests and limits; CPU in millicores, memory in MiB. */
  resources?: {
    cpuRequestMillis: number;
    cpuLimitMillis: number;
    memoryRequestMiB: number;
    memoryLimitMiB: number;
  };
  cache?: { maxModels: number; maxMb: number; versionTtlSeconds: number };
  port?: number;
  /** Seconds /readyz answers 503 before the listener closes on SIGTERM (endpoints drain meanwhile). */
  drainDelaySeconds?: number;
  /**
   * Who may call: Entra ID access tokens for `audience` (the API's application ID URI) carrying one of `roles`
   * (app roles granted to the calling managed identities), from the tenant `tenantId`. See docs/serving.md.
   */
  auth: { audience: string; roles: string[] };
  /**
   * The only traffic the pods accept (a NetworkPolicy): from the ingress controller's namespace when `ingress` is
   * set, and from these namespaces (in-cluster callers, Prometheus).
   */
  callerNamespaces?: string[];
  /** HTTPS from outside the cluster: an Ingress terminating TLS with the certificate in `tlsSecretName`. */
  ingress?: { host: string; tlsSecretName: string; className?: string; controllerNamespace?: string };
  /** The AKS cluster's Kubernetes provider (built by the infra program from the cluster's credentials). */
  provider?: Provider;
}

export const DEFAULTS = {
  name: 'mm-scoring',
  environment: 'prod',
  replicas: { min: 2, max: 10 },
  targetCpuUtilization: 70,
  resources: { cpuRequestMillis: 250, cpuLimitMillis: 1000, memoryRequestMiB: 512, memoryLimitMiB: 1024 },
  cache: { maxModels: 5000, maxMb: 128, versionTtlSeconds: 30 },
  port: 8080,
  drainDelaySeconds: 5,
  // The AKS application routing add-on (managed NGINX): https://learn.microsoft.com/azure/aks/app-routing
  ingressClassName: 'webapprouting.kubernetes.azure.com',
  ingressControllerNamespace: 'app-routing-system',
} as const;

/** Heap headroom over the cache's artifact bytes: a parsed model takes a few times its JSON size. */
const HEAP_PER_CACHE_MB = 4;
const BASE_HEAP_MB = 128;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Checks the arguments up front, so a bad stack config fails `pulumi preview` with what to change. */
export function validateScoringArgs(args: ScoringServiceArgs): string[] {
  const problems: string[] = [];
  const replicas = args.replicas ?? DEFAULTS.replicas;
  const resources = args.resources ?? DEFAULTS.resources;
  const cache = args.cache ?? DEFAULTS.cache;
  for (const [key, value] of [
    ['namespace', args.namespace],
    ['serviceAccountName', args.serviceAccountName],
    ['name', args.name ?? DEFAULTS.name],
  ] as const) {
    if (!DNS_LABEL.test(value) || value.length > 63) problems.push(`${key} '${value}' is not a DNS label`);
  }
  if (args.tenantId === undefined)
    problems.push('tenantId is required: the service accepts tokens from one tenant');
  if (!args.auth.audience) problems.push('auth.audience must name the API (its application ID URI)');
  if (args.auth.roles.length === 0)
    problems.push('auth.roles must name at least one app role allowed to call');
  if (!(replicas.min >= 1 && replicas.max >= replicas.min)) {
    problems.push(`replicas must satisfy 1 <= min <= max, got min ${replicas.min} max ${replicas.max}`);
  }
  if (resources.cpuLimitMillis < resources.cpuRequestMillis)
    problems.push('cpu limit is below the cpu request');
  if (resources.memoryLimitMiB < resources.memoryRequestMiB) {
    problems.push('memory limit is below the memory request');
  }
  const needed = BASE_HEAP_MB + HEAP_PER_CACHE_MB * cache.maxMb;
  if (needed > resources.memoryLimitMiB * 0.75) {
    problems.push(
      `a ${cache.maxMb} MB model cache needs about ${needed} MiB of heap; raise memoryLimitMiB to at least ` +
        `${Math.ceil(needed / 0.75)} or lower cache.maxMb`,
    );
  }
  return problems;
}

/**
 * The real-time scoring service on the AKS cluster: a Deployment of `Dockerfile.serve` (non-root, read-only
 * root filesystem, probes on /healthz and /readyz, requests and limits), a ClusterIP Service, a CPU-based
 * HorizontalPodAutoscaler, a PodDisruptionBudget, and a ServiceAccount federated to the scoring identity through
 * Azure workload identity, so the pods read prod models with no secret in the cluster.
 */
