import * as pulumi from '@pulumi/pulumi';
import { InfraConfigError, parseInfraConfig, rawConfigFrom } from './config.ts';
import { placeholderIds } from './placeholders.ts';
import { buildStack } from './program.ts';

/**
 * The Pulumi program (Pulumi.yaml `main`). Node runs it as TypeScript directly (see docs/infra.md): the default
 * export is called by the Pulumi runtime and its result becomes the stack outputs.
 */
export default function program() {
  const source = `Pulumi.${pulumi.getStack()}.yaml`;
  let config: ReturnType<typeof parseInfraConfig>;
  try {
    config = parseInfraConfig(rawConfigFrom(pulumi.runtime.allConfig()), source);
    const placeholders = placeholderIds(config);
    if (placeholders.length > 0) throw new InfraConfigError(source, placeholders);
  } catch (error) {
    // A RunError is shown without a stack trace: the message already names every key to fix.
    if (error instanceof InfraConfigError) throw new pulumi.RunError(error.message);
    throw error;
  }
  return buildStack(config).outputs;
}
