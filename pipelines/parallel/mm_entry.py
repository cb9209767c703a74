"""Entry script of the many-models parallel step (Azure ML parallel job: init() / run(mini_batch) / shutdown()).

A thin shim: each worker process starts the TypeScript engine host once (node src/compute/engine-host.ts, see
docs/azure.md "The engine host") and hands it each mini-batch. The input is the prepared lake as a uri_folder with
mini_batch_size "1", so a mini-batch is one bucket file (hundreds of partitions), never one partition. run() returns
one JSON line per partition (append_row_to collects them into the run's manifest rows); a failed partition is a row
with its error. A request the engine could not run raises, so Azure ML retries the mini-batch and counts it towards
the error thresholds. An engine that died is restarted for the next mini-batch.

The engine never works inside the output mount: a blob FUSE mount has no atomic rename and no locks, and it
rewrites the whole blob on every append. Each mini-batch runs in a folder on the node's local disk, and only once
the engine has answered are its finished files copied to the output, each written once, whole; a mini-batch that
fails leaves nothing there, and its retry starts clean.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile

_BUCKET = re.compile(r"bucket=(\d+)[/\\][^/\\]+\.parquet$")
_args = None
_host = None
_asked = 0


def _app_root():
    # The runtime image has the app in /app; a checkout (tests, the twin) has this file in <repo>/pipelines/parallel.
    if os.environ.get("MM_APP_ROOT"):
        return os.environ["MM_APP_ROOT"]
    if os.path.exists("/app/package.json"):
        return "/app"
    return os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _host_command(root):
    custom = os.environ.get("MM_ENGINE_HOST")
    if custom:
        return json.loads(custom)
    source = os.path.join(root, "src", "compute", "engine-host.ts")
    built = os.path.join(root, "dist", "src", "compute", "engine-host.js")
    return ["node", source if os.path.exists(source) else built]


def _start():
    global _host
    root = _app_root()
    # stderr is inherited: the engine's logs land in this worker's log (logs/user/ in the job).
    _host = subprocess.Popen(_host_command(root), cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)


def init():
    global _args
    parser = argparse.ArgumentParser(allow_abbrev=False)
    parser.add_argument("--op", choices=["train", "score"], default="train")
    parser.add_argument("--config", required=True)
    parser.add_argument("--env", required=True)
    parser.add_argument("--run_id", required=True)
    parser.add_argument("--prepared", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=None)
    parser.add_argument("--future", default=None)
    parser.add_argument("--workers", type=int, default=None)
    _args, _ = parser.parse_known_args()  # the parallel job adds its own arguments
    _start()


def _ask(request):
    global _host
    if _host is not None and _host.poll() is not None:
        _close(_host)
        _host = None
    if _host is None:
        _start()
    try:
        _host.stdin.write(json.dumps(request) + "\n")
        _host.stdin.flush()
        line = _host.stdout.readline()
    except (BrokenPipeError, OSError):
        line = ""
    if not line:
        code = _host.wait()
        _close(_host)
        _host = None
        raise RuntimeError(f"the engine host exited (code {code}) during mini-batch {request['buckets']}; it restarts for the next one")
    return json.loads(line)


def run(mini_batch):
    global _asked
    rows, buckets = [], []
    for path in mini_batch:
        match = _BUCKET.search(str(path))
        if match:
            buckets.append(int(match.group(1)))
        else:  # catalog.parquet, meta.json, ...: counted as handled so the mini-batch is not marked failed
            rows.append(json.dumps({"ignored": os.path.basename(str(path))}))
    if not buckets:
        return rows
    _asked += 1
    staging = tempfile.mkdtemp(prefix="mm-batch-")
    try:
        local_out = os.path.join(staging, os.path.basename(os.path.normpath(_args.out)))
        seeded = _seed(_args.out, local_out, buckets)
        request = {"id": str(_asked), "op": _args.op, "config": _args.config, "env": _args.env,
                   "runId": _args.run_id, "preparedDir": _args.prepared, "buckets": buckets, "outDir": local_out}
        for key, value in (("modelsDir", _args.models), ("futurePath", _args.future), ("workers", _args.workers)):
            if value is not None:
                request[key] = value
        answer = _ask(request)
        if not answer.get("ok"):
            error = answer.get("error", {})
            raise RuntimeError(f"buckets {buckets}: {error.get('class')}: {error.get('message')}")
        _publish(local_out, _args.out, seeded)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    rows.extend(json.dumps(row) for row in answer["rows"])
    # A bucket always holds at least one partition; should one answer be empty, say so rather than under-count.
    return rows if len(rows) >= len(mini_batch) else rows + [json.dumps({"empty": buckets})]


def _label(buckets):
    # The engine's name for one set of buckets' journal, lake pin and manifest (shardLabel in src/engine/run.ts).
    return ".buckets-" + "-".join(f"{b:03d}" for b in sorted(buckets))


def _seed(out, local_out, buckets):
    """Starts from what an earlier job of this run published for these buckets (its journal), so a resubmitted run
    retrains nothing it already has. Returns the seeded files with their stamps, to publish only what changed."""
    os.makedirs(local_out, exist_ok=True)
    seeded = {}
    if not os.path.isdir(out):
        return seeded
    label = _label(buckets) + "."
    names = [n for n in os.listdir(out) if label in n and os.path.isfile(os.path.join(out, n))]
    # Scoring: the buckets' predictions file, which the engine answers from instead of scoring again.
    scored = os.path.join(f"run_id={_args.run_id}", f"predictions{_label(buckets)}.parquet")
    if _args.op == "score" and os.path.isfile(os.path.join(out, scored)):
        names.append(scored)
    # The engine resumes a partition only where its model is still there: bring the packs the journal names too.
    for journal in (n for n in names if n.startswith("journal")):
        with open(os.path.join(out, journal)) as lines:
            for line in lines:
                try:
                    artifact = json.loads(line).get("artifact")
                except ValueError:  # a torn last line: the engine ignores it too
                    continue
                if artifact and artifact.split("#")[0] not in names:
                    names.append(artifact.split("#")[0])
    for name in names:
        source, target = os.path.join(out, name), os.path.join(local_out, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copyfile(source, target)
            seeded[target] = _stamp(target)
    return seeded


def _stamp(path):
    info = os.stat(path)
    return (info.st_size, info.st_mtime_ns)


def _publish(local_out, out, seeded):
    """Copies a finished mini-batch's files to the output, keeping their paths; each is written once, whole. The
    journal and manifest go last: a process lost mid-copy never leaves a journal naming packs that are not there."""
    sources = [os.path.join(folder, name) for folder, _dirs, files in os.walk(local_out) for name in files]
    last = ("journal", "manifest")
    for source in sorted(sources, key=lambda f: (os.path.basename(f).startswith(last), f)):
        if seeded.get(source) == _stamp(source):
            continue
        target = os.path.join(out, os.path.relpath(source, local_out))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(source, target)


def _close(host):
    for stream in (host.stdin, host.stdout):
        try:
            stream.close()
        except OSError:
            pass


def shutdown():
    global _host
    if _host is not None:
        _close(_host)  # the engine exits when its input ends
        _host.wait(timeout=60)
    _host = None
