import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { EngineAnswer } from '../../src/compute/engine-requests.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** A spawned engine host, driven the way the Python shim drives it: one request line, one answer line. */
export class HostClient {
  readonly child: ChildProcess;
  readonly #waiting = new Map<string, (answer: EngineAnswer) => void>();
  stderr = '';

  constructor(cwd = repoRoot) {
    this.child = spawn(process.execPath, [path.join(repoRoot, 'src/compute/engine-host.ts')], {
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      const answer = JSON.parse(line) as EngineAnswer;
      this.#waiting.get(answer.id)?.(answer);
      this.#waiting.delete(answer.id);
    });
  }

  request(body: Record<string, unknown> & { id: string }): Promise<EngineAnswer> {
    return new Promise((resolve) => {
      this.#waiting.set(body.id, resolve);
      this.child.stdin!.write(`${JSON.stringify(body)}\n`);
    });
  }

  /** Closes stdin and resolves with the exit code: the host exits when its input ends. */
  close(): Promise<number | null> {
    return new Promise((resolve) => {
      this.child.once('exit', (code) => resolve(code));
      this.child.stdin!.end();
    });
  }
}
