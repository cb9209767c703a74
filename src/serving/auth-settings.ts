/**
 * Who may call `POST /v1/forecast`.
 * - `entra`: a Microsoft Entra ID access token (`Authorization: Bearer …`) issued by `tenantId` for `audience`,
 *   signed by one of the tenant's published keys, carrying at least one of `allowedRoles` in its `roles` claim
 *   (app roles granted to the calling service principal or managed identity).
 * - `anonymous`: no check at all; the server refuses it on any address but loopback.
 */
export type AuthSettings =
  | { mode: 'anonymous' }
  | {
      mode: 'entra';
      tenantId: string;
      /** Accepted `aud` values: the API's application ID URI and/or its client id. */
      audience: readonly string[];
      allowedRoles: readonly string[];
      /** Defaults to https://login.microsoftonline.com (sovereign clouds and tests point elsewhere). */
      authority?: string;
    };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Problems with the settings, each naming the option, so a misconfigured service never starts open. */
export function authSettingsProblems(settings: AuthSettings): string[] {
  if (settings.mode === 'anonymous') return [];
  const problems: string[] = [];
  if (!GUID.test(settings.tenantId))
    problems.push(`--auth-tenant: expected a tenant id (a GUID), got '${settings.tenantId}'`);
  if (settings.audience.length === 0)
    problems.push('--auth-audience: name the API (application ID URI or client id)');
  if (settings.allowedRoles.length === 0)
    problems.push('--auth-role: name at least one app role allowed to call');
  return problems;
}
