import { AzureBlobStore } from '../../src/storage/azure-blob-store.ts';
import { TokenIssuer } from '../../twin/identity/tokens.ts';
import { TwinEstate } from '../../twin/rbac/estate.ts';
import { startTwinLakes, twinCredential } from '../../twin/storage/lakes.ts';
import { selfSignedCertificate } from '../../twin/tls.ts';

/** The twin's two ADLS Gen2 lakes (Azurite behind the HNS proxy), and stores signed in as a twin principal. */
export async function startLakes() {
  const estate = new TwinEstate();
  const issuer = new TokenIssuer(estate.tenantId);
  const lakes = await startTwinLakes({ estate, issuer, tls: selfSignedCertificate() });
  return {
    estate,
    issuer,
    lakes,
    /** The `lake` container of an environment's account, as `principal` ('dev/dataprep', ...) sees it. */
    store(environment: 'dev' | 'prod', principal: string, container = 'lake') {
      return new AzureBlobStore({
        accountUrl: lakes.accountUrl(environment),
        container,
        credential: twinCredential(issuer, estate.principal(principal)),
        maxTries: 1,
      });
    },
    stop: () => lakes.stop(),
  };
}
