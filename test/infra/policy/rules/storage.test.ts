import { describe, expect, it } from 'vitest';
import {
  BLOB_CONTAINER,
  blobContainerNotPublic,
  dataLakeHierarchicalNamespace,
  STORAGE_ACCOUNT,
  storageHttpsOnly,
  storageMinimumTls,
  storageNoPublicBlobAccess,
} from '../../../../infra/policy/rules/storage.ts';
import { fieldCases, violations, withField } from '../run-policy.ts';

/** The lake as the program declares it. */
const lake = {
  accountName: 'mmdevlake',
  resourceGroupName: 'mm-dev-rg',
  kind: 'StorageV2',
  isHnsEnabled: true,
  allowBlobPublicAccess: false,
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: 'TLS1_2',
  allowSharedKeyAccess: false,
  tags: { environment: 'dev', 'mm-role': 'data-lake' },
};
const account = (props: Record<string, unknown>) => ({ type: STORAGE_ACCOUNT, name: 'lake-account', props });
const rules = [storageNoPublicBlobAccess, storageHttpsOnly, storageMinimumTls, dataLakeHierarchicalNamespace];

describe('storage guardrails', () => {
  it.each(rules)('$name passes the lake the program declares', (rule) => {
    expect(violations(rule, account(lake))).toEqual([]);
  });

  it.each(
    fieldCases([
      [
        storageNoPublicBlobAccess,
        'allowBlobPublicAccess',
        true,
        "storage account 'mmdevlake' must set allowBlobPublicAccess to false (found true)",
      ],
      [
        storageNoPublicBlobAccess,
        'allowBlobPublicAccess',
        undefined,
        "storage account 'mmdevlake' must set allowBlobPublicAccess to false (found unset)",
      ],
      [
        storageHttpsOnly,
        'enableHttpsTrafficOnly',
        false,
        "storage account 'mmdevlake' must set enableHttpsTrafficOnly to true (found false)",
      ],
      [
        storageHttpsOnly,
        'enableHttpsTrafficOnly',
        undefined,
        "storage account 'mmdevlake' must set enableHttpsTrafficOnly to true (found unset)",
      ],
      [
        storageMinimumTls,
        'minimumTlsVersion',
        'TLS1_0',
        "storage account 'mmdevlake' must set minimumTlsVersion to TLS1_2 or later (found 'TLS1_0')",
      ],
      [
        storageMinimumTls,
        'minimumTlsVersion',
        'TLS1_1',
        "storage account 'mmdevlake' must set minimumTlsVersion to TLS1_2 or later (found 'TLS1_1')",
      ],
      [
        storageMinimumTls,
        'minimumTlsVersion',
        undefined,
        "storage account 'mmdevlake' must set minimumTlsVersion to TLS1_2 or later (found unset)",
      ],
      [
        dataLakeHierarchicalNamespace,
        'isHnsEnabled',
        false,
        "data lake 'mmdevlake' must set isHnsEnabled to true (found false)",
      ],
      [
        dataLakeHierarchicalNamespace,
        'isHnsEnabled',
        undefined,
        "data lake 'mmdevlake' must set isHnsEnabled to true (found unset)",
      ],
    ]),
  )('%s: %s = %o is a violation', (_name, rule, field, value, message) => {
    expect(violations(rule, account(withField(lake, field, value)))).toEqual([message]);
  });

  it('accepts TLS 1.3 and names the account by its logical name when it has no Azure name yet', () => {
    expect(violations(storageMinimumTls, account(withField(lake, 'minimumTlsVersion', 'TLS1_3')))).toEqual(
      [],
    );
    const unnamed = withField(withField(lake, 'accountName', undefined), 'enableHttpsTrafficOnly', false);
    expect(violations(storageHttpsOnly, account(unnamed))).toEqual([
      "storage account 'lake-account' must set enableHttpsTrafficOnly to true (found false)",
    ]);
  });

  it('asks only the data lake (by its role tag) for the hierarchical namespace', () => {
    const workspaceStorage = withField(
      withField(lake, 'tags', { environment: 'dev' }),
      'isHnsEnabled',
      undefined,
    );
    expect(violations(dataLakeHierarchicalNamespace, account(workspaceStorage))).toEqual([]);
  });

  it('ignores other resource types', () => {
    for (const rule of rules)
      expect(violations(rule, { type: 'azure-native:keyvault:Vault', props: {} })).toEqual([]);
  });

  it.each([
    [undefined, []],
    ['None', []],
    ['Blob', ["container 'raw' must set publicAccess to 'None' (found 'Blob')"]],
    ['Container', ["container 'raw' must set publicAccess to 'None' (found 'Container')"]],
  ])('blob-container-not-public: publicAccess %o', (access, expected) => {
    const props = withField({ accountName: 'mmdevlake', containerName: 'raw' }, 'publicAccess', access);
    expect(violations(blobContainerNotPublic, { type: BLOB_CONTAINER, props })).toEqual(expected);
  });
});
