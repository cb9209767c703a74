import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { journalLineSchema } from '../contracts/journal.ts';
import { CATALOG_FILE } from '../data/buckets.ts';
import { num, openDuck } from '../data/duckdb.ts';
import { literal } from '../data/sql.ts';
import type { PartitionStatus, RunManifest } from './manifest.ts';
import { writeManifestLines } from './manifest-file.ts';
import { RunError } from './run-error.ts';
import { rejectedRecord } from './run-plan.ts';
import { inShard, type Shard } from './shard.ts';

/** A run manifest without its records: what a caller needs to report a run and judge it. */
export type RunSummary = Omit<RunManifest, 'partitions'> & { partitionCount: number };

export interface BuildManifestOptions {
  preparedDir: string;
  journalFile: string;
  manifestPath: string;
  /** The manifest's header; `totals` is counted here. */
  header: Omit<RunManifest, 'partitions' | 'totals'>;
  shard?: Shard;
  buckets?: readonly number[];
  /** Where DuckDB may spill its sort (removed afterwards). */
  workDir: string;
}

/** What DuckDB may hold in memory for the join and sort; the rest spills to `workDir`. */
const MEMORY_LIMIT = '256MB';
const CHUNK = 1 << 20;

/**
 * Writes a run's manifest from the prepared catalog and the run's journal on disk, never holding the records:
 * DuckDB takes each partition's latest journal line, joins it to the catalog and sorts by name (spilling beyond
 * a fixed memory limit), and the records stream through to the file. Partitions prepare rejected get prepare's
 * reason; a valid partition in this run's shard or buckets without a journal record is an error naming it.
 * Journal lines are kept as written (a record's JSON); a line that is not a record is skipped, as on resume.
 */
export async function buildManifest(options: BuildManifestOptions): Promise<RunSummary> {
  await mkdir(options.workDir, { recursive: true });
  const spill = path.join(options.workDir, `.manifest-${randomBytes(6).toString('hex')}`);
  const body = `${spill}.jsonl`;
  try {
    const totals = await writeBody(options, spill, body);
    const header = { ...options.header, totals: totals.byStatus };
    await writeManifestLines(options.manifestPath, header, linesOf(body));
    return { ...header, partitionCount: totals.count };
  } finally {
    await rm(spill, { recursive: true, force: true });
    await rm(body, { force: true });
  }
}

async function* linesOf(file: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield line;
}

function joinSql(options: BuildManifestOptions): string {
  const catalog = literal(path.join(options.preparedDir, CATALOG_FILE));
  // The latest line of each partition wins (a resumed or retrained partition appends a newer one). One thread
  // keeps the journal's line order in row_number().
  const journal = existsSync(options.journalFile)
    ? `SELECT json, row_number() OVER () AS seq
         FROM read_json_objects(${literal(options.journalFile)}, format = 'newline_delimited', ignore_errors = true)`
    : 'SELECT NULL::JSON AS json, 0::BIGINT AS seq WHERE false';
  const buckets = options.buckets
    ? `WHERE c.bucket IN (${options.buckets.map(Number).join(', ') || 'NULL'})`
    : '';
  return `WITH j AS (${journal}),
    latest AS (SELECT json ->> '$.name' AS name, arg_max(json, seq)::VARCHAR AS record
                 FROM j WHERE json ->> '$.status' IN ('ok', 'failed', 'skipped') GROUP BY 1)
    SELECT c.name, c.key, c.status, c.reason, c.input_rows, l.record
      FROM read_parquet(${catalog}) c LEFT JOIN latest l ON l.name = c.name
      ${buckets}
     ORDER BY c.name`;
}

async function writeBody(
  options: BuildManifestOptions,
  spill: string,
  body: string,
): Promise<{ count: number; byStatus: Record<PartitionStatus, number> }> {
  const duck = await openDuck({ threads: 1, memoryLimit: MEMORY_LIMIT, tempDirectory: spill });
  const out = await open(body, 'w');
  const byStatus: Record<PartitionStatus, number> = { ok: 0, failed: 0, skipped: 0 };
  let count = 0;
  let missing = 0;
  let firstMissing = '';
  try {
    const result = await duck.connection.stream(joinSql(options));
    let buffer = '';
    for await (const rows of result.yieldRowObjectJs()) {
      for (const row of rows) {
        const name = String(row.name);
        if (!inShard(name, options.shard)) continue;
        const status = String(row.status);
        let line: string | undefined;
        let recordStatus: PartitionStatus | undefined;
        if (status !== 'ok') {
          const record = rejectedRecord({
            name,
            key: (row.key as unknown[]).map(String),
            status: status as Parameters<typeof rejectedRecord>[0]['status'],
            reason: String(row.reason ?? ''),
            inputRows: num(row.input_rows),
          });
          line = JSON.stringify(record);
          recordStatus = record.status;
        } else if (typeof row.record === 'string') {
          const parsed = journalLineSchema.safeParse(JSON.parse(row.record));
          if (parsed.success) {
            line = row.record;
            recordStatus = parsed.data.status;
          }
        }
        if (line === undefined || recordStatus === undefined) {
          if (missing++ === 0) firstMissing = name;
          continue;
        }
        byStatus[recordStatus]++;
        count++;
        buffer += `${line}\n`;
        if (buffer.length >= CHUNK) {
          await out.write(buffer);
          buffer = '';
        }
      }
    }
    await out.write(buffer);
  } finally {
    await out.close();
    duck.close();
  }
  if (missing > 0) {
    throw new RunError(
      `${missing} partition(s) produced no record (first: ${firstMissing}); re-run with --resume`,
    );
  }
  return { count, byStatus };
}
