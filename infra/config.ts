import { z } from 'zod';
import { ENVIRONMENTS, IDENTITY_ROLES, PREFIX_PATTERN } from './naming.ts';

/**
 * The stack configuration (Pulumi.<stack>.yaml), validated before any resource is declared so a typo fails
 * `pulumi preview` with the key and the reason instead of half an estate.
 */
export const PROJECT_NAMESPACE = 'many-models';

// Pulumi hands every config value over as a string; numbers typed into YAML (a cost centre of 1234) stay text.
const text = () => z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().min(1));
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const cidr = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,3}){3}\/(8|9|1\d|2[0-4])$/, 'expected an IPv4 CIDR like 10.40.0.0/16');
const guid = z
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

export const databricksConfigSchema = z.strictObject({
  /** Secure cluster connectivity: cluster nodes get no public IP. */
  noPublicIp: z.boolean().default(true),
});

export const federationSchema = z.strictObject({
  /** e.g. https://vstoken.dev.azure.com/<organization id> for an Azure DevOps service connection. */
  issuer: z.url(),
  /** e.g. sc://<organization>/<project>/<service connection>. */
  subject: z.string().min(1),
});

export const infraConfigSchema = z
  .strictObject({
    environment: z.enum(ENVIRONMENTS),
    location: text(),
    prefix: text().pipe(z.string().regex(PREFIX_PATTERN, 'a letter, then 1-9 lower-case letters or digits')),
    owner: text(),
    costCentre: text(),
    /**
     * Where the ML pipeline trains (the environment config's compute.engine). Databricks is provisioned only when
     * its engine is selected: an idle workspace with secure cluster connectivity still bills its NAT gateway and
     * public IP.
     */
    computeEngine: z
      .enum(['local', 'shards', 'aml-parallel', 'databricks', 'synapse-spark'])
      .default('aml-parallel'),
    enableDatabricks: z.boolean().optional(),
    enableSynapse: z.boolean().default(false),
    enableAks: z.boolean().default(false),
    enablePrivateNetworking: z.boolean().default(false),
    /** Address space of the stack's virtual network (used when enablePrivateNetworking is on). */
    addressSpace: cidr.default('10.40.0.0/16'),
    compute: computeConfigSchema.default(computeConfigSchema.parse({})),
    lake: lakeConfigSchema.default(lakeConfigSchema.parse({})),
    synapse: synapseConfigSchema.default(synapseConfigSchema.parse({})),
    aks: aksConfigSchema.default(aksConfigSchema.parse({})),
    databricks: databricksConfigSchema.default(databricksConfigSchema.parse({})),
    /** Fully-qualified dev stack (org/project/stack); the prod stack reads the dev workspace id from it. */
    devStack: z
      .string()
      .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, 'expected <organization>/<project>/<stack>')
      .optional(),
    /**
     * Lets each pipeline stage's Azure DevOps service connection act as the stage's identity (see
     * STAGE_IDENTITIES in access-plan.ts): identity role -> issuer and subject from the connection's page.
     */
    federations: z.partialRecord(z.enum(IDENTITY_ROLES), federationSchema).default({}),
  })
  .superRefine((c, ctx) => {
    if (c.environment === 'prod' && !c.devStack) {
      ctx.addIssue({
        code: 'custom',
        path: ['devStack'],
        message:
          'required for the prod stack: the promotion identity is granted read access to the dev registry',
      });
    }
    if (c.environment === 'dev' && c.enableAks) {
      ctx.addIssue({
        code: 'custom',
        path: ['enableAks'],
        message: 'real-time scoring serves prod models; turn it on in the prod stack',
      });
    }
    if (c.lake.predictionsRetentionDays <= c.lake.coolAfterDays) {
      ctx.addIssue({
        code: 'custom',
        path: ['lake', 'predictionsRetentionDays'],
        message: 'must be longer than lake.coolAfterDays (blobs are cooled before they expire)',
      });
    }
    if (c.aks.scoring && c.aks.scoring.minReplicas > c.aks.scoring.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['aks', 'scoring', 'minReplicas'],
        message: 'must not exceed maxReplicas',
      });
    }
    if (c.aks.scoring && !c.enableAks) {
      ctx.addIssue({
        code: 'custom',
        path: ['aks', 'scoring'],
        message: 'the scoring service needs enableAks: true',
      });
    }
    if (c.aks.scoring && !c.aks.deployer) {
      ctx.addIssue({
        code: 'custom',
        path: ['aks', 'deployer'],
        message:
          'the scoring service needs the object id of the identity that runs pulumi up (cluster admin)',
      });
    }
    if (c.enablePrivateNetworking) {
      ctx.addIssue({
        code: 'custom',
        path: ['enablePrivateNetworking'],
        message:
          'not deployable yet: it needs Network Contributor for AKS on its subnet, a Synapse managed private ' +
          'endpoint to the lake, NAT egress for no-public-IP compute, NSGs and a self-hosted agent pool inside ' +
          'the network (see docs/infra.md, "Private networking"); keep it false',
      });
    }
    for (const [index, rule] of c.synapse.firewall.entries()) {
      if (rule.startIp === '0.0.0.0' && rule.endIp === '0.0.0.0') {
        ctx.addIssue({
          code: 'custom',
          path: ['synapse', 'firewall', index],
          message: `'${rule.name}' (0.0.0.0-0.0.0.0) admits every Azure tenant; list the agents' IP ranges instead`,
        });
      }
    }
    if (c.enableSynapse && !c.synapse.adminObjectId) {
      ctx.addIssue({
        code: 'custom',
        path: ['synapse', 'adminObjectId'],
        message:
          'Synapse needs an Entra group as SQL administrator (its object id); no identity is server admin',
      });
    }
    if (c.aks.minNodes > c.aks.maxNodes) {
      ctx.addIssue({ code: 'custom', path: ['aks', 'minNodes'], message: 'must not exceed aks.maxNodes' });
    }
  });

export type InfraConfig = z.infer<typeof infraConfigSchema>;

/** Databricks when its engine is selected, or when a stack turns it on explicitly. */
export function databricksEnabled(config: Pick<InfraConfig, 'computeEngine' | 'enableDatabricks'>): boolean {
  return config.enableDatabricks ?? config.computeEngine === 'databricks';
}

export class InfraConfigError extends Error {
  override readonly name = 'InfraConfigError';
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    super(`invalid stack configuration in ${source}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.issues = issues;
  }
}

/** Keys are shown as Pulumi spells them, so the message says exactly what to fix in Pulumi.<stack>.yaml. */
function describe(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    const key =
      head === undefined ? '(root)' : `${PROJECT_NAMESPACE}:${head}${rest.map((k) => `.${k}`).join('')}`;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (head === undefined ? `${PROJECT_NAMESPACE}:${k}` : k));
      return `${key === '(root)' ? 'config' : key}: unknown key(s) ${keys.map((k) => `'${k}'`).join(', ')}`;
    }
    return `${key}: ${issue.message}`;
  });
}

export function parseInfraConfig(raw: unknown, source: string): InfraConfig {
  const result = infraConfigSchema.safeParse(raw);
  if (!result.success) throw new InfraConfigError(source, describe(result.error));
  return result.data;
}

/**
 * Turns Pulumi's flat config map (`many-models:compute` -> JSON text, `azure-native:location` -> text) into the
 * object the schema validates. Structured values arrive as JSON text; plain strings are kept as they are.
 */
export function rawConfigFrom(entries: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const prefix = `${PROJECT_NAMESPACE}:`;
  for (const [fullKey, value] of Object.entries(entries)) {
    if (fullKey === 'azure-native:location') raw.location ??= value;
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    raw[key] = typeof value === 'string' ? parseScalar(value) : value;
  }
  return raw;
}

function parseScalar(value: string): unknown {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^[[{]/.test(value.trim())) {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return value;
}
