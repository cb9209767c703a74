import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { writeFileAtomic } from '../../src/util/atomic.ts';
import { type PolicyPackConfig, policyPackConfig } from '../policy/policy-config.ts';

/**
 * Writes the policy-pack config from the same config `mm evaluate-and-promote` reads, so the step and the
 * promotion gate apply one set of thresholds:
 *   node infra/scripts/write-policy-config.ts --config configs/demo.yaml --env prod --out policy-config.json
 *   pulumi preview --policy-pack infra/policy --policy-pack-config policy-config.json
 */
const USAGE =
  'usage: write-policy-config.ts --config <dataset.yaml> --env <env> [--base <policy-config.json>] ' +
  '[--prod-workspace-pattern <regex>] [--out <file>]';

function readBase(file: string): PolicyPackConfig {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file} must hold a JSON object of policy sections`);
  }
  return value as PolicyPackConfig;
}

try {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      config: { type: 'string' },
      env: { type: 'string' },
      base: { type: 'string' },
      'prod-workspace-pattern': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  if (!values.config || !values.env)
    throw Object.assign(new Error('--config and --env are required'), { usage: true });
  const config = loadConfig({ configPath: values.config, env: values.env });
  const document = policyPackConfig(
    config.promotion,
    values.base ? readBase(values.base) : {},
    values['prod-workspace-pattern'],
  );
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (values.out) {
    await writeFileAtomic(values.out, text);
    console.error(`wrote ${values.out}`);
  } else {
    process.stdout.write(text);
  }
} catch (error) {
  const usage =
    (error as { usage?: boolean }).usage === true ||
    String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS');
  console.error(`write-policy-config: ${(error as Error).message}${usage ? `\n${USAGE}` : ''}`);
  process.exitCode = 1;
}
