import { parseDocument } from 'yaml';
import { parseInfraConfig, rawConfigFrom } from './config.ts';

/**
 * The scoring service rollout is a change to the prod stack file, made by pull request: the image pipeline pushes
 * `<acr>/many-models-serve:<tag>` and proposes this edit; infra.yml applies it after review (plan, approval, up).
 * A `pulumi config set` on an agent would never be committed, and the next infra run would remove the service.
 */
export function withScoringImage(
  stackFile: string,
  image: string,
  configFile?: string,
  source = 'stack file',
): string {
  const doc = parseDocument(stackFile);
  if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors[0]!.message}`);
  const path = ['config', 'many-models:aks', 'scoring'];
  if (!doc.hasIn(path)) {
    if (!configFile)
      throw new Error(`${source} has no aks.scoring yet: pass the dataset config the service reads`);
    doc.setIn([...path, 'configFile'], configFile);
  } else if (configFile) {
    doc.setIn([...path, 'configFile'], configFile);
  }
  doc.setIn([...path, 'image'], image);
  const text = doc.toString();
  // The edited file must still be a valid stack: a bad image reference fails here, not in `pulumi preview`.
  const config = (doc.toJS() as { config: Record<string, unknown> }).config;
  parseInfraConfig(rawConfigFrom(config), source);
  return text;
}
