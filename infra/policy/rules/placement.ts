import { z } from 'zod';
import { DEV_RESOURCE_GROUP_PATTERN } from '../../naming.ts';
import { configSchemaOf, type ResourceValidationPolicy, readConfig, stackOf } from '../resource-policy.ts';

export const placementConfigSchema = z.object({
  /** Resource groups matching this regular expression belong to dev (default: any `<prefix>-dev-rg`). */
  devResourceGroupPattern: z
    .string()
    .refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .default(DEV_RESOURCE_GROUP_PATTERN),
  /** Stacks whose resources are prod. */
  prodStacks: z.array(z.string().min(1)).default(['prod']),
});

const NAME = 'prod-not-in-dev-resource-group';

/**
 * A prod resource (declared by a prod stack, or tagged environment=prod) must not land in a dev resource group,
 * where dev permissions and dev clean-ups reach it.
 */
export const prodNotInDevResourceGroup: ResourceValidationPolicy = {
  name: NAME,
  description: 'Prod resources must not be created in the dev resource group.',
  enforcementLevel: 'mandatory',
  configSchema: configSchemaOf(placementConfigSchema),
  validateResource: (args, report) => {
    const group = args.props.resourceGroupName;
    if (typeof group !== 'string') return;
    const config = readConfig(placementConfigSchema, NAME, args, report);
    if (!config) return;
    const stack = stackOf(args.urn);
    const tags = (args.props.tags ?? {}) as Record<string, unknown>;
    const isProd = (stack !== undefined && config.prodStacks.includes(stack)) || tags.environment === 'prod';
    if (isProd && new RegExp(config.devResourceGroupPattern).test(group)) {
      report(`prod resource '${args.name}' (${args.type}) must not be in the dev resource group '${group}'`);
    }
  },
};
