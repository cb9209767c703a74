// Publishes one run's promotion decisions for Azure DevOps: decisions.json and its Markdown summary into an
// artifact folder, and on an agent the `task.uploadsummary` logging command that shows the summary on the run.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { lakeLayout } from '../../src/storage/layout.ts';
import { writeFileAtomic } from '../../src/util/atomic.ts';
import {
  countOutcomes,
  DecisionsFileError,
  parseDecisionsFile,
  renderDecisionsSummary,
} from './decisions-summary.ts';

export interface PublishOptions {
  configPath: string;
  env: string;
  runId: string;
  outDir: string;
  /** Folder holding environments/; defaults to the working directory, as for the steps. */
  projectRoot?: string;
}

export interface PublishResult {
  decisionsPath: string;
  summaryPath: string;
  totals: ReturnType<typeof countOutcomes>;
}

export class PublishError extends Error {
  override readonly name = 'ValidationError';
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The local folder the steps compute in: the lake itself locally, its synced cache on Azure. */
function workingRoot(config: Config, projectRoot: string): string {
  const root = config.storage.kind === 'local' ? config.storage.root : config.storage.cacheRoot;
  return path.resolve(projectRoot, root);
}

export async function publishDecisions(options: PublishOptions): Promise<PublishResult> {
  if (!RUN_ID.test(options.runId)) {
    throw new PublishError(`--run '${options.runId}' is not a run id (letters, digits, '.', '_' and '-')`);
  }
  const projectRoot = path.resolve(options.projectRoot ?? process.cwd());
  const config = loadConfig({ configPath: options.configPath, env: options.env, projectRoot });
  const source = lakeLayout(workingRoot(config, projectRoot)).decisions(options.runId);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new PublishError(
      `no decisions for run '${options.runId}' at ${source}: evaluate-and-promote writes them there ` +
        '(a --dry-run writes none)',
    );
  }
  const file = parseDecisionsFile(text, source);
  if (file.runId !== options.runId) {
    throw new PublishError(`${source} holds the decisions of run '${file.runId}', not '${options.runId}'`);
  }
  const outDir = path.resolve(options.outDir);
  const decisionsPath = path.join(outDir, 'decisions.json');
  const summaryPath = path.join(outDir, 'summary.md');
  await writeFileAtomic(decisionsPath, text);
  await writeFileAtomic(summaryPath, renderDecisionsSummary(file));
  return { decisionsPath, summaryPath, totals: countOutcomes(file.decisions) };
}

const USAGE =
  'usage: node .azure-pipelines/scripts/publish-decisions.ts --config <file> --env <name> --run <runId> --out <dir>';

/** The command line: returns the exit code the steps use (0 ok, 2 bad input, 3 anything else). */
export interface RunPublishIo {
  env?: NodeJS.ProcessEnv;
  /** Project root (environments/ and relative paths); the working directory by default. */
  cwd?: string;
  out?: (line: string) => void;
  err?: (line: string) => void;
}

export async function runPublish(argv: readonly string[], io: RunPublishIo = {}): Promise<0 | 2 | 3> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cwd = io.cwd ?? process.cwd();
  let values: Record<string, string | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        config: { type: 'string' },
        env: { type: 'string', default: 'local' },
        run: { type: 'string' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    err(`publish-decisions: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const missing = ['config', 'run', 'out'].filter((name) => !values[name]);
  if (missing.length > 0) {
    err(`publish-decisions: missing ${missing.map((m) => `--${m}`).join(', ')}\n${USAGE}`);
    return 2;
  }
  try {
    const result = await publishDecisions({
      configPath: path.resolve(cwd, values.config!),
      env: values.env!,
      runId: values.run!,
      outDir: path.resolve(cwd, values.out!),
      projectRoot: cwd,
    });
    const t = result.totals;
    out(
      `decisions of run ${values.run}: ${t.promote} promoted, ${t['keep-champion']} champion kept, ` +
        `${t['promote-baseline']} baseline stand-in, ${t['not-trained']} not trained\nsummary: ${result.summaryPath}`,
    );
    // Azure DevOps attaches the Markdown file to the run's summary page.
    if (env.TF_BUILD) out(`##vso[task.uploadsummary]${result.summaryPath}`);
    return 0;
  } catch (error) {
    const bad =
      error instanceof ConfigError || error instanceof PublishError || error instanceof DecisionsFileError;
    err(`publish-decisions: ${(error as Error).message}`);
    return bad ? 2 : 3;
  }
}
