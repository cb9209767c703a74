// The peers' forecasts: R's forecast package (bench/peer/forecast_r.R) and the scikit-learn log-log regression
// (bench/peer/sklearn_loglog.py), run on the bench's history/future files or read back from an earlier run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

const repo = path.resolve(import.meta.dirname, '../..');

export interface Point {
  key: string;
  h: number;
  actual: number;
}
export interface Forecast {
  mean: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}
export interface SystemResult {
  name: string;
  forecasts: Map<string, Forecast>; // `${key}|${h}`
  secondsPerSeries: number;
  /** CPU seconds per series (user + system), where the system reports them; NaN otherwise. */
  cpuPerSeries: number;
  /**
   * The same without the fixed start-up of the processes (mm: four CLI start-ups; the peers time each fit inside
   * their process, so theirs has none to take out).
   */
  cpuBeyondStartup: number;
  note?: string;
}

export interface PeerOptions {
  /** Read the peers' files from an earlier run; never start R behind the user's back. */
  reusePeers: boolean;
  /** Read whatever R files exist (an R process that did not finish leaves its half out). */
  partialPeers: boolean;
}

/**
 * R in two processes (the series split between them; at most one extra process on a shared machine) and Python,
 * or, with --reuse-peers, their forecasts from an earlier run in the same work folder.
 */
export async function peerSystems(
  dir: string,
  { reusePeers, partialPeers }: PeerOptions,
): Promise<SystemResult[]> {
  const h = path.join(dir, 'history.csv');
  const f = path.join(dir, 'future.csv');
  const rParts = [0, 1].map((part) => path.join(dir, `r-${part}.csv`));
  const py = path.join(dir, 'py.csv');
  if (partialPeers) {
    // Every R output in the folder: the two halves, and any extra process started by hand for a slow series
    // (e.g. `Rscript forecast_r.R history.csv future.csv r-extra-7.csv 6 7` fits the 7th series alone).
    const rFiles = readdirSync(dir)
      .filter((f) => /^r-.*\.csv$/.test(f))
      .map((f) => path.join(dir, f));
    return [...readPeer(rFiles), ...readPeer([py].filter(existsSync))];
  }
  const absent = [...rParts, py].filter((file) => !existsSync(file));
  if (reusePeers && absent.length > 0) {
    // Never start the slow peers behind the user's back (R's auto.arima takes minutes per tuna series).
    throw new Error(`--reuse-peers: ${absent.join(', ')} absent; run without it, or use --partial-peers`);
  }
  if (!reusePeers) {
    const script = path.join(repo, 'bench/peer/forecast_r.R');
    await Promise.all(
      rParts.map((out, part) => execa('Rscript', [script, h, f, out, String(part), String(rParts.length)])),
    );
    await execa('/usr/bin/python3', [path.join(repo, 'bench/peer/sklearn_loglog.py'), h, f, py]);
  }
  const r = readPeer(rParts);
  return [...r, ...readPeer([py])];
}

type PeerTimes = { forecasts: Map<string, Forecast>; seconds: Map<string, number>; cpu: Map<string, number> };

function readPeer(files: readonly string[]): SystemResult[] {
  const systems = new Map<string, PeerTimes>();
  for (const file of files) readPeerFile(file, systems);
  const mean = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0) / m.size;
  return [...systems].map(([name, s]) => ({
    name,
    forecasts: s.forecasts,
    secondsPerSeries: mean(s.seconds),
    cpuPerSeries: mean(s.cpu),
    cpuBeyondStartup: mean(s.cpu),
  }));
}

function readPeerFile(file: string, systems: Map<string, PeerTimes>): void {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = header!.split(',').map((c) => c.replaceAll('"', ''));
  const at = (name: string) => cols.indexOf(name);
  for (const line of lines) {
    // Keys may hold commas inside quotes.
    const cells = line
      .match(/("([^"]|"")*"|[^,]*)(,|$)/g)!
      .map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    const model = cells[at('model')]!;
    const s = systems.get(model) ?? { forecasts: new Map(), seconds: new Map(), cpu: new Map() };
    systems.set(model, s);
    const key = cells[at('key')]!;
    s.forecasts.set(`${key}|${cells[at('h')]}`, {
      mean: Number(cells[at('mean')]),
      lo80: Number(cells[at('lo80')]),
      hi80: Number(cells[at('hi80')]),
      lo95: Number(cells[at('lo95')]),
      hi95: Number(cells[at('hi95')]),
    });
    s.seconds.set(key, Number(cells[at('seconds')]));
    // Files written before the cpu column existed have none: NaN, printed as "–".
    s.cpu.set(key, at('cpu') >= 0 ? Number(cells[at('cpu')]) : Number.NaN);
  }
}
