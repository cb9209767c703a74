import { type Command, Option } from 'commander';
import { ConfigError } from '../config/errors.ts';
import { type AuthSettings, authSettingsProblems } from './auth-settings.ts';

/** The `mm serve` / container options that choose who may call the service. */
export interface AuthOptions {
  auth: 'entra' | 'anonymous';
  authTenant?: string;
  authAudience: string[];
  authRole: string[];
  authAuthority?: string;
}

/** Repeatable, and comma-separated so one environment variable can carry several values. */
const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/**
 * `--auth` has no default: a service that answers anyone must be asked for (and is refused off loopback), and an
 * exposed one names the tenant, the API and the app roles allowed to call it.
 */
export function withAuthOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--auth <mode>', 'who may call: entra (Entra ID bearer tokens) or anonymous (loopback only)')
        .choices(['entra', 'anonymous'])
        .env('MM_SERVE_AUTH')
        .makeOptionMandatory(),
    )
    .addOption(
      new Option(
        '--auth-tenant <id>',
        'Entra ID tenant id whose tokens are accepted (with --auth entra)',
      ).env('MM_AUTH_TENANT'),
    )
    .addOption(
      new Option('--auth-audience <aud>', "the API's application ID URI or client id; repeatable")
        .env('MM_AUTH_AUDIENCE')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option('--auth-role <role>', 'an app role allowed to call; repeatable')
        .env('MM_AUTH_ROLES')
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option(
        '--auth-authority <url>',
        'Entra ID authority (sovereign clouds, tests); default https://login.microsoftonline.com',
      ),
    );
}

export function authFromOptions(options: AuthOptions): AuthSettings {
  if (options.auth === 'anonymous') {
    const stray = [
      options.authTenant && '--auth-tenant',
      options.authAudience.length > 0 && '--auth-audience',
      options.authRole.length > 0 && '--auth-role',
    ].filter(Boolean);
    if (stray.length > 0)
      throw new ConfigError('mm serve options', [`${stray.join(', ')} given with --auth anonymous`]);
    return { mode: 'anonymous' };
  }
  const settings: AuthSettings = {
    mode: 'entra',
    tenantId: options.authTenant ?? '',
    audience: options.authAudience,
    allowedRoles: options.authRole,
    ...(options.authAuthority ? { authority: options.authAuthority } : {}),
  };
  const problems = authSettingsProblems(settings);
  if (problems.length > 0) throw new ConfigError('mm serve options', problems);
  return settings;
}
