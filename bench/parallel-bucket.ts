// Benchmark: what one mini-batch of the AML parallel step costs. A prepared lake of S size (1,000 weekly series x
// 156 weeks, the full candidate set) in 4 buckets is trained bucket by bucket through the engine host, as the
// parallel step's entry script drives it, with one worker thread; the host's CPU time (user+sys from /proc) is the
// measure, since the machine is shared and wall time is noise. The first request also pays the host's start-up.
//   node bench/parallel-bucket.ts [--partitions N] [--buckets B]
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';

import path from 'node:path';
import { createInterface } from 'node:readline';
import { loadConfig } from '../src/config/load.ts';
import { prepare } from '../src/data/index.ts';
import { generate } from '../src/generate/index.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const partitions = flag('--partitions', 1000);
const buckets = flag('--buckets', 4);
const root = path.resolve('.mm/bench/parallel-bucket');
await rm(root, { recursive: true, force: true });
await mkdir(root, { recursive: true });
const data = path.join(root, 'raw.parquet');
await generate({ out: data, partitions, periods: 156, frequency: 'W', seed: 7, futureHorizon: 8 });
const configPath = path.join(root, 'config.yaml');
writeFileSync(
  configPath,
  `dataset:\n  path: ${JSON.stringify(data)}\n  partitionBy: [Store, Brand]\n  time: WeekStarting\n  target: Quantity\n  frequency: W\n  features: [Price, Advert]\nforecast:\n  horizon: 8\n  holdout: 8\nstorage:\n  kind: local\n  root: ${JSON.stringify(root)}\n`,
);
const config = loadConfig({ configPath });
await prepare(config, { outDir: path.join(root, 'prepared'), buckets });

const host = spawn(process.execPath, ['src/compute/engine-host.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
const answers = createInterface({ input: host.stdout! })[Symbol.asyncIterator]();
const ticks = 100; // USER_HZ on Linux
const cpuSeconds = () => {
  const fields = readFileSync(`/proc/${host.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks; // utime, stime (fields 14 and 15 of stat)
};
const rows: string[] = [];
for (let b = 0; b < buckets; b++) {
  const before = cpuSeconds();
  const started = performance.now();
  host.stdin!.write(
    `${JSON.stringify({ id: String(b), op: 'train', config: configPath, env: 'local', runId: 'bench', preparedDir: path.join(root, 'prepared'), buckets: [b], outDir: path.join(root, 'runs', 'bench'), workers: 1 })}\n`,
  );
  const answer = JSON.parse((await answers.next()).value as string) as { ok: boolean; rows: unknown[] };
  if (!answer.ok) throw new Error(JSON.stringify(answer));
  const cpu = cpuSeconds() - before;
  const wall = (performance.now() - started) / 1000;
  rows.push(
    `| ${b} | ${answer.rows.length} | ${wall.toFixed(2)} s | ${cpu.toFixed(2)} s | ${((cpu / answer.rows.length) * 1000).toFixed(1)} ms |`,
  );
}
host.stdin!.end();
console.log(
  `| bucket | partitions | wall | host CPU | CPU per partition |\n|---|---|---|---|---|\n${rows.join('\n')}`,
);
