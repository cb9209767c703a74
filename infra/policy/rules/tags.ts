import { z } from 'zod';
import { REQUIRED_TAG_KEYS } from '../../tags.ts';
import { configSchemaOf, forTypes, type ResourceValidationPolicy, readConfig } from '../resource-policy.ts';

/**
 * Resource types that carry ARM tags (tracked resources). Child resources such as containers, datastores,
 * subnets and role assignments cannot be tagged, so they are not asked to be.
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  'azure-native:resources:ResourceGroup',
  'azure-native:storage:StorageAccount',
  'azure-native:keyvault:Vault',
  'azure-native:operationalinsights:Workspace',
  'azure-native:applicationinsights:Component',
  'azure-native:containerregistry:Registry',
  'azure-native:machinelearningservices:Workspace',
  'azure-native:machinelearningservices:Compute',
  'azure-native:databricks:Workspace',
  'azure-native:synapse:Workspace',
  'azure-native:synapse:BigDataPool',
  'azure-native:synapse:SqlPool',
  'azure-native:containerservice:ManagedCluster',
  'azure-native:managedidentity:UserAssignedIdentity',
  'azure-native:network:VirtualNetwork',
  'azure-native:network:PrivateEndpoint',
  'azure-native:privatedns:PrivateZone',
  'azure-native:privatedns:VirtualNetworkLink',
]);

export const requiredTagsConfigSchema = z.object({
  tags: z
    .array(z.string().min(1))
    .min(1)
    .default([...REQUIRED_TAG_KEYS]),
});

const NAME = 'required-tags';

export const requiredTags: ResourceValidationPolicy = {
  name: NAME,
  description: `Taggable resources must carry the tags cost reports and owners are found by (${REQUIRED_TAG_KEYS.join(', ')}).`,
  enforcementLevel: 'mandatory',
  configSchema: configSchemaOf(requiredTagsConfigSchema),
  validateResource: forTypes(TAGGABLE_TYPES, (props, args, report) => {
    const config = readConfig(requiredTagsConfigSchema, NAME, args, report);
    if (!config) return;
    const tags = (props.tags ?? {}) as Record<string, unknown>;
    const missing = config.tags.filter(
      (key) => typeof tags[key] !== 'string' || (tags[key] as string).trim() === '',
    );
    if (missing.length > 0) {
      report(
        `${args.type.split(':').pop()} '${args.name}' is missing required tag(s): ${missing.join(', ')}`,
      );
    }
  }),
};
