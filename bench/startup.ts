// Benchmark: the fixed cost of starting `mm` and the engine host, per command, with Node's compile cache cold
// (a fresh cache folder: the first run after an install or a change) and warm (the same folder again), on a tiny
// dataset (4 partitions x 104 weeks, one worker thread) so that what is measured is start-up, not training.
//   node bench/startup.ts [--runs N] [--repo DIR]... [--commands node,version,help,prepare,...] [--modes cold,warm]
// Each measurement is a fresh process. CPU is user + system of the whole process (main thread, worker threads,
// DuckDB's threads), read by the process itself at exit (process.cpuUsage, a preloaded probe): on a shared machine
// wall time is noise. Several --repo (worktrees of this project, e.g. main and a branch) are measured alternately,
// repetition by repetition, so an A/B comparison sees the same load. The median of N repetitions is reported.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const COMMANDS = {
  'node -e 0': { node: ['-e', '0'] },
  '--version': { mm: ['--version'] },
  '--help': { mm: ['--help'] },
  prepare: { mm: ['prepare', '--config', 'config.yaml'] },
  train: { mm: ['train', '--run', 'r{i}', '--config', 'config.yaml'] },
  'evaluate-and-promote': { mm: ['evaluate-and-promote', '--run', 'r{i}', '--config', 'config.yaml'] },
  score: { mm: ['score', '--run', 's{i}', '--future', 'raw/demo.future.parquet', '--config', 'config.yaml'] },
  'engine host (1 train request)': { host: true },
} as const;
type CommandName = keyof typeof COMMANDS;

const args = process.argv.slice(2);
const values = (name: string) => args.flatMap((a, i) => (a === name && args[i + 1] ? [args[i + 1]!] : []));
const runs = Number(values('--runs')[0] ?? 5);
const repos = (
  values('--repo').length > 0 ? values('--repo') : [path.resolve(import.meta.dirname, '..')]
).map((r) => path.resolve(r));
const modes = (values('--modes')[0] ?? 'cold,warm').split(',') as ('cold' | 'warm')[];
const commands = (values('--commands')[0]?.split(',') ?? Object.keys(COMMANDS)).map((c) => {
  const name = (Object.keys(COMMANDS) as CommandName[]).find(
    (k) => k === c || k === `--${c}` || k.startsWith(`${c} `),
  );
  if (!name) throw new Error(`unknown command ${c}; one of: ${Object.keys(COMMANDS).join(', ')}`);
  return name;
});

const CONFIG = `dataset:
  path: raw/demo.parquet
  partitionBy: [Store, Brand]
  time: WeekStarting
  target: Quantity
  frequency: W
  features: [Price, Advert]
forecast:
  horizon: 8
  holdout: 8
engine:
  workers: 1
`;

// The probe runs before the program (node --import) and writes the process's CPU time when it exits. Worker
// threads inherit --import; only the main thread writes (cpuUsage covers every thread of the process).
const PROBE = `data:text/javascript,${encodeURIComponent(
  "import{isMainThread}from'node:worker_threads';import{writeFileSync}from'node:fs';" +
    "if(isMainThread&&process.env.MM_STARTUP_PROBE){const f=process.env.MM_STARTUP_PROBE;process.on('exit',()=>" +
    '{const u=process.cpuUsage();writeFileSync(f,String((u.user+u.system)/1000))})}',
)}`;

const root = mkdtempSync(path.join(os.tmpdir(), 'mm-bench-startup-'));
const workspaces = new Map<string, string>();
let sequence = 0;

interface Sample {
  cpuMs: number;
  wallMs: number;
}

async function measure(repo: string, name: CommandName, mode: 'cold' | 'warm', rep: string): Promise<Sample> {
  const cwd = workspaces.get(repo)!;
  const spec = COMMANDS[name];
  // Node's default compile cache folder is <tmpdir>/node-compile-cache: a TMPDIR per repo keeps it warm between
  // runs, a fresh one per run keeps it cold. NODE_COMPILE_CACHE is not set: the code decides, as for a user.
  const tmp =
    mode === 'warm' ? path.join(root, `tmp-${repos.indexOf(repo)}`) : path.join(root, `cold-${sequence++}`);
  mkdirSync(tmp, { recursive: true });
  const probe = path.join(root, 'cpu');
  rmSync(probe, { force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, MM_STARTUP_PROBE: probe, CI: 'true' };
  delete env.NODE_COMPILE_CACHE;
  delete env.NODE_DISABLE_COMPILE_CACHE;
  const started = performance.now();
  if ('host' in spec) {
    const outDir = path.join(cwd, 'host-out', rep);
    const request = {
      id: rep,
      op: 'train',
      config: path.join(cwd, 'config.yaml'),
      env: 'local',
      runId: `h${rep}`,
      preparedDir: path.join(cwd, '.mm/local/datasets/config/prepared'),
      buckets: [0],
      outDir,
    };
    const result = await execa(
      process.execPath,
      ['--import', PROBE, path.join(repo, 'src/compute/engine-host.ts')],
      {
        cwd,
        env,
        extendEnv: false,
        input: `${JSON.stringify(request)}\n`,
        reject: false,
      },
    );
    const answer = JSON.parse(result.stdout.trim().split('\n')[0] ?? '{}') as { ok?: boolean };
    if (!answer.ok) throw new Error(`engine host failed:\n${result.stdout}\n${result.stderr}`);
  } else {
    const argv =
      'node' in spec
        ? [...spec.node]
        : [path.join(repo, 'bin/mm.js'), ...spec.mm.map((a) => a.replace('{i}', rep))];
    const result = await execa(process.execPath, ['--import', PROBE, ...argv], {
      cwd,
      env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} exited ${result.exitCode}:\n${result.all}`);
  }
  const wallMs = performance.now() - started;
  if (mode === 'cold') rmSync(tmp, { recursive: true, force: true });
  return { cpuMs: Number(readFileSync(probe, 'utf8')), wallMs };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

try {
  for (const [i, repo] of repos.entries()) {
    const cwd = path.join(root, `ws-${i}`);
    mkdirSync(cwd);
    workspaces.set(repo, cwd);
    writeFileSync(path.join(cwd, 'config.yaml'), CONFIG);
    const mm = path.join(repo, 'bin/mm.js');
    await execa(
      process.execPath,
      [mm, 'generate', '--partitions', '4', '--periods', '104', '--out', 'raw/demo.parquet'],
      { cwd },
    );
    // The lake every command needs, and a warm compile cache for the "warm" runs.
    for (const name of ['prepare', 'train', 'evaluate-and-promote', 'score'] as const) {
      await measure(repo, name, 'warm', '0');
    }
  }
  const samples = new Map<string, Sample[]>();
  for (let r = 1; r <= runs; r++) {
    for (const name of commands) {
      for (const mode of modes) {
        for (const repo of repos) {
          const key = `${name}|${mode}|${repo}`;
          const list = samples.get(key) ?? [];
          // One run id per measurement; promotion judges the run trained just before it (or the set-up's).
          const rep = name === 'evaluate-and-promote' && !commands.includes('train') ? '0' : `${r}${mode}`;
          list.push(await measure(repo, name, mode, rep));
          samples.set(key, list);
        }
      }
    }
  }
  console.log(
    `${runs} runs each, median (min-max) CPU, median wall; load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, ` + `${os.availableParallelism()} cores, Node ${process.versions.node}\n`,
  );
  console.log(`| command | code | compile cache | CPU (user+sys) | wall |\n|---|---|---|---:|---:|`);
  for (const name of commands) {
    for (const mode of modes) {
      for (const repo of repos) {
        const list = samples.get(`${name}|${mode}|${repo}`)!;
        const cpu = list.map((s) => s.cpuMs);
        console.log(
          `| ${name} | ${path.basename(repo)} | ${mode} | ${median(cpu).toFixed(0)} ms (${Math.min(...cpu).toFixed(0)}-` +
            `${Math.max(...cpu).toFixed(0)}) | ${median(list.map((s) => s.wallMs)).toFixed(0)} ms |`,
        );
      }
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
