// `npm run rehearsal`: the Azure dress rehearsal (issue 13). Starts the Azure twin, gives every ml.yml job a fresh
// checkout whose environments/ are written from the twin stacks' outputs, and runs the steps ml.yml runs, in its
// order, each as a real process signed in as the identity its service connection stands for. Prints the table
// (stage, identity, lakes, calls, refusals met, duration) and exits 0 only if every step passed.
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startTwin, type Twin } from '../index.ts';
import { createCheckout, placeFile } from './checkout.ts';
import { rehearsalNodeImage, rehearsalRegistries } from './cluster-image.ts';
import { type RehearsalStep, rehearsalSteps } from './ml-stages.ts';
import { type CallRecord, formatTable, type StepReport } from './report.ts';
import { bootstrapSynapse, checkLatestPredictions, VIEW_READER } from './synapse-reader.ts';

const repo = path.resolve(import.meta.dirname, '../..');

/** Steps the twin cannot stand in for without its registries, and why (said in the table, never dropped). */
const NEEDS_REGISTRIES: Record<string, string> = {
  Image: 'the twin runs no container registry here (docker-registry or buildah missing)',
  ImageProd: 'the twin runs no container registry here (docker-registry or buildah missing)',
};

/** What the rehearsal does outside ml.yml, said under the table. */
const OUTSIDE_ML_YML = [
  'before the pipeline, as docs/azure.md asks once per stack: the Synapse grants (infra/synapse-grants.ts) run by a ' +
    'member of the SQL administrators group, and a login with SELECT for the reader of the views (prod auditor)',
  'after Score: SynapseRead reads dbo.latest_predictions through mssql as the prod auditor and compares it with ' +
    "the scorer's Parquet in the prod lake",
];

/** A small dataset of what `mm generate` writes, in the shape of configs/demo.yaml. */
const DEMO_CONFIG = [
  '# The rehearsal’s dataset: configs/demo.yaml’s shape, a few series so the whole pipeline runs in minutes.',
  'dataset:',
  '  path: ../.mm/local/raw/demo.parquet',
  '  partitionBy: [Store, Brand]',
  '  time: WeekStarting',
  '  target: Quantity',
  '  frequency: W',
  '  features: [Price, Advert]',
  'forecast:',
  '  horizon: 8',
  '  holdout: 8',
  '',
].join('\n');

function callsSince(
  twin: Twin,
  mark: { storage: number; arm: number; registry: number; token: number; sql: number },
): CallRecord[] {
  return [
    ...twin.lakes.proxy.log
      .slice(mark.storage)
      .map((c) => ({ service: 'storage' as const, status: c.status, account: c.account, method: c.method })),
    ...twin.arm.log
      .slice(mark.arm)
      .map((c) => ({ service: 'arm' as const, status: c.status, method: c.method })),
    ...(twin.acr?.log ?? [])
      .slice(mark.registry)
      .map((c) => ({ service: 'registry' as const, status: c.status, method: c.method })),
    ...twin.msi.log.slice(mark.token).map((c) => ({ service: 'token' as const, status: c.status })),
    ...twin.synapse.log.slice(mark.sql).map((c) => ({ service: 'sql' as const, status: c.errors[0] ?? 0 })),
  ];
}

async function runStep(
  step: RehearsalStep,
  cwd: string,
  env: NodeJS.ProcessEnv,
  logFile: string,
  timeoutMs: number,
): Promise<number> {
  // As the AzureCLI@2 task does: bash, `set -euo pipefail`, the checkout as the working directory.
  const child = spawn('bash', ['-c', `set -euo pipefail\n${step.command}`], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: timeoutMs,
  });
  const log = createWriteStream(logFile);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  log.end();
  return code;
}

/** The SynapseRead row: the view Score refreshed, read through the real SQL client as its reader. */
async function readView(twin: Twin, reports: StepReport[], log: (line: string) => void): Promise<boolean> {
  const mark = {
    storage: twin.lakes.proxy.log.length,
    arm: twin.arm.log.length,
    token: twin.msi.log.length,
    registry: twin.acr?.log.length ?? 0,
    sql: twin.synapse.log.length,
  };
  const started = performance.now();
  log(`== SynapseRead as ${VIEW_READER}: SELECT ... FROM dbo.latest_predictions`);
  const problem = await checkLatestPredictions(twin, log).catch((error: Error) => error.message);
  if (problem) log(`   ${problem}`);
  reports.push({
    stage: 'SynapseRead',
    step: 'SELECT dbo.latest_predictions',
    identity: VIEW_READER,
    exitCode: problem ? 1 : 0,
    seconds: (performance.now() - started) / 1000,
    calls: callsSince(twin, mark),
  });
  return !problem;
}

function tail(file: string, lines: number): string {
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export async function rehearse(options: {
  keep?: boolean;
  /** Stages to leave out (tests: what happens downstream when a stage has not run). */
  leaveOut?: string[];
  timeoutMs?: number;
  log?: (line: string) => void;
}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const work = mkdtempSync(path.join(tmpdir(), 'mm-rehearsal-'));
  const codeVersion = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const runtime = {
    'System.JobAttempt': '1',
    'Build.BuildId': String(Date.now() % 1_000_000),
    'Build.SourceVersion': codeVersion,
    'Build.SourcesDirectory': '.',
    'Build.ArtifactStagingDirectory': path.join(work, 'staging'),
  };
  const steps = rehearsalSteps(path.join(repo, '.azure-pipelines/ml.yml'), runtime);
  // The app root of the twin's cluster nodes (the runtime image's /app): the code with the same environments/.
  const nodeApp = path.join(work, 'node-app');
  // With registries, the cluster jobs run the image the Image stages pushed; without, this checkout's image.
  const registries = await rehearsalRegistries(log);
  const image = registries ? undefined : await rehearsalNodeImage(log);
  const NOT_REHEARSED = registries ? {} : NEEDS_REGISTRIES;
  // `az` as ml.yml's Image stages run it (AzureCLI@2): twin/acr/az.ts, against the twin's registries.
  const bin = path.join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, 'az'),
    `#!/bin/sh\nexec "${process.execPath}" "${repo}/twin/acr/az.ts" "$@"\n`,
  );
  chmodSync(path.join(bin, 'az'), 0o755);
  const twin = await startTwin({
    appRoot: nodeApp,
    registries,
    ...(image ? { nodes: { ...image, environmentsDir: path.join(nodeApp, 'environments') } } : {}),
    onEvent: (e) => log(`   twin: ${e.job}${e.node !== undefined ? ` node ${e.node}` : ''}: ${e.message}`),
  });
  const reports: StepReport[] = [];
  try {
    createCheckout({ repo, dir: nodeApp, estate: twin.estate, configs: { 'demo.yaml': DEMO_CONFIG } });
    // The raw dataset Prepare reads (configs/demo.yaml: ../.mm/local/raw/demo.parquet), as `mm generate` writes it.
    const raw = path.join(work, 'raw', 'demo.parquet');
    execFileSync(
      process.execPath,
      [path.join(repo, 'steps/generate.ts'), '--partitions', '6', '--periods', '104', '--out', raw],
      { cwd: nodeApp, stdio: 'ignore', env: { ...process.env, CI: 'true' } },
    );
    await bootstrapSynapse(twin);
    let failed = false;
    for (const [i, step] of steps.entries()) {
      const identity = step.identity ? `${step.identity.stack}/${step.identity.role}` : '(none)';
      const skip =
        (NOT_REHEARSED as Record<string, string>)[step.stage] ??
        (options.leaveOut?.includes(step.stage) ? 'left out by the caller' : undefined);
      if (skip || failed) {
        reports.push({
          stage: step.stage,
          step: path.basename(step.command.split(' ')[1]!),
          identity,
          exitCode: skip ? 0 : -1,
          seconds: 0,
          calls: [],
          notRun: skip ?? 'an earlier step failed',
        });
        continue;
      }
      // One agent per ml.yml job: the steps of one stage share its checkout (publish-decisions reads what
      // evaluate-and-promote left there); the next stage starts from a fresh one.
      const dir = path.join(work, `agent-${step.stage}`);
      const checkout = existsSync(dir)
        ? dir
        : createCheckout({ repo, dir, estate: twin.estate, configs: { 'demo.yaml': DEMO_CONFIG } });
      if (step.stage === 'Prepare') placeFile(checkout, '.mm/local/raw/demo.parquet', raw);
      const principals = step.identity
        ? [twin.estate.principal(`${step.identity.stack}/${step.identity.role}`)]
        : [];
      const env: NodeJS.ProcessEnv = {
        PATH: `${registries ? `${bin}:` : ''}${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME,
        CI: 'true',
        // ml.yml's pipeline variable, which Azure DevOps exposes to every step.
        MM_CODE_VERSION: codeVersion,
        ...twin.environmentFor(principals, `${step.stage}:${identity}`),
      };
      const mark = {
        storage: twin.lakes.proxy.log.length,
        arm: twin.arm.log.length,
        token: twin.msi.log.length,
        registry: twin.acr?.log.length ?? 0,
        sql: twin.synapse.log.length,
        jobs: twin.pipelineRuns.length,
      };
      const started = performance.now();
      const logFile = path.join(work, `agent-${i}-${step.stage}.log`);
      log(`== ${step.stage} as ${identity}: ${step.command}`);
      const exitCode = await runStep(step, checkout, env, logFile, options.timeoutMs ?? 20 * 60_000);
      const seconds = (performance.now() - started) / 1000;
      reports.push({
        stage: step.stage,
        step: path.basename(step.command.split(' ')[1]!),
        identity,
        exitCode,
        seconds,
        calls: callsSince(twin, mark),
        nodes: twin.pipelineRuns.slice(mark.jobs).map((j) => j.where()),
      });
      if (exitCode !== 0) {
        failed = true;
        log(`   exit ${exitCode}; last lines of ${logFile}:\n${tail(logFile, 15)}`);
      }
    }
    if (!failed && !options.leaveOut?.includes('Score')) failed = !(await readView(twin, reports, log));
    return { reports, work, ok: !failed };
  } finally {
    await twin.stop();
    if (!options.keep) rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
  const { reports, ok, work } = await rehearse({ keep: values.keep });
  console.log(`\n${formatTable(reports)}\n`);
  for (const line of OUTSIDE_ML_YML) console.log(`outside ml.yml: ${line}`);
  if (values.keep) console.log(`checkouts and step logs kept in ${work}`);
  console.log(ok ? 'rehearsal passed' : 'rehearsal FAILED');
  process.exitCode = ok ? 0 : 1;
}
