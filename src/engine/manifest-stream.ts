import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { describeZodIssues } from '../config/errors.ts';
import { ContractError, readJsonFile } from '../contracts/json-file.ts';
import { partitionRecordSchema, runManifestSchema } from '../contracts/run-manifest.ts';
import type { PartitionRecord, RunManifest } from './manifest.ts';

export type ManifestHeader = Omit<RunManifest, 'partitions'>;

/** A run manifest read a record at a time: its header, and its records as often as a reader walks them. */
export interface StreamedManifest {
  file: string;
  header: ManifestHeader;
  /** The records in file order, each checked against the record contract; a fresh read of the file each call. */
  records(options?: { signal?: AbortSignal }): AsyncGenerator<PartitionRecord>;
}

const WHAT = 'run manifest';
const PARTITIONS = /^\s*"partitions": \[\s*(\])?\s*$/;
/** A header longer than this is not the engine's layout: the file is read whole instead. */
const HEADER_LINES = 200;

/**
 * Opens a run manifest for streaming. The engine writes manifests with `partitions` last and one record per line
 * (`writeManifestLines`), so a reader of 100,000 partitions holds one record at a time instead of the whole file
 * (about 1 KB of JSON, several KB of heap, per partition). A manifest in any other layout (hand-written,
 * pretty-printed) is still read, whole, through the same contract.
 */
export async function openManifest(file: string): Promise<StreamedManifest> {
  const head = await readHeader(file);
  if (!head) return wholeFile(file);
  return {
    file,
    header: head.header,
    async *records(options = {}) {
      let lineNo = 0;
      const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
      try {
        for await (const line of lines) {
          lineNo++;
          if (lineNo <= head.lines) continue;
          const text = line.trim().replace(/,$/, '');
          if (text === ']' || text === '}' || text === '') continue;
          options.signal?.throwIfAborted();
          let value: unknown;
          try {
            value = JSON.parse(text);
          } catch (error) {
            if (lineNo === head.lines + 1) {
              // Records spread over several lines: not the engine's layout.
              lines.close();
              yield* (await wholeFile(file)).records(options);
              return;
            }
            throw new ContractError(WHAT, file, [
              `line ${lineNo}: not a JSON record (${(error as Error).message})`,
            ]);
          }
          const parsed = partitionRecordSchema.safeParse(value);
          if (!parsed.success) {
            throw new ContractError(
              WHAT,
              file,
              describeZodIssues(parsed.error).map((p) => `line ${lineNo}: ${p}`),
            );
          }
          // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
          yield parsed.data as PartitionRecord;
        }
      } finally {
        lines.close();
      }
    },
  };
}

/** The header up to `"partitions": [`, checked against the manifest contract; undefined when not that layout. */
async function readHeader(file: string): Promise<{ header: ManifestHeader; lines: number } | undefined> {
  const collected: string[] = [];
  let found: { lines: number; empty: boolean } | undefined;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      const match = PARTITIONS.exec(line);
      if (match) {
        found = { lines: collected.length + 1, empty: match[1] !== undefined };
        break;
      }
      collected.push(line);
      if (collected.length > HEADER_LINES) break;
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new ContractError(WHAT, file, [], `cannot be read (${code})`);
  } finally {
    lines.close();
  }
  if (!found) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(
      `${collected.join('\n').replace(/,\s*$/, '')}${collected.length > 1 ? ',' : ''} "partitions": []}`,
    );
  } catch {
    return undefined;
  }
  const parsed = runManifestSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const { partitions: _none, ...header } = parsed.data;
  return { header: header as ManifestHeader, lines: found.lines };
}

/** Any other layout: the whole file through the contract (so its errors are the usual ones). */
async function wholeFile(file: string): Promise<StreamedManifest> {
  // The contract reads non-finite metrics back as null; the engine's type spells them as numbers.
  const manifest = (await readJsonFile(file, runManifestSchema, WHAT)) as RunManifest;
  const { partitions, ...header } = manifest;
  return {
    file,
    header,
    async *records(options = {}) {
      for (const record of partitions) {
        options.signal?.throwIfAborted();
        yield record;
      }
    },
  };
}
