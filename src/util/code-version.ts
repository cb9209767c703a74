import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The code version recorded in every artifact's lineage: MM_CODE_VERSION when set (pipelines pass the build's
 * commit), else the git commit of the working tree, else the package version.
 */
export function codeVersion(): string {
  if (cached) return cached;
  cached = process.env.MM_CODE_VERSION || gitCommit() || packageVersion();
  return cached;
}

function gitCommit(): string | undefined {
  try {
    const out = execFileSync('git', ['describe', '--always', '--dirty', '--abbrev=12'], {
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    });
    return out.toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return `v${pkg.version}`;
}
