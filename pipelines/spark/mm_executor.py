"""Executor side of the many-models Spark job: one long-lived engine host per Python worker.

Spark reuses Python workers between tasks (spark.python.worker.reuse, on by default), so the Node process started
by the first task of a worker serves every later task of that worker: Node starts once per core, not once per
bucket. The host speaks the engine host protocol (JSON lines on stdin/stdout, see docs/spark.md); everything
about training and scoring stays in the TypeScript engine, this file only moves requests, answers and files.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd

# The one host of this Python worker, keyed by how it was started (a task with other settings gets a new one).
_host: EngineHost | None = None
_host_lock = threading.Lock()


@dataclass(frozen=True)
class HostSettings:
    """How to start the engine host on an executor; relative paths resolve against the task's working directory
    (where Synapse and YARN unpack `--archives`)."""

    node: str
    app_root: str
    script: str = "src/compute/engine-host.ts"
    #: Worker threads of each host: one per Spark task slot, as Spark already runs one task per core.
    workers: int = 1


class EngineHostError(RuntimeError):
    """The host could not answer a whole request (ok: false), or died: the Spark task fails and Spark retries it."""


class EngineHost:
    def __init__(self, settings: HostSettings) -> None:
        self.settings = settings
        app_root = os.path.abspath(settings.app_root)
        node = settings.node
        if os.sep in node and not os.path.isabs(node):
            node = os.path.abspath(node)
        # stderr is inherited: the host's logs land in the executor's stderr log, next to Spark's own.
        self._process = subprocess.Popen(
            [node, settings.script],
            cwd=app_root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._next_id = 0

    def request(self, payload: dict[str, Any]) -> list[dict[str, Any]]:
        self._next_id += 1
        request_id = f"{os.getpid()}-{self._next_id}"
        line = json.dumps({"id": request_id, **payload}, ensure_ascii=False)
        process = self._process
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(line + "\n")
            process.stdin.flush()
            answer_line = process.stdout.readline()
        except (BrokenPipeError, OSError) as error:
            raise EngineHostError(self._died(f"could not talk to it: {error}")) from error
        if not answer_line:
            raise EngineHostError(self._died("it closed its output"))
        answer = json.loads(answer_line)
        if answer.get("id") != request_id:
            raise EngineHostError(f"engine host answered request {answer.get('id')!r}, expected {request_id!r}")
        if not answer.get("ok"):
            error = answer.get("error") or {}
            raise EngineHostError(
                f"engine host could not run {payload.get('op')} of buckets {payload.get('buckets')}: "
                f"{error.get('class', 'Error')}: {error.get('message', '(no message)')}"
            )
        return list(answer.get("rows") or [])

    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()

    def _died(self, what: str) -> str:
        code = self._process.poll()
        return (
            f"engine host ({self.settings.node} {self.settings.script} in {self.settings.app_root}) {what}"
            + (f"; it exited with code {code}" if code is not None else "")
            + "; see the executor's stderr log"
        )


def host_for(settings: HostSettings) -> EngineHost:
    global _host
    with _host_lock:
        if _host is None or _host.settings != settings or not _host.alive():
            if _host is not None:
                _host.close()
            _host = EngineHost(settings)
        return _host


@atexit.register
def _close_host() -> None:
    if _host is not None:
        _host.close()


@dataclass(frozen=True)
class Job:
    """What every task of one Spark job needs; built on the driver, shipped to the executors in the closure."""

    host: HostSettings
    op: str  # 'train' | 'score'
    config: str
    env: str
    run_id: str
    #: The prepared lake as a path the executors can read (a local folder, or the lake's mount).
    prepared_dir: str
    #: Where this task's outputs go (the run folder, or the predictions folder); a path the executors can write.
    publish_dir: str
    #: The parts of the host's output folder that are published (e.g. the artifact packs: the per-bucket journals
    #: and manifests stay local, the driver writes the run's own).
    publish_from: tuple[str, ...] = (".",)
    models_dir: str | None = None
    future_path: str | None = None


def run_group(job: Job, key: tuple[Any, ...], group: pd.DataFrame) -> pd.DataFrame:
    """One hash bucket of the prepared lake (hundreds of partitions): the engine host trains or scores it into a
    task-local folder, the outputs are published, and one row per partition comes back."""
    bucket = int(key[0])
    expected = set(group["name"])
    out_dir = tempfile.mkdtemp(prefix=f"mm-{job.op}-{bucket:03d}-")
    try:
        payload: dict[str, Any] = {
            "op": job.op,
            "config": job.config,
            "env": job.env,
            "runId": job.run_id,
            "preparedDir": job.prepared_dir,
            "buckets": [bucket],
            "outDir": out_dir,
            "workers": job.host.workers,
        }
        if job.op == "score":
            payload["modelsDir"] = job.models_dir
            if job.future_path:
                payload["futurePath"] = job.future_path
        rows = host_for(job.host).request(payload)
        for part in job.publish_from:
            publish(os.path.join(out_dir, part), os.path.join(job.publish_dir, part))
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    names = [str(r.get("name")) for r in rows]
    missing = expected.difference(names)
    if missing:
        # Never a silent gap: the task fails and Spark retries it; the driver would refuse an incomplete run anyway.
        raise EngineHostError(
            f"engine host answered {len(rows)} row(s) for bucket {bucket}, "
            f"but {len(missing)} of its partitions are missing (first: {sorted(missing)[0]})"
        )
    return pd.DataFrame(
        {
            "name": names,
            "status": [str(r.get("status")) for r in rows],
            "record": [json.dumps(r, ensure_ascii=False) for r in rows],
        }
    )


def publish(out_dir: str, publish_dir: str) -> None:
    """Copies what the host wrote into the shared destination: files first under a temporary name, then renamed,
    so a reader never sees half a file; a retried task overwrites its own files with equal content."""
    if not os.path.isdir(out_dir):
        return
    for root, _dirs, files in os.walk(out_dir):
        relative = os.path.relpath(root, out_dir)
        target_dir = os.path.normpath(os.path.join(publish_dir, relative))
        os.makedirs(target_dir, exist_ok=True)
        for name in files:
            target = os.path.join(target_dir, name)
            temporary = os.path.join(target_dir, f".{name}.{os.getpid()}.tmp")
            shutil.copyfile(os.path.join(root, name), temporary)
            os.replace(temporary, target)
