import type { Config } from '../config/schema.ts';
import type { RunManifest } from '../engine/manifest.ts';
import type { Shard } from '../engine/shard.ts';
import type { ScoreResult } from '../scoring/score.ts';
import type { LakeLayout } from '../storage/layout.ts';
import type { ProgressFactory } from '../util/progress.ts';

/**
 * The two ports every stage is written against. A stage (src/stages/*) does its whole job given a config, a
 * `LakeSession` (how it sees the lake) and a `Compute` (where partitions are trained or scored); which
 * implementations it gets is decided once, in `stageContextFor`, from the environment config.
 */

/** Cancellation for long operations, in the shape of the Azure SDK's options bags. */
export interface OperationOptions {
  abortSignal?: AbortSignal;
}

/**
 * How a stage sees the lake. Stages always compute in a local folder (`root`); a session makes the inputs a stage
 * names readable there and publishes the outputs it names, once. Locally the folder is the lake and both are
 * no-ops; on ADLS inputs are downloaded (read-only use) and outputs uploaded after the stage succeeded.
 */
export interface LakeSession {
  /** Where the lake is, for messages: a folder, or the ADLS account and container. */
  readonly location: string;
  /** True when the local folder is only a cache: a stage cannot find runs by listing it and must be told the id. */
  readonly remote: boolean;
  /** The local folder the stage reads and writes. */
  readonly root: string;
  readonly layout: LakeLayout;
  /** Makes these lake prefixes (e.g. `runs/<id>`) readable under `root`. */
  pull(prefixes: readonly string[], options?: OperationOptions): Promise<void>;
  /** Publishes what the stage wrote under these prefixes. */
  push(prefixes: readonly string[], options?: OperationOptions): Promise<void>;
  /** Makes the lake's prefix equal to the local folder: uploads, then removes keys the folder no longer has. */
  mirror(prefix: string, options?: OperationOptions): Promise<void>;
}

/** What a stage is given besides its own options. */
export interface StageContext {
  config: Config;
  /** The dataset config file and environment the stage was started with, for backends that run it elsewhere. */
  source: { configPath: string; env: string };
  lake: LakeSession;
  /** The lake trained candidates are read from when it is another environment's (storage.candidates). */
  candidates?: LakeSession;
  compute: Compute;
  progress: ProgressFactory;
  /** One line of news while the stage works (the CLI prints it on stderr). */
  log: (line: string) => void;
  /** One line of the stage's result: where its outputs are (the CLI prints it on stdout). */
  output: (line: string) => void;
  abortSignal?: AbortSignal;
}

export interface TrainRequest {
  runId: string;
  resume: boolean;
  onlyFailed: boolean;
  workers?: number;
  /** Train only this shard and write its shard manifest (what one of N nodes or processes runs). */
  shard?: Shard;
}

export interface TrainOutcome {
  /** Null when the backend trained and judged the run elsewhere and only the lake holds the manifest. */
  manifest: RunManifest | null;
  /** Where the manifest is. */
  manifestPath: string;
  /** True when the backend registered the models itself (e.g. a merge step on the cluster). */
  registered: boolean;
  /** Where the work ran, for the summary line ("4 worker threads", "2 nodes of cpu-cluster"). */
  where: string;
}

export interface ScoreRequest {
  runId: string;
  futurePath?: string;
  workers?: number;
}

export interface ScoreOutcome {
  /** Null when the backend scored elsewhere and only the lake holds the details. */
  result: ScoreResult | null;
  where: string;
}

/**
 * Where partitions are trained or scored. A new engine is one implementation in `src/compute/` plus its entry in
 * the config's `compute.engine` and in `computeFor`.
 */
export interface Compute {
  readonly name: string;
  train(context: StageContext, request: TrainRequest): Promise<TrainOutcome>;
  score(context: StageContext, request: ScoreRequest): Promise<ScoreOutcome>;
}
