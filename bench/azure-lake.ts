/**
 * Lake sync throughput through the real @azure/storage-blob client against Azurite (the Azure Storage emulator, on
 * this machine): a prepared-lake-like folder of many small Parquet-sized files plus a few large ones, uploaded at
 * several concurrencies, then a re-run (everything skipped by size + MD5) and a download.
 * Run: node bench/azure-lake.ts [smallFiles=400] [largeFiles=4] [largeMiB=16]
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AzureBlobStore } from '../src/storage/azure-blob-store.ts';
import { startAzurite } from '../test/storage/azurite.ts';

const small = Number(process.argv[2] ?? 400);
const large = Number(process.argv[3] ?? 4);
const largeMiB = Number(process.argv[4] ?? 16);
const MiB = 1024 * 1024;

const work = await mkdtemp(path.join(os.tmpdir(), 'mm-bench-lake-'));
const azurite = await startAzurite({ memoryLimitMiB: 1024 });
const rows: string[][] = [];
try {
  const local = path.join(work, 'prepared');
  for (let i = 0; i < small; i++) {
    const dir = path.join(local, `bucket=${String(i % 64).padStart(3, '0')}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, `part-${i}.parquet`), randomBytes(48 * 1024 + (i % 7) * 1024));
  }
  for (let i = 0; i < large; i++)
    await writeFile(path.join(local, `large-${i}.parquet`), randomBytes(largeMiB * MiB));
  const totalMiB = (small * 51 * 1024 + large * largeMiB * MiB) / MiB;

  const run = async (
    label: string,
    fn: () => Promise<{ transferred: number; skipped: number; bytes: number }>,
  ) => {
    const started = performance.now();
    const stats = await fn();
    const seconds = (performance.now() - started) / 1000;
    rows.push([
      label,
      String(stats.transferred),
      String(stats.skipped),
      seconds.toFixed(2),
      ((stats.transferred + stats.skipped) / seconds).toFixed(0),
      (stats.bytes / MiB / seconds).toFixed(1),
    ]);
  };

  for (const concurrency of [1, 4, 8, 16]) {
    const store = new AzureBlobStore({
      accountUrl: azurite.accountUrl,
      container: await azurite.container('bench'),
      credential: azurite.credential,
      concurrency,
      blockSize: 4 * MiB,
    });
    await run(`upload, ${concurrency} file(s) in flight`, () => store.syncUp(local, 'prepared'));
    if (concurrency === 8) {
      await run('re-run upload (all skipped)', () => store.syncUp(local, 'prepared'));
      await run('download, 8 in flight', () => store.syncDown('prepared', path.join(work, 'down')));
    }
  }
  console.log(
    `\n${small} files of ~50 KiB + ${large} of ${largeMiB} MiB (${totalMiB.toFixed(0)} MiB), Azurite in memory, ${os.cpus().length} cores\n`,
  );
  console.log('| operation | transferred | skipped | seconds | files/s | MiB/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
} finally {
  await azurite.stop();
  await rm(work, { recursive: true, force: true });
}
