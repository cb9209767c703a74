import { createRequire } from 'node:module';

// The bar's library is loaded only for a bar: CI, pipes and engine hosts (JSON lines or silent) never need it.
const require = createRequire(import.meta.url);

/**
 * Progress for long work: a live bar (done / total, failures, rate, ETA) on a terminal, and JSON lines on
 * stderr elsewhere (CI, pipes), throttled so logs stay small.
 */
export interface Progress {
  tick(done: number, failed?: number): void;
  stop(): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Defaults to a live bar when stderr is a TTY and CI is not set. */
  mode?: 'bar' | 'json' | 'silent';
  /** Minimum milliseconds between JSON lines. */
  intervalMs?: number;
  write?: (line: string) => void;
}

/**
 * How library code reports long work: it is handed a factory and never writes to a stream itself, so the CLI picks
 * a bar or JSON lines, a test collects ticks, and an engine host stays silent.
 */
export type ProgressFactory = (label: string, total: number) => Progress;

/** A factory that reports nothing (the default of every library function). */
export const silentProgress: ProgressFactory = () => ({ tick() {}, stop() {} });

/** The CLI's factory: a live bar on a terminal, JSON lines elsewhere, or nothing. */
export function progressFactory(mode: ProgressOptions['mode'] = defaultProgressMode()): ProgressFactory {
  return (label, total) => createProgress({ label, total, mode });
}

export function defaultProgressMode(): 'bar' | 'json' {
  return process.stderr.isTTY && !process.env.CI ? 'bar' : 'json';
}

export function createProgress(options: ProgressOptions): Progress {
  const mode = options.mode ?? defaultProgressMode();
  const started = Date.now();
  if (mode === 'silent') return { tick() {}, stop() {} };
  if (mode === 'bar') {
    const cliProgress = require('cli-progress') as typeof import('cli-progress');
    const bar = new cliProgress.SingleBar(
      {
        format: `${options.label} [{bar}] {value}/{total} | failed {failed} | {rate}/s | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(options.total, 0, { failed: 0, rate: '0' });
    return {
      tick(done, failed = 0) {
        const seconds = (Date.now() - started) / 1000;
        bar.update(done, { failed, rate: seconds > 0 ? (done / seconds).toFixed(0) : '0' });
      },
      stop() {
        bar.stop();
      },
    };
  }
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const interval = options.intervalMs ?? 2000;
  let last = 0;
  let state = { done: 0, failed: 0 };
  const emit = (final: boolean) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? state.done / seconds : 0;
    const remaining = options.total - state.done;
    write(
      JSON.stringify({
        event: final ? 'done' : 'progress',
        stage: options.label,
        done: state.done,
        total: options.total,
        failed: state.failed,
        ratePerSecond: Number(rate.toFixed(1)),
        etaSeconds: rate > 0 ? Math.round(remaining / rate) : null,
        elapsedSeconds: Number(seconds.toFixed(1)),
      }),
    );
  };
  return {
    tick(done, failed = 0) {
      state = { done, failed };
      const now = Date.now();
      if (now - last >= interval) {
        last = now;
        emit(false);
      }
    },
    stop() {
      emit(true);
    },
  };
}
