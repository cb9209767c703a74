import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../../src/util/atomic.ts';
import { environmentYaml, parseStackOutputs, StackOutputsError } from './environment-file.ts';

/**
 * Writes environments/<env>.yaml from a stack's outputs, so nothing is copied by hand:
 *   pulumi -C infra stack output --json -s dev | node infra/scripts/write-environment.ts
 *   node infra/scripts/write-environment.ts --outputs dev-outputs.json --out environments/dev.yaml
 */
const USAGE = 'usage: write-environment.ts [--outputs <file>|-] [--env dev|prod] [--out <file>]';
const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

async function main(argv: readonly string[], stdin: () => string): Promise<string> {
  const { values } = parseArgs({
    args: [...argv],
    options: { outputs: { type: 'string' }, env: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  });
  const fromStdin = values.outputs === undefined || values.outputs === '-';
  const source = fromStdin ? 'standard input' : (values.outputs as string);
  const text = fromStdin ? stdin() : readFileSync(source, 'utf8');
  const outputs = parseStackOutputs(text, source);
  if (values.env !== undefined && values.env !== outputs.environment) {
    throw new StackOutputsError(
      `--env ${values.env} was asked for, but ${source} holds the ${outputs.environment} stack`,
    );
  }
  const target = values.out ?? path.join(REPO_ROOT, 'environments', `${outputs.environment}.yaml`);
  // Atomic: a reader sees the old file or the new one, never half of it; a failure above writes nothing.
  await writeFileAtomic(target, environmentYaml(outputs));
  return target;
}

try {
  const target = await main(process.argv.slice(2), () => readFileSync(0, 'utf8'));
  console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
} catch (error) {
  const badUsage = String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
  console.error(`write-environment: ${(error as Error).message}${badUsage ? `\n${USAGE}` : ''}`);
  process.exitCode = 1;
}
