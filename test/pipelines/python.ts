import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The Python of the test venv (`MM_VENV`, built by .ci/python.sh), or undefined with the reason printed. Under CI a
 * missing venv is an error: the tests that need it must fail, not skip.
 */
export function venvPython(): string | undefined {
  const venv = process.env.MM_VENV ?? path.join(os.homedir(), '.cache/many-models/venv');
  const python = path.join(venv, 'bin/python');
  if (existsSync(python)) return python;
  const reason = `no Python venv at ${venv} (build it with .ci/python.sh)`;
  if (process.env.CI) throw new Error(reason);
  console.warn(`skipping: ${reason}`);
  return undefined;
}
