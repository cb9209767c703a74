import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The venvs .ci/python.sh builds: the variable that names each, and its folder in the cache by default. */
const VENVS = {
  engine: { variable: 'MM_VENV', folder: 'venv' },
  sql: { variable: 'MM_SQL_VENV', folder: 'sql' },
  checkov: { variable: 'MM_CHECKOV_VENV', folder: 'checkov' },
} as const;

/**
 * A program of one of the test venvs (built by .ci/python.sh), or undefined with the reason printed. Under CI a
 * missing venv is an error: the tests that need it must fail, not skip.
 */
export function venvProgram(venv: keyof typeof VENVS, program: string): string | undefined {
  const { variable, folder } = VENVS[venv];
  const dir = process.env[variable] ?? path.join(os.homedir(), '.cache/many-models', folder);
  const file = path.join(dir, 'bin', program);
  if (existsSync(file)) return file;
  const reason = `no ${program} in the Python venv at ${dir} (build it with .ci/python.sh)`;
  if (process.env.CI) throw new Error(reason);
  console.warn(`skipping: ${reason}`);
  return undefined;
}

/** The Python of the engine venv (pyspark, azure-ai-ml). */
export const venvPython = (): string | undefined => venvProgram('engine', 'python');
