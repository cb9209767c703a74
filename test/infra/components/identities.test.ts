import { beforeAll, describe, expect, it } from 'vitest';
import { FEDERATION_AUDIENCE, Identities } from '../../../infra/components/identities.ts';
import { installMocks, type Recorder, resolve, settle } from '../harness.ts';
import { placement } from './fixtures.ts';

const UAI = 'azure-native:managedidentity:UserAssignedIdentity';
const FIC = 'azure-native:managedidentity:FederatedIdentityCredential';

describe('Identities', () => {
  let rec: Recorder;
  let ids: Identities;

  beforeAll(async () => {
    rec = await installMocks({ stack: 'prod' });
    ids = new Identities('identities', {
      ...placement,
      identities: { scoring: 'mm-prod-id-scoring', promotion: 'mm-prod-id-promotion' },
      federations: {
        promotion: [{ issuer: 'https://vstoken.dev.azure.com/org-id', subject: 'sc://contoso/ml/promotion' }],
      },
    });
    ids.federate('scoring', {
      issuer: 'https://westeurope.oic.prod-aks.azure.com/t/x/',
      subject: 'system:serviceaccount:mm-serving:mm-scoring',
    });
    ids.federate('scoring', { issuer: 'https://example.test/', subject: 'second' });
    await settle();
  });

  it('creates one tagged user-assigned identity per job', async () => {
    expect(rec.of(UAI).map((d) => d.inputs.resourceName)).toEqual([
      'mm-prod-id-scoring',
      'mm-prod-id-promotion',
    ]);
    for (const d of rec.of(UAI)) expect(d.inputs.tags).toEqual(placement.tags);
    const scoring = rec.one(UAI, (d) => d.inputs.resourceName === 'mm-prod-id-scoring');
    expect(await resolve(ids.get('scoring').clientId)).toBe(scoring.state.clientId);
    expect(() => ids.get('training')).toThrow('this stack has no training identity');
  });

  it('federates the promotion identity with the Azure DevOps service connection', () => {
    const cred = rec.one(FIC, (d) => d.inputs.resourceName === 'mm-prod-id-promotion');
    expect(cred.inputs).toMatchObject({
      issuer: 'https://vstoken.dev.azure.com/org-id',
      subject: 'sc://contoso/ml/promotion',
      audiences: [FEDERATION_AUDIENCE],
    });
  });

  it('federates the scoring identity with the AKS service account, one credential after another', () => {
    const creds = rec.of(FIC).filter((d) => d.inputs.resourceName === 'mm-prod-id-scoring');
    expect(creds.map((c) => c.inputs.federatedIdentityCredentialResourceName).sort()).toEqual([
      'scoring-federation-0',
      'scoring-federation-1',
    ]);
    expect(creds.map((c) => c.inputs.subject)).toContain('system:serviceaccount:mm-serving:mm-scoring');
    expect(() => ids.federate('dataprep', { issuer: 'x', subject: 'y' })).toThrow(
      'this stack has no dataprep identity to federate',
    );
  });
});
