import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Access tokens of the twin's Entra ID: JWTs carrying the claims Azure services read to know the caller.
 * Claims as documented in "Access token claims reference"
 * (https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference): `aud` the resource,
 * `iss` https://sts.windows.net/<tenant>/ (v1 tokens, which managed identities receive), `oid` the principal's
 * object id (what role assignments name), `appid` its client id, `tid`, `nbf`, `exp`.
 * Signed with a per-twin HMAC key (Entra signs with RS256; the twin's services only need to tell its own tokens
 * from forged ones). Azurite's OAuth mode checks aud, iss, nbf and exp of the same token.
 */
export interface TokenClaims {
  aud: string;
  iss: string;
  oid: string;
  appid: string;
  tid: string;
  sub: string;
  nbf: number;
  exp: number;
  iat: number;
}

export const STORAGE_AUDIENCE = 'https://storage.azure.com';
export const ARM_AUDIENCE = 'https://management.azure.com';

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

export class TokenIssuer {
  readonly tenantId: string;
  readonly #key = randomBytes(32);

  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }

  /** A token for `resource` (a scope or resource URI; '/.default' is dropped as Entra does for `aud`). */
  issue(principal: { principalId: string; clientId: string }, resource: string, lifetimeS = 3600): string {
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      aud: audienceOf(resource),
      iss: `https://sts.windows.net/${this.tenantId}/`,
      oid: principal.principalId,
      sub: principal.principalId,
      appid: principal.clientId,
      tid: this.tenantId,
      nbf: now - 60,
      iat: now - 60,
      exp: now + lifetimeS,
    };
    const head = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64(JSON.stringify(claims));
    return `${head}.${body}.${this.#sign(`${head}.${body}`)}`;
  }

  /** The claims of a token this issuer signed, still valid, for `audience`; otherwise why not. */
  verify(token: string, audience: string): { claims: TokenClaims } | { problem: string } {
    const [head, body, signature] = token.split('.');
    if (!head || !body || !signature) return { problem: 'the token is not a JWT' };
    const expected = Buffer.from(this.#sign(`${head}.${body}`));
    const actual = Buffer.from(signature);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      return { problem: 'the token signature is invalid' };
    }
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenClaims;
    const now = Math.floor(Date.now() / 1000);
    if (claims.exp < now) return { problem: 'the token is expired' };
    if (claims.aud !== audienceOf(audience)) {
      return { problem: `the token is for '${claims.aud}', not '${audienceOf(audience)}'` };
    }
    return { claims };
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }
}

export function audienceOf(resource: string): string {
  return resource.replace(/\/\.default$/, '').replace(/\/+$/, '');
}

/** The bearer token of an Authorization header, or undefined. */
export function bearerOf(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
