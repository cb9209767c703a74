import type { InfraConfig } from './config.ts';

/**
 * The committed stack files carry placeholder Entra object ids (00000000-0000-0000-0000-…) where each fork must
 * put its own: the program refuses to run with them, naming each key and what to set it to, instead of
 * deploying a grant to an object id that does not exist (ARM answers PrincipalNotFound halfway through `up`).
 * Checked by the entry point only, so tests and scripts can still read the committed files.
 */
const PLACEHOLDER = /^00000000-0000-0000-0000-[0-9a-f]{12}$/i;

export function placeholderIds(config: InfraConfig): string[] {
  const found: string[] = [];
  const check = (key: string, value: string | undefined, what: string) => {
    if (value !== undefined && PLACEHOLDER.test(value))
      found.push(`many-models:${key}: '${value}' is the template's placeholder; set it to ${what}`);
  };
  if (config.enableSynapse || config.computeEngine === 'synapse-spark')
    check(
      'synapse.adminObjectId',
      config.synapse.adminObjectId,
      'the object id of your Synapse SQL admin group',
    );
  if (config.enableAks) {
    check(
      'aks.deployer.objectId',
      config.aks.deployer?.objectId,
      "the object id of the service principal that runs `pulumi up` of this stack (the infra service connection's)",
    );
    for (const [i, id] of config.aks.adminGroupObjectIds.entries())
      check(`aks.adminGroupObjectIds.${i}`, id, 'the object id of your cluster admin group');
  }
  return found;
}
