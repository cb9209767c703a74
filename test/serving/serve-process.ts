import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalModelRegistry } from '../../src/registry/local.ts';
import { trainedArtifact } from './real-artifacts.ts';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export const SERVED_PARTITION = { Store: '7', Brand: 'minute.maid' };

/** A temp folder with a prod registry holding one real ridge model and a dataset config pointing at it. */
export async function servedFolder(prefix: string): Promise<{ dir: string; root: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  const root = path.join(dir, 'lake');
  await new LocalModelRegistry({ root, stage: 'prod' }).registerMany([
    { artifact: trainedArtifact(SERVED_PARTITION, { seed: 5, candidates: ['ridge'] }), tags: {} },
  ]);
  await writeFile(
    path.join(dir, 'config.yaml'),
    [
      'dataset:',
      '  path: sales.parquet',
      '  partitionBy: [Store, Brand]',
      '  time: WeekStarting',
      '  target: Quantity',
      '  frequency: W',
      '  features: [Price, Advert]',
      'forecast: { horizon: 8, holdout: 8 }',
      `storage: { kind: local, root: ${JSON.stringify(root)} }`,
      '',
    ].join('\n'),
  );
  return { dir, root };
}

export interface ServeProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Resolves with the URL once the server says it listens (rejects if it exits first). */
  url: () => Promise<string>;
  stop: () => Promise<void>;
}

/** `mm serve --config config.yaml --port 0 ...args`, a real process (cwd = the folder: no environment overlay). */
export function mmServe(dir: string, args: string[]): ServeProcess {
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', 'config.yaml', '--port', '0', ...args], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const listeners: (() => void)[] = [];
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = () =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /listening on (http:\/\/[^\s]+?:\d+)/.exec(stderr);
        if (match) resolve(match[1] as string);
      };
      listeners.push(check);
      check();
      void exited.then((code) => reject(new Error(`mm serve exited ${code} before listening:\n${stderr}`)));
    });
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return { child, stderr: () => stderr, exited, url, stop };
}
