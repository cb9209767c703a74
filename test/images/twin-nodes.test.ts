// The twin's cluster nodes in the runtime image: a parallel step whose processes run in the image built from
// pipelines/Dockerfile, one container per node, with the variables Azure ML sets, the input read-only and the
// output writable. The entry script here is a probe that reports what a process sees; the real one runs in the
// image in `npm run rehearsal` (Train and Score) and in runtime-image.test.ts.
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppImage } from '../../scripts/images/app-images.ts';
import { imageNodes } from '../../twin/aml/parallel/nodes.ts';
import { type ParallelStep, runParallelStep } from '../../twin/aml/parallel/runner.ts';
import { imagesSkipReason } from './availability.ts';

const skip = await imagesSkipReason();

const PROBE = `
import argparse, json, os, pathlib, time
args = None

def init():
    global args
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args, _ = parser.parse_known_args()
    # A mark on this node's own disk: the processes of one node share it, another node's cannot see it.
    os.makedirs("/tmp/mm-probe", exist_ok=True)
    pathlib.Path("/tmp/mm-probe", os.environ["RANK"]).touch()

def run(mini_batch):
    rows = []
    for f in mini_batch:
        try:
            with open(f, "a") as handle:
                handle.write("changed")
            input_write = "allowed"
        except OSError as error:
            input_write = error.errno
        name = os.path.basename(f)
        pathlib.Path(args.out, name + ".done").write_text(os.environ["RANK"])
        if name == "slow.txt":
            time.sleep(30)
        rows.append({
            "file": name,
            "uid": os.getuid(),
            "app": json.load(open("/app/package.json"))["name"],
            "node_rank": int(os.environ["NODE_RANK"]),
            "local_rank": int(os.environ["LOCAL_RANK"]),
            "rank": int(os.environ["RANK"]),
            "world_size": int(os.environ["WORLD_SIZE"]),
            "input_write": input_write,
            "node_marks": sorted(int(r) for r in os.listdir("/tmp/mm-probe")),
        })
    return rows
`;

interface ProbeRow {
  file: string;
  uid: number;
  app: string;
  node_rank: number;
  local_rank: number;
  rank: number;
  world_size: number;
  input_write: string | number;
  node_marks: number[];
}

describe.skipIf(skip)('the twin’s cluster nodes in the runtime image', () => {
  let work: string;
  let image: Awaited<ReturnType<typeof ensureAppImage>>;
  const FILES = ['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt', 'f.txt', 'g.txt', 'h.txt'];

  beforeAll(async () => {
    image = await ensureAppImage('runtime');
    work = mkdtempSync(path.join(tmpdir(), 'mm-twin-nodes-'));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const step = (files: string[], tag: string) => {
    const dir = path.join(work, tag);
    for (const sub of ['code', 'data', 'out', 'logs']) mkdirSync(path.join(dir, sub), { recursive: true });
    writeFileSync(path.join(dir, 'code/probe.py'), PROBE);
    // The input belongs to the image's user (uid 1000): only the read-only mount can stop a write into it.
    chownSync(path.join(dir, 'data'), 1000, 1000);
    for (const f of files) {
      writeFileSync(path.join(dir, 'data', f), f);
      chownSync(path.join(dir, 'data', f), 1000, 1000);
    }
    const spec: ParallelStep = {
      type: 'parallel',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an Azure ML binding, not JavaScript
      input_data: '${{inputs.data}}',
      mini_batch_size: '1',
      resources: { instance_count: 2 },
      max_concurrency_per_instance: 2,
      retry_settings: { max_retries: 2, timeout: 5 },
      task: {
        code: './code',
        entry_script: 'probe.py',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an Azure ML binding, not JavaScript
        program_arguments: '--out ${{outputs.out}}',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: an Azure ML binding, not JavaScript
        append_row_to: '${{outputs.rows}}',
      },
    };
    return {
      dir,
      options: {
        step: spec,
        inputs: { data: path.join(dir, 'data') },
        outputs: { out: path.join(dir, 'out'), rows: path.join(dir, 'rows/rows.jsonl') },
        baseDir: dir,
        nodes: imageNodes({ image: image.tag, digest: image.digest }),
        dataInputs: ['data'],
        logsDir: path.join(dir, 'logs'),
        env: {},
      },
      rows: () =>
        readFileSync(path.join(dir, 'rows/rows.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as ProbeRow),
    };
  };

  it('given 2 nodes x 2 processes, runs every mini-batch in the image as its user, with NODE_RANK, LOCAL_RANK, RANK and WORLD_SIZE', async () => {
    const job = step(FILES, 'ranks');
    const result = await runParallelStep(job.options);
    expect(result.status, JSON.stringify(result.failures)).toBe('Completed');
    const rows = job.rows();
    expect(rows.map((r) => r.file).sort()).toEqual(FILES);
    for (const row of rows) {
      expect(row.app).toBe('many-models'); // /app of the image, not this checkout
      expect(row.uid).toBe(1000); // the image's USER node
      expect(row.world_size).toBe(4);
      expect(row.rank).toBe(row.node_rank * 2 + row.local_rank);
    }
    expect(new Set(rows.map((r) => r.node_rank))).toEqual(new Set([0, 1]));
  });

  it('mounts the input read-only and the output read-write: a write into the input fails with EROFS, the outputs arrive here', async () => {
    const job = step(FILES, 'mounts');
    await runParallelStep(job.options);
    const rows = job.rows();
    expect(rows.map((r) => r.input_write)).toEqual(FILES.map(() => 30)); // EROFS
    for (const f of FILES) expect(readFileSync(path.join(job.dir, 'data', f), 'utf8')).toBe(f);
    expect(readdirSync(path.join(job.dir, 'out')).sort()).toEqual(FILES.map((f) => `${f}.done`));
  });

  it('gives each node its own disk, shared by its processes: a node sees only its own processes’ marks in /tmp', async () => {
    const job = step(FILES, 'disks');
    await runParallelStep(job.options);
    for (const row of job.rows()) {
      expect(row.node_marks).toContain(row.rank);
      for (const mark of row.node_marks)
        expect(Math.floor(mark / 2), `marks of node ${row.node_rank}`).toBe(row.node_rank);
    }
  });

  it('given a process past retry_settings.timeout, kills it in its container and retries the mini-batch in a new process', async () => {
    const job = step(['a.txt', 'slow.txt'], 'timeout');
    const pids: number[] = [];
    const result = await runParallelStep({
      ...job.options,
      step: { ...job.options.step, retry_settings: { max_retries: 2, timeout: 5 } },
      onEvent: (e) => {
        if (e.type === 'dispatched' && e.files[0]?.endsWith('slow.txt')) pids.push(e.pid);
      },
    });
    // slow.txt always sleeps past the timeout: both tries are killed and the mini-batch fails; a.txt completes.
    expect(result.miniBatches).toEqual({ total: 2, succeeded: 1, failed: 1 });
    expect(result.failures[0]!.error).toMatch(/retry_settings.timeout/);
    expect(new Set(pids).size).toBe(2);
  }, 120_000);
});
