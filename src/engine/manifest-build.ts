import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, existsSync, openSync, readSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { journalLineSchema } from '../contracts/journal.ts';
import { CATALOG_FILE } from '../data/buckets.ts';
import { type Duck, num, openDuck } from '../data/duckdb.ts';
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
 * Writes a run's manifest from the prepared catalog and the run's journal on disk, never holding the records: the
 * journal is read once, and each valid line's name, status and byte range go to DuckDB, which keeps each
 * partition's latest line, joins the catalog and sorts by name (small rows, spilling beyond a fixed memory
 * limit); the records are then copied from the journal, in that order, to the file. Partitions prepare rejected
 * get prepare's reason; a valid partition in this run's shard or buckets without a journal record is an error
 * naming it. A line that is not a record (torn by a kill) is skipped, as on resume; records are kept as written.
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

/** A journal line: its text and where its bytes are in the file. */
interface JournalLine {
  text: string;
  offset: number;
  length: number;
}

/** The journal's lines with their byte ranges, read in chunks; a last line without its newline is included. */
async function* journalLines(file: string): AsyncGenerator<JournalLine> {
  if (!existsSync(file)) return;
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK);
    let carry = Buffer.alloc(0);
    let base = 0; // file offset of carry[0]
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, CHUNK, null);
      if (bytesRead === 0) break;
      const data =
        carry.length > 0
          ? Buffer.concat([carry, chunk.subarray(0, bytesRead)])
          : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(0x0a, start); nl >= 0; nl = data.indexOf(0x0a, start)) {
        if (nl > start)
          yield { text: data.toString('utf8', start, nl), offset: base + start, length: nl - start };
        start = nl + 1;
      }
      carry = Buffer.from(data.subarray(start));
      base += start;
    }
    if (carry.length > 0) yield { text: carry.toString('utf8'), offset: base, length: carry.length };
  } finally {
    await handle.close();
  }
}

/** Loads every valid journal line's name, order, status and byte range into DuckDB table `lines`. */
async function indexJournal(connection: Duck['connection'], file: string): Promise<void> {
  await connection.run(
    'CREATE TABLE lines (name VARCHAR, seq BIGINT, status VARCHAR, "offset" BIGINT, length INTEGER)',
  );
  const appender = await connection.createAppender('lines');
  let seq = 0;
  for await (const line of journalLines(file)) {
    let value: unknown;
    try {
      value = JSON.parse(line.text);
    } catch {
      continue;
    }
    const parsed = journalLineSchema.safeParse(value);
    if (!parsed.success) continue;
    appender.appendVarchar(parsed.data.name);
    appender.appendBigInt(BigInt(seq++));
    appender.appendVarchar(parsed.data.status);
    appender.appendBigInt(BigInt(line.offset));
    appender.appendInteger(line.length);
    appender.endRow();
  }
  appender.closeSync();
}

function joinSql(options: BuildManifestOptions): string {
  const catalog = literal(path.join(options.preparedDir, CATALOG_FILE));
  const buckets = options.buckets
    ? `WHERE c.bucket IN (${options.buckets.map(Number).join(', ') || 'NULL'})`
    : '';
  // The latest line of each partition wins: a retrained or resumed partition appends a newer one.
  return `WITH latest AS (
      SELECT name, arg_max(status, seq) AS record_status, arg_max("offset", seq) AS record_offset,
             arg_max(length, seq) AS record_length
        FROM lines GROUP BY name)
    SELECT c.name, c.key, c.status, c.reason, c.input_rows, l.record_status, l.record_offset, l.record_length
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
  const journal = existsSync(options.journalFile) ? openSync(options.journalFile, 'r') : undefined;
  const byStatus: Record<PartitionStatus, number> = { ok: 0, failed: 0, skipped: 0 };
  let count = 0;
  let missing = 0;
  let firstMissing = '';
  try {
    await indexJournal(duck.connection, options.journalFile);
    const result = await duck.connection.stream(joinSql(options));
    let buffer = '';
    let scratch = Buffer.alloc(1 << 16);
    for await (const rows of result.yieldRowObjectJs()) {
      for (const row of rows) {
        const name = String(row.name);
        if (!inShard(name, options.shard)) continue;
        const status = String(row.status);
        let line: string;
        let recordStatus: PartitionStatus;
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
        } else if (row.record_status !== null && row.record_status !== undefined && journal !== undefined) {
          const length = num(row.record_length);
          if (scratch.length < length) scratch = Buffer.alloc(length);
          readSync(journal, scratch, 0, length, num(row.record_offset));
          line = scratch.toString('utf8', 0, length);
          recordStatus = String(row.record_status) as PartitionStatus;
        } else {
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
    if (journal !== undefined) closeSync(journal);
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
