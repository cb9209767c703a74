import { z } from 'zod';

/** The sections of the stack configuration (Pulumi.<stack>.yaml), each validated on its own. */

// Pulumi hands every config value over as a string; numbers typed into YAML (a cost centre of 1234) stay text.
export const text = () => z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1));
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
export const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/(8|9|1\d|2[0-4])$/, 'expected an IPv4 CIDR like 10.40.0.0/16');
export const guid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'expected a GUID');

export const computeConfigSchema = z.strictObject({
  vmSize: z.string().min(1).default('Standard_D4s_v5'),
  maxNodes: z.number().int().min(1).max(100).default(4),
  /** Low-priority nodes cost a fraction and may be pre-empted: fine for dev retraining, not for prod scoring. */
  lowPriority: z.boolean().default(false),
  /** Idle minutes before nodes are released; the policy pack caps it. */
  idleMinutes: z.number().int().min(1).max(120).default(10),
});

export const lakeConfigSchema = z.strictObject({
  /** The engine's filesystem: must equal `storage.container` of the environment file (written by the script). */
  container: z
    .string()
    .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'a container name is 3-63 of a-z, 0-9 and single -')
    .refine((name) => name !== 'raw' && name !== 'synapse', 'raw and synapse are taken by other containers')
    .default('lake'),
  sku: z.enum(['Standard_LRS', 'Standard_ZRS', 'Standard_GRS', 'Standard_RAGZRS']).default('Standard_LRS'),
  softDeleteDays: z.number().int().min(1).max(365).default(14),
  /** Raw, prepared and predictions blobs move to the cool tier after this many days without change. */
  coolAfterDays: z.number().int().min(1).default(30),
  /** Predictions older than this are deleted; the serving path only ever needs the latest run. */
  predictionsRetentionDays: z.number().int().min(1).default(400),
});

export const firewallRuleSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'letters, digits, _ and - only'),
  startIp: z.string().regex(ipv4, 'expected an IPv4 address'),
  endIp: z.string().regex(ipv4, 'expected an IPv4 address'),
});

export const synapseConfigSchema = z.strictObject({
  sparkNodeSize: z.enum(['Small', 'Medium', 'Large']).default('Small'),
  sparkMaxNodes: z.number().int().min(3).max(50).default(3),
  autoPauseMinutes: z.number().int().min(5).max(120).default(15),
  /** A dedicated SQL pool bills by the hour while online: off unless a team needs one. */
  dedicatedSqlPool: z
    .strictObject({
      sku: z
        .string()
        .regex(/^DW\d+c$/)
        .default('DW100c'),
    })
    .optional(),
  /** Client IP ranges allowed to the workspace endpoints; 0.0.0.0-0.0.0.0 (every Azure tenant) is refused. */
  firewall: z.array(firewallRuleSchema).default([]),
  /** Entra ID object id of the group that administers the workspace and its SQL (no SQL passwords exist). */
  adminObjectId: guid.optional(),
  /** The admin group's display name, shown as the SQL administrator login. */
  adminLogin: z.string().min(1).default('many-models-synapse-admins'),
});

export const aksConfigSchema = z.strictObject({
  vmSize: z.string().min(1).default('Standard_D2s_v5'),
  minNodes: z.number().int().min(1).default(1),
  maxNodes: z.number().int().min(1).max(100).default(3),
  kubernetesVersion: z
    .string()
    .regex(/^\d+\.\d+(\.\d+)?$/)
    .optional(),
  adminGroupObjectIds: z.array(guid).default([]),
  /** Kubernetes service account the scoring pods run as; federated to the scoring identity. */
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .default('mm-serving'),
  serviceAccount: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
    .default('mm-scoring'),
  /** How `pulumi up` signs in to the Entra-only cluster through kubelogin (azurecli in an AzureCLI task). */
  kubeloginMode: z.enum(['azurecli', 'workloadidentity', 'spn', 'msi']).default('azurecli'),
  /**
   * Who runs `pulumi up` of prod (granted cluster admin to deploy the scoring service): the infra service
   * connection's object id. Named here rather than taken from whoever runs the program, so a preview by any other
   * identity does not plan to move the grant to itself.
   */
  deployer: z
    .strictObject({
      objectId: guid,
      principalType: z.enum(['ServicePrincipal', 'User']).default('ServicePrincipal'),
    })
    .optional(),
  /** The scoring service; deployed once its image is in the registry (the ML pipeline sets the tag). */
  scoring: z
    .strictObject({
      image: z
        .string()
        .regex(
          /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[\w.-]+|@sha256:[0-9a-f]{64})$/,
          'expected <registry>/<repository>:<tag>',
        ),
      /** Repository-relative dataset config the service reads, e.g. configs/demo.yaml. */
      configFile: z.string().min(1),
      minReplicas: z.number().int().min(1).default(2),
      maxReplicas: z.number().int().min(1).default(10),
      /** The API's application ID URI in Entra ID: the `aud` of the tokens callers present (docs/serving.md). */
      audience: z.string().min(1).default('api://many-models-scoring'),
      /** App roles allowed to call (granted to the callers' managed identities). */
      roles: z.array(z.string().min(1)).min(1).default(['Forecast.Read']),
      /** Namespaces whose pods may call the service in-cluster (the NetworkPolicy admits no others). */
      callerNamespaces: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)).default([]),
      /** HTTPS from outside: host name and the TLS certificate's secret in the service namespace. */
      ingress: z.strictObject({ host: z.string().min(1), tlsSecretName: z.string().min(1) }).optional(),
    })
    .optional(),
});

/**
 * The job cluster the Databricks engine submits each stage on (Jobs API runs/submit `new_cluster`,
 * src/compute/databricks/spec.ts): the stack states it once and outputs it for the environment file's
 * compute.databricks, so what the workspace runs is reviewed with the infrastructure.
 */
export const jobClusterSchema = z.strictObject({
  /** A Databricks LTS runtime: its Python has pandas and pyarrow, which mm_spark.py needs. */
  sparkVersion: z
    .string()
    .regex(/^\d+\.\d+\.x-scala\d+\.\d+$/, 'expected e.g. 15.4.x-scala2.12')
    .default('15.4.x-scala2.12'),
  nodeType: z.string().min(1).default('Standard_D4ds_v5'),
  workers: z.number().int().min(1).max(100).default(2),
});

export const databricksConfigSchema = z.strictObject({
  /** Secure cluster connectivity: cluster nodes get no public IP. */
  noPublicIp: z.boolean().default(true),
  jobCluster: jobClusterSchema.default(jobClusterSchema.parse({})),
});

export const federationSchema = z.strictObject({
  /** e.g. https://vstoken.dev.azure.com/<organization id> for an Azure DevOps service connection. */
  issuer: z.url(),
  /** e.g. sc://<organization>/<project>/<service connection>. */
  subject: z.string().min(1),
});

export const monitoringConfigSchema = z.strictObject({
  /** Log Analytics ingestion stops for the day at this many GB (a gap in logs, never a surprise bill). */
  dailyCapGb: z.number().positive().max(100).default(1),
  retentionDays: z.number().int().min(30).max(730).default(30),
});
