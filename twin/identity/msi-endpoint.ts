import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { TwinPrincipal } from '../rbac/estate.ts';
import type { TokenIssuer } from './tokens.ts';

/**
 * The managed identity endpoint of an Azure ML compute node, as documented in "Set up authentication between Azure
 * Machine Learning and other services" (https://learn.microsoft.com/en-us/azure/machine-learning/how-to-identity-based-service-authentication,
 * compute cluster identities) and implemented by MSAL's MachineLearning source: the node has MSI_ENDPOINT and
 * MSI_SECRET; a GET with header `secret`, api-version 2017-09-01, `resource` and, for a user-assigned identity,
 * `clientid`, answers { access_token, expires_on, resource, token_type }.
 * A node carrying several user-assigned identities must name one: IMDS answers 400 "Multiple user assigned
 * identities exist, please specify the clientId / resourceId of the identity in the token request", and 400
 * "Identity not found" for a client id the node does not carry ("How to use managed identities for Azure
 * resources on an Azure VM to acquire an access token", https://learn.microsoft.com/en-us/entra/identity/managed-identities-azure-resources/how-to-use-vm-token,
 * section Error handling).
 */
export interface IdentityContext {
  /** The identities attached to this node (a cluster) or this agent (a service connection). */
  identities: TwinPrincipal[];
  label: string;
}

export interface TokenLog {
  context: string;
  principal?: string;
  resource: string;
  status: number;
}

export class MsiEndpoint {
  readonly log: TokenLog[] = [];
  readonly #contexts = new Map<string, IdentityContext>();
  readonly #issuer: TokenIssuer;
  #server: Server | undefined;
  endpoint = '';

  constructor(issuer: TokenIssuer) {
    this.#issuer = issuer;
  }

  /** Environment variables a process needs to get tokens as one of `context.identities`. */
  environmentFor(context: IdentityContext): Record<string, string> {
    const secret = randomBytes(16).toString('hex');
    this.#contexts.set(secret, context);
    return { MSI_ENDPOINT: this.endpoint, MSI_SECRET: secret };
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.endpoint = `http://127.0.0.1:${(this.#server!.address() as { port: number }).port}/msi/token`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse): undefined {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const context = this.#contexts.get(String(req.headers.secret ?? ''));
    const resource = url.searchParams.get('resource') ?? '';
    const answer = (status: number, body: unknown, principal?: string): undefined => {
      this.log.push({ context: context?.label ?? '(none)', principal, resource, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!context)
      return answer(401, { error: 'invalid_secret', error_description: 'the secret header is wrong' });
    if (url.searchParams.get('api-version') !== '2017-09-01' || !resource) {
      return answer(400, {
        error: 'invalid_request',
        error_description: 'api-version 2017-09-01 and resource are required',
      });
    }
    const clientId = url.searchParams.get('clientid');
    let chosen: TwinPrincipal | undefined;
    if (clientId && clientId !== 'undefined') {
      chosen = context.identities.find((p) => p.clientId === clientId);
      if (!chosen) return answer(400, { error: 'invalid_request', error_description: 'Identity not found' });
    } else if (context.identities.length === 1) {
      chosen = context.identities[0];
    } else {
      return answer(400, {
        error: 'invalid_request',
        error_description:
          'Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request',
      });
    }
    const token = this.#issuer.issue(chosen!, resource);
    answer(
      200,
      {
        access_token: token,
        expires_on: Math.floor(Date.now() / 1000) + 3600,
        resource,
        token_type: 'Bearer',
      },
      chosen!.name,
    );
  }
}
