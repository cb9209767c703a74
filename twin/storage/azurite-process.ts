import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** A running Azurite blob service on a free loopback port. */
export interface AzuriteChild {
  port: number;
  stop(): Promise<void>;
}

export interface SpawnAzuriteOptions {
  /** Extra command-line options after the ones every instance gets (in memory, loopback, free port). */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Where node_modules is; default the current directory. */
  repoRoot?: string;
  /** The scheme Azurite announces (https when started with --cert/--key). */
  scheme?: 'http' | 'https';
}

/**
 * Starts Azurite's blob service (from npm) in memory, so nothing is left behind, and resolves once it says which
 * port it listens on. Both the unit tests' plain emulator and the twin's HTTPS, OAuth, multi-account lakes start
 * here.
 */
export async function spawnAzurite(options: SpawnAzuriteOptions = {}): Promise<AzuriteChild> {
  const bin = path.resolve(options.repoRoot ?? '.', 'node_modules/.bin/azurite-blob');
  const child: ChildProcess = spawn(
    bin,
    [
      '--silent',
      '--inMemoryPersistence',
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      '0',
      '--skipApiVersionCheck',
      '--disableProductStyleUrl',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env },
  );
  const announced = new RegExp(`listens on ${options.scheme ?? 'http'}://127\\.0\\.0\\.1:(\\d+)`);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Azurite did not start: ${out}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = announced.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with ${code}: ${out}`));
    });
  });
  return {
    port,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
