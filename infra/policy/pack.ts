import { PolicyPack } from '@pulumi/policy';
import { GUARDRAILS } from './guardrails.ts';
import { modelPromotionGate } from './rules/promotion-gate.ts';

/**
 * The policy pack every `pulumi preview` and `pulumi up` of the pipelines runs with:
 *   pulumi preview --policy-pack infra/policy --policy-pack-config <config.json>
 * The only place a PolicyPack is constructed (constructing one starts the analyzer's gRPC server).
 */
new PolicyPack('many-models', {
  enforcementLevel: 'mandatory',
  policies: [...GUARDRAILS, modelPromotionGate],
});
