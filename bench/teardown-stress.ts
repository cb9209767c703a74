// Issue 17 item 20: a full `npm test` once ended with "Worker exited unexpectedly with signal SIGABRT ... while
// running test/engine/run.test.ts". This drives what that file does (trainRun over a DuckDB-read lake into a
// piscina pool, a partition that throws, a worker thread that exits, a run failing its bar, an abort) in many
// concurrent processes that each exit right after, as a vitest fork does, and counts the ones a signal ended.
//
//   node bench/teardown-stress.ts [rounds=10] [concurrency=4]
//
// Exit 1 if any process died of a signal or exited with an unexpected code; the summary names each.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../src/config/load.ts';
import { listPartitions } from '../src/data/index.ts';
import { trainRun } from '../src/engine/run.ts';
import { preparedLake } from '../test/engine/fixture.ts';

const SCENARIOS = ['plain', 'throw', 'worker-exit', 'fails-bar', 'abort'] as const;
type Scenario = (typeof SCENARIOS)[number];

async function child(configPath: string, scenario: Scenario, id: string, hardExit: boolean): Promise<void> {
  const config = loadConfig({ configPath });
  const root = path.dirname(configPath);
  const prepared = path.join(root, 'prepared');
  const [first, second] = (await listPartitions(prepared, (p) => p.status === 'ok')).map((p) => p.name);
  if (scenario === 'throw' || scenario === 'fails-bar') process.env.MM_FAILPOINT = `throw:${first}`;
  if (scenario === 'worker-exit') process.env.MM_FAILPOINT = `exit:${second}`;
  const controller = new AbortController();
  const run = trainRun({
    config:
      scenario === 'fails-bar' ? { ...config, engine: { ...config.engine, maxFailedShare: 0 } } : config,
    preparedDir: prepared,
    runsDir: path.join(root, 'runs'),
    runId: `stress-${id}`,
    ...(scenario === 'abort' ? { abortSignal: controller.signal } : {}),
  });
  if (scenario === 'abort') setImmediate(() => controller.abort());
  await run.catch(() => {});
  // A vitest fork ends with process.exit once its file is done; a CLI returns and lets Node exit.
  if (hardExit) process.exit(0);
}

interface Outcome {
  scenario: Scenario;
  hardExit: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function spawnChild(configPath: string, scenario: Scenario, id: string, hardExit: boolean): Promise<Outcome> {
  return new Promise((resolve) => {
    const proc = spawn(
      process.execPath,
      [import.meta.filename, '--child', configPath, scenario, id, hardExit ? 'hard' : 'soft'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    proc.on('exit', (code, signal) => resolve({ scenario, hardExit, code, signal, stderr }));
  });
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 10);
  const concurrency = Number(process.argv[3] ?? 4);
  const lake = await preparedLake({ partitions: 60, periods: 80 });
  const outcomes: Outcome[] = [];
  let n = 0;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const batch = Array.from({ length: concurrency }, (_, i) => {
      const scenario = SCENARIOS[(round * concurrency + i) % SCENARIOS.length]!;
      return spawnChild(lake.configPath, scenario, String(n++), (round + i) % 2 === 0);
    });
    outcomes.push(...(await Promise.all(batch)));
    process.stderr.write(`round ${round + 1}/${rounds}: ${outcomes.length} processes\n`);
  }
  const bad = outcomes.filter((o) => o.signal !== null || o.code !== 0);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `${outcomes.length} processes (${rounds} rounds of ${concurrency}), ${seconds} s: ` +
      `${bad.length} ended by a signal or a non-zero code`,
  );
  for (const scenario of SCENARIOS) {
    const of = outcomes.filter((o) => o.scenario === scenario);
    console.log(`  ${scenario}: ${of.length} runs, ${of.filter((o) => o.signal !== null).length} signalled`);
  }
  for (const o of bad) {
    console.log(
      `  ${o.scenario} (${o.hardExit ? 'process.exit' : 'natural exit'}): code ${o.code} signal ${o.signal}`,
    );
    console.log(o.stderr.trim().split('\n').slice(-12).join('\n'));
  }
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load average at the end: ${load}`);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

if (process.argv[2] === '--child') {
  const [, , , configPath, scenario, id, exit] = process.argv;
  await child(configPath!, scenario as Scenario, id!, exit === 'hard');
} else {
  await main();
}
