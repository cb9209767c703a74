import { z } from 'zod';
import {
  aksConfigSchema,
  cidr,
  computeConfigSchema,
  databricksConfigSchema,
  federationSchema,
  lakeConfigSchema,
  monitoringConfigSchema,
  synapseConfigSchema,
  text,
} from './config-sections.ts';
import { ENVIRONMENTS, IDENTITY_ROLES, PREFIX_PATTERN } from './naming.ts';

export { firewallRuleSchema } from './config-sections.ts';
export {
  aksConfigSchema,
  computeConfigSchema,
  databricksConfigSchema,
  federationSchema,
  lakeConfigSchema,
  monitoringConfigSchema,
  synapseConfigSchema,
};

/**
 * The stack configuration (Pulumi.<stack>.yaml), validated before any resource is declared so a typo fails
 * `pulumi preview` with the key and the reason instead of half an estate.
 */
export const PROJECT_NAMESPACE = 'many-models';

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
    monitoring: monitoringConfigSchema.default(monitoringConfigSchema.parse({})),
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
    if ((c.enableSynapse || c.computeEngine === 'synapse-spark') && !c.synapse.adminObjectId) {
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

/** Synapse when a stack turns it on (the predictions view) or when its Spark engine is selected. */
export function synapseEnabled(config: Pick<InfraConfig, 'computeEngine' | 'enableSynapse'>): boolean {
  return config.enableSynapse || config.computeEngine === 'synapse-spark';
}

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
