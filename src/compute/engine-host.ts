/**
 * The engine host: a long-lived Node process that the AML parallel job's entry script and the Spark tasks start
 * once per Python worker process (`node src/compute/engine-host.ts`, cwd = the repo or app root). It reads one JSON
 * request per line on stdin and writes one JSON answer per line on stdout, in order; logs go to stderr, so stdout
 * carries nothing but answers. Requests run one at a time: the caller hands over one mini-batch and waits.
 * The protocol is in ./engine-requests.ts and docs/azure.md. The process exits when stdin closes.
 */
import { createInterface } from 'node:readline';
import { shareCompileCache } from '../util/compile-cache.ts';

// Before the engine's modules load: the host and its worker threads read them from the compile cache.
shareCompileCache();
const { answerLine } = await import('./engine-requests.ts');

// Anything a library prints must not corrupt the answer stream.
console.log = console.error;
console.info = console.error;

const projectRoot = process.cwd();
const out = process.stdout;

const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
for await (const line of lines) {
  if (!line.trim()) continue;
  const answer = await answerLine(line, { projectRoot });
  const text = `${JSON.stringify(answer)}\n`;
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}
