import type { TokenCredential } from '@azure/identity';
import type { TokenIssuer } from '../identity/tokens.ts';
import type { TwinEstate, TwinPrincipal } from '../rbac/estate.ts';
import { type TwinTls, trustTwinCertificate } from '../tls.ts';
import { startAzuriteHttps } from './azurite.ts';
import { HnsProxy } from './hns-proxy.ts';

/** The containers each lake holds, as the Pulumi program creates them (raw, the engine's lake, Synapse's own). */
const CONTAINERS = ['raw', 'lake'];

export interface TwinLakes {
  proxy: HnsProxy;
  /** Blob endpoint of the dev or prod lake account. */
  accountUrl(environment: 'dev' | 'prod'): string;
  stop(): Promise<void>;
}

/** Starts Azurite and the HNS proxy in front of it, with the dev and prod lake accounts and their containers. */
export async function startTwinLakes(options: {
  estate: TwinEstate;
  issuer: TokenIssuer;
  tls: TwinTls;
  repoRoot?: string;
}): Promise<TwinLakes> {
  trustTwinCertificate(options.tls.cert);
  const accounts = [options.estate.names.dev.lake, options.estate.names.prod.lake];
  const azurite = await startAzuriteHttps({ accounts, tls: options.tls, repoRoot: options.repoRoot });
  const proxy = await new HnsProxy({
    estate: options.estate,
    issuer: options.issuer,
    upstream: azurite.url,
    tls: options.tls,
  }).start();
  for (const account of accounts) {
    for (const container of CONTAINERS) await proxy.createContainer(account, container);
  }
  await proxy.createContainer(options.estate.names.prod.lake, 'synapse');
  return {
    proxy,
    accountUrl: (environment) => proxy.accountUrl(options.estate.names[environment].lake),
    async stop() {
      await proxy.stop();
      await azurite.stop();
    },
  };
}

/** In-process sign-in as one twin principal (child processes get tokens from the MSI endpoint instead). */
export function twinCredential(issuer: TokenIssuer, principal: TwinPrincipal): TokenCredential {
  return {
    async getToken(scopes) {
      const scope = Array.isArray(scopes) ? scopes[0]! : scopes;
      return { token: issuer.issue(principal, scope), expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}
