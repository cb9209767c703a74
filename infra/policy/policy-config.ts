import type { PromotionConfig } from '../../src/config/schema.ts';
import { POLICY_NAME } from './rules/promotion-gate.ts';

export type PolicyPackConfig = Record<string, Record<string, unknown>>;

/**
 * The `--policy-pack-config` document: the promotion gate gets the very thresholds the step reads (the
 * `promotion` block of the dataset config with its environment overlay), laid over any team-set sections.
 */
export function policyPackConfig(
  promotion: PromotionConfig,
  base: PolicyPackConfig = {},
  prodWorkspacePattern?: string,
): PolicyPackConfig {
  const gate: Record<string, unknown> = { ...(base[POLICY_NAME] ?? {}), ...promotion };
  if (prodWorkspacePattern !== undefined) gate.prodWorkspacePattern = prodWorkspacePattern;
  return { ...base, [POLICY_NAME]: gate };
}
