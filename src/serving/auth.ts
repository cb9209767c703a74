import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type AuthSettings, authSettingsProblems } from './auth-settings.ts';
import { HttpError } from './http-error.ts';

export type { AuthSettings };

/** The caller a token proved; logged, never trusted further than its roles. */
export interface Caller {
  subject: string;
  appId: string | undefined;
  roles: string[];
}

export type Authenticate = (authorization: string | undefined) => Promise<Caller | undefined>;

const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';

/**
 * Issuers Entra ID puts in access tokens for a tenant: v2.0 tokens carry `<authority>/<tenant>/v2.0`, v1.0
 * tokens `https://sts.windows.net/<tenant>/`; which one an API receives depends on its
 * `accessTokenAcceptedVersion` (https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-the-issuer).
 */
export function entraIssuers(tenantId: string, authority = DEFAULT_AUTHORITY): string[] {
  return [`${authority.replace(/\/+$/, '')}/${tenantId}/v2.0`, `https://sts.windows.net/${tenantId}/`];
}

/** The tenant's signing keys (the `jwks_uri` of its OpenID configuration). */
export function entraJwksUrl(tenantId: string, authority = DEFAULT_AUTHORITY): URL {
  return new URL(`${authority.replace(/\/+$/, '')}/${tenantId}/discovery/v2.0/keys`);
}

function challenge(error: string, description: string): Record<string, string> {
  // RFC 6750 section 3: the error goes in WWW-Authenticate; the description never echoes the token.
  return { 'www-authenticate': `Bearer error="${error}", error_description="${description}"` };
}

function bearer(authorization: string | undefined): string {
  const match = /^Bearer\s+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new HttpError(
      401,
      'a bearer token is required (Authorization: Bearer <Entra ID access token>)',
      undefined,
      {
        'www-authenticate': 'Bearer',
      },
    );
  }
  return match[1] as string;
}

function rolesOf(payload: JWTPayload): string[] {
  const roles = payload.roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

/** Builds the request check; keys are fetched from the tenant once and cached by `jose` (refetched on an unknown `kid`). */
export function authenticator(settings: AuthSettings, keys?: JWTVerifyGetKey): Authenticate {
  if (settings.mode === 'anonymous') return async () => undefined;
  const problems = authSettingsProblems(settings);
  if (problems.length > 0) throw new Error(`invalid authentication settings: ${problems.join('; ')}`);
  const jwks = keys ?? createRemoteJWKSet(entraJwksUrl(settings.tenantId, settings.authority));
  const issuer = entraIssuers(settings.tenantId, settings.authority);
  const allowed = new Set(settings.allowedRoles);
  return async (authorization) => {
    const token = bearer(authorization);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer,
        audience: [...settings.audience],
        // Entra signs access tokens with RS256; accepting only it rules out alg confusion (none, HS256 with the public key).
        algorithms: ['RS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 60,
      }));
    } catch (error) {
      if (error instanceof errors.JOSEError && !(error instanceof errors.JWKSTimeout)) {
        throw new HttpError(
          401,
          `the bearer token was refused: ${reason(error)}`,
          undefined,
          challenge('invalid_token', reason(error)),
        );
      }
      throw new HttpError(503, 'the signing keys of the identity provider could not be read; retry shortly');
    }
    if (payload.tid !== undefined && payload.tid !== settings.tenantId) {
      throw new HttpError(
        401,
        'the bearer token was refused: issued for another tenant',
        undefined,
        challenge('invalid_token', 'wrong tenant'),
      );
    }
    const roles = rolesOf(payload);
    if (!roles.some((role) => allowed.has(role))) {
      throw new HttpError(
        403,
        `the caller holds none of the app roles allowed to call this API (${[...allowed].join(', ')})`,
        undefined,
        challenge('insufficient_scope', 'missing app role'),
      );
    }
    return {
      subject: String(payload.sub),
      appId:
        typeof payload.azp === 'string'
          ? payload.azp
          : typeof payload.appid === 'string'
            ? payload.appid
            : undefined,
      roles,
    };
  };
}

/** A short, token-free reason a caller can act on. */
function reason(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `claim ${error.claim} is not valid (${error.reason})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'signed by a key the tenant does not publish';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'signing algorithm not allowed';
  return 'malformed token';
}

/** Loopback addresses: the only ones anonymous mode may listen on. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}
