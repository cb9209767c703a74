import { cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { environmentYaml, parseStackOutputs } from '../../infra/scripts/environment-file.ts';
import type { TwinEstate } from '../rbac/estate.ts';
import { twinStackOutputs } from './stack-outputs.ts';

/** What a checkout links from the repository: the code, never the repository's own environments/ or caches. */
const LINKED = [
  '.azure-pipelines',
  '.dockerignore',
  'bin',
  'infra',
  'node_modules',
  'package.json',
  'package-lock.json',
  'pipelines',
  'scripts',
  'src',
  'steps',
  'tsconfig.json',
];

/**
 * One agent's fresh checkout, as each ml.yml job gets one (`checkout: self` on a new agent: nothing from the
 * stage before survives but the lakes and the registries): the repository's code linked in, `configs/` with the
 * rehearsal's dataset config, and `environments/dev.yaml` / `prod.yaml` written from the twin stacks' outputs by
 * infra/scripts/environment-file.ts, exactly as `pulumi stack output --json | write-environment.ts` writes them.
 */
export function createCheckout(options: {
  repo: string;
  dir: string;
  estate: TwinEstate;
  /** configs/<name> -> YAML text. */
  configs: Record<string, string>;
}): string {
  mkdirSync(path.join(options.dir, 'environments'), { recursive: true });
  mkdirSync(path.join(options.dir, 'configs'), { recursive: true });
  for (const entry of LINKED) symlinkSync(path.join(options.repo, entry), path.join(options.dir, entry));
  for (const env of ['dev', 'prod'] as const) {
    const outputs = parseStackOutputs(
      JSON.stringify(twinStackOutputs(options.estate, env)),
      `the twin's ${env} stack outputs`,
    );
    writeFileSync(path.join(options.dir, 'environments', `${env}.yaml`), environmentYaml(outputs));
  }
  for (const [name, text] of Object.entries(options.configs))
    writeFileSync(path.join(options.dir, 'configs', name), text);
  return options.dir;
}

/** Copies a file into a checkout (folders created), e.g. the raw dataset Prepare reads. */
export function placeFile(checkout: string, relative: string, source: string): void {
  mkdirSync(path.dirname(path.join(checkout, relative)), { recursive: true });
  cpSync(source, path.join(checkout, relative));
}
