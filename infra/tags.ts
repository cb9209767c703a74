import type { Environment } from './naming.ts';

/** Tag keys every taggable resource carries; the policy pack's required-tags rule reads this list. */
export const REQUIRED_TAG_KEYS = ['environment', 'owner', 'cost-centre', 'project'] as const;

/** Marks the one storage account per stack that is the data lake (the HNS policy keys on it). */
export const ROLE_TAG = 'mm-role';
export const DATA_LAKE_ROLE = 'data-lake';

export const PROJECT = 'many-models';

export type Tags = Readonly<Record<string, string>>;

export interface TagSource {
  environment: Environment;
  owner: string;
  costCentre: string;
}

/** The one place tags come from: components take these and add nothing but a role tag. */
export function standardTags(source: TagSource): Tags {
  return {
    environment: source.environment,
    owner: source.owner,
    'cost-centre': source.costCentre,
    project: PROJECT,
    'managed-by': 'pulumi',
  };
}

export function withRole(tags: Tags, role: string): Tags {
  return { ...tags, [ROLE_TAG]: role };
}
