import { existsSync } from 'node:fs';
import path from 'node:path';

const repo = path.resolve(import.meta.dirname, '../..');

/**
 * The folder beside the repository that CI provides (`../shared`: data samples, official schemas). `MM_SHARED`
 * points elsewhere (a test of this very rule points it at nothing).
 */
export function sharedDir(): string {
  return path.resolve(repo, process.env.MM_SHARED ?? '../shared');
}

/**
 * The path of a file under the shared folder, or undefined when it is absent: outside CI the caller skips and this
 * says why; under CI a missing fixture is an error, so a test can never pass in CI by silently skipping.
 */
export function sharedFixture(relative: string, what: string): string | undefined {
  const file = path.join(sharedDir(), relative);
  if (existsSync(file)) return file;
  const reason = `${what}: ${file} is absent (it ships in ../shared beside the repository)`;
  if (process.env.CI) throw new Error(`under CI a missing fixture fails the test: ${reason}`);
  console.warn(`skipping ${reason}`);
  return undefined;
}
