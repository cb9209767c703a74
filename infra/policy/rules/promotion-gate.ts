import type { ModelContainerArgs } from '@pulumi/azure-native/machinelearningservices/modelContainer.js';
import type { ModelVersionArgs } from '@pulumi/azure-native/machinelearningservices/modelVersion.js';
import type { ReportViolation, ResourceValidationArgs } from '@pulumi/policy';
import { z } from 'zod';
import { type PromotionConfig, promotionSchema } from '../../../src/config/schema.ts';
import { TAG, verifyPromotionTags } from '../../../src/promotion/tags.ts';
import { PROD_WORKSPACE_PATTERN } from '../../naming.ts';
import { configSchemaOf, forType, type ResourceValidationPolicy } from '../resource-policy.ts';

export const MODEL_VERSION = 'azure-native:machinelearningservices:ModelVersion';
export const MODEL_CONTAINER = 'azure-native:machinelearningservices:ModelContainer';

export const POLICY_NAME = 'model-promotion-gate';

/**
 * The gate's config is the `promotion` block of the dataset config (the thresholds `mm evaluate-and-promote`
 * applies) plus which workspaces are prod. infra/scripts/write-policy-config.ts writes it from the same file.
 */
export const promotionGateConfigSchema = promotionSchema.extend({
  /** Regular expression for prod workspace names (default: any `<prefix>-prod-mlw`). */
  prodWorkspacePattern: z.string().default(PROD_WORKSPACE_PATTERN),
});

type GateConfig = { rules: PromotionConfig; prodWorkspace: RegExp };

function gateConfig(
  args: Pick<ResourceValidationArgs, 'getConfig'>,
  report: ReportViolation,
): GateConfig | undefined {
  const { prodWorkspacePattern = PROD_WORKSPACE_PATTERN, ...thresholds } =
    args.getConfig<Record<string, unknown>>();
  // Exactly what the step does with the same block: promotionSchema.parse, defaults included.
  const parsed = promotionSchema.safeParse(thresholds);
  let pattern: RegExp | undefined;
  try {
    pattern = new RegExp(String(prodWorkspacePattern));
  } catch {
    pattern = undefined;
  }
  if (!parsed.success || !pattern) {
    const issues = parsed.success
      ? []
      : parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    if (!pattern) issues.push(`prodWorkspacePattern: not a valid regular expression`);
    report(`policy config for ${POLICY_NAME} is invalid: ${issues.join('; ')}`);
    return undefined;
  }
  return { rules: parsed.data, prodWorkspace: pattern };
}

function tagsOf(properties: { tags?: Record<string, string> } | undefined): Record<string, string> {
  return { ...(properties?.tags ?? {}) };
}

const checkVersion = forType<ModelVersionArgs>(MODEL_VERSION, (props, args, report) => {
  const workspace = props.workspaceName ?? '';
  const config = gateConfig(args, report);
  if (!config?.prodWorkspace.test(workspace)) return;
  const verdict = verifyPromotionTags(tagsOf(props.properties), config.rules);
  const label = `model '${props.name ?? args.name}' version ${props.version ?? '(next)'} in prod workspace '${workspace}'`;
  for (const violation of verdict.violations) report(`${label}: ${violation}`);
});

const PROMOTION_TAGS = new Set<string>(Object.values(TAG));

const checkContainer = forType<ModelContainerArgs>(MODEL_CONTAINER, (props, args, report) => {
  const workspace = props.workspaceName ?? '';
  const config = gateConfig(args, report);
  if (!config?.prodWorkspace.test(workspace)) return;
  const tags = tagsOf(props.properties);
  // A bare container holds no model; once it claims promotion evidence, the evidence must hold.
  if (!Object.keys(tags).some((key) => PROMOTION_TAGS.has(key))) return;
  const verdict = verifyPromotionTags(tags, config.rules);
  const label = `model container '${props.name ?? args.name}' in prod workspace '${workspace}'`;
  for (const violation of verdict.violations) report(`${label}: ${violation}`);
});

/**
 * Denies any prod model whose promotion tags the promotion rules reject: the tags carry the holdout evidence,
 * and the decision is recomputed from it with the same module `mm evaluate-and-promote` uses, so a model the
 * step would not promote, or one whose tags were edited to claim a better metric, cannot reach prod this way.
 */
export const modelPromotionGate: ResourceValidationPolicy = {
  name: POLICY_NAME,
  description: 'Prod Azure ML models must carry promotion evidence that the promotion rules accept.',
  enforcementLevel: 'mandatory',
  configSchema: configSchemaOf(promotionGateConfigSchema),
  validateResource: [checkVersion, checkContainer],
};
