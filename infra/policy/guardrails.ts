import type { ResourceValidationPolicy } from '@pulumi/policy';
import { aksNoLocalAccounts, aksRbacEntraId } from './rules/aks.ts';
import { amlComputeScalesToZero } from './rules/aml-compute.ts';
import { keyVaultPurgeProtection, keyVaultRbac } from './rules/key-vault.ts';
import { prodNotInDevResourceGroup } from './rules/placement.ts';
import {
  blobContainerNotPublic,
  dataLakeHierarchicalNamespace,
  storageHttpsOnly,
  storageMinimumTls,
  storageNoPublicBlobAccess,
} from './rules/storage.ts';
import { synapseSparkAutoPause, synapseSqlServerlessOrPaused } from './rules/synapse.ts';
import { requiredTags } from './rules/tags.ts';

/** The infrastructure guardrails, in the order `pulumi preview` reports them. */
export const GUARDRAILS: readonly ResourceValidationPolicy[] = [
  storageNoPublicBlobAccess,
  blobContainerNotPublic,
  storageHttpsOnly,
  storageMinimumTls,
  dataLakeHierarchicalNamespace,
  keyVaultPurgeProtection,
  keyVaultRbac,
  amlComputeScalesToZero,
  aksRbacEntraId,
  aksNoLocalAccounts,
  requiredTags,
  prodNotInDevResourceGroup,
  synapseSqlServerlessOrPaused,
  synapseSparkAutoPause,
];
