import type { BlobContainerArgs } from '@pulumi/azure-native/storage/blobContainer.js';
import type { StorageAccountArgs } from '@pulumi/azure-native/storage/storageAccount.js';
import { DATA_LAKE_ROLE, ROLE_TAG } from '../../tags.ts';
import { azureName, forType, type ResourceValidationPolicy, show } from '../resource-policy.ts';

export const STORAGE_ACCOUNT = 'azure-native:storage:StorageAccount';
export const BLOB_CONTAINER = 'azure-native:storage:BlobContainer';

/** TLS versions at or above 1.2, as Azure spells them. */
const MODERN_TLS = new Set(['TLS1_2', 'TLS1_3']);

export const storageNoPublicBlobAccess: ResourceValidationPolicy = {
  name: 'storage-no-public-blob-access',
  description: 'Storage accounts must not allow anonymous (public) blob access.',
  enforcementLevel: 'mandatory',
  validateResource: forType<StorageAccountArgs>(STORAGE_ACCOUNT, (props, args, report) => {
    if (props.allowBlobPublicAccess !== false) {
      const name = azureName(props, args, 'accountName');
      report(
        `storage account '${name}' must set allowBlobPublicAccess to false (found ${show(props.allowBlobPublicAccess)})`,
      );
    }
  }),
};

export const blobContainerNotPublic: ResourceValidationPolicy = {
  name: 'blob-container-not-public',
  description: 'Blob containers must not grant anonymous read access.',
  enforcementLevel: 'mandatory',
  validateResource: forType<BlobContainerArgs>(BLOB_CONTAINER, (props, args, report) => {
    const access = props.publicAccess;
    if (access !== undefined && access !== 'None') {
      const name = azureName(props, args, 'containerName');
      report(`container '${name}' must set publicAccess to 'None' (found ${show(access)})`);
    }
  }),
};

export const storageHttpsOnly: ResourceValidationPolicy = {
  name: 'storage-https-only',
  description: 'Storage accounts must accept HTTPS traffic only.',
  enforcementLevel: 'mandatory',
  validateResource: forType<StorageAccountArgs>(STORAGE_ACCOUNT, (props, args, report) => {
    if (props.enableHttpsTrafficOnly !== true) {
      const name = azureName(props, args, 'accountName');
      report(
        `storage account '${name}' must set enableHttpsTrafficOnly to true (found ${show(props.enableHttpsTrafficOnly)})`,
      );
    }
  }),
};

export const storageMinimumTls: ResourceValidationPolicy = {
  name: 'storage-minimum-tls-1-2',
  description: 'Storage accounts must refuse TLS versions below 1.2.',
  enforcementLevel: 'mandatory',
  validateResource: forType<StorageAccountArgs>(STORAGE_ACCOUNT, (props, args, report) => {
    const tls = props.minimumTlsVersion;
    if (typeof tls !== 'string' || !MODERN_TLS.has(tls)) {
      const name = azureName(props, args, 'accountName');
      report(`storage account '${name}' must set minimumTlsVersion to TLS1_2 or later (found ${show(tls)})`);
    }
  }),
};

export const dataLakeHierarchicalNamespace: ResourceValidationPolicy = {
  name: 'data-lake-hierarchical-namespace',
  description: `The data lake (the storage account tagged ${ROLE_TAG}=${DATA_LAKE_ROLE}) must be ADLS Gen2.`,
  enforcementLevel: 'mandatory',
  validateResource: forType<StorageAccountArgs>(STORAGE_ACCOUNT, (props, args, report) => {
    const tags = (props.tags ?? {}) as Record<string, string>;
    if (tags[ROLE_TAG] !== DATA_LAKE_ROLE) return;
    if (props.isHnsEnabled !== true) {
      const name = azureName(props, args, 'accountName');
      report(`data lake '${name}' must set isHnsEnabled to true (found ${show(props.isHnsEnabled)})`);
    }
  }),
};
