"""The Spark preparation: the prepared lake `mm prepare` writes, for datasets one DuckDB node cannot hold.

    spark-submit pipelines/spark/mm_spark.py prepare --lake <lake> --app-root <repo> --config configs/demo.yaml

Spark only moves rows; every rule stays in the TypeScript of `mm prepare` (src/data), run on the executors:
1. Spark reads the raw dataset (CSV as text, as `mm prepare` does) and writes it as shards, each holding whole
   partitions (hash of the partition columns).
2. One task per shard: `prepare()` of src/data prepares the shard into its own small lake (same checks, verdicts,
   gap filling, names and hash buckets), through `src/compute/spark-prepare-step.ts shard`.
3. The bucket count is the one `mm prepare` would choose for all prepared rows; if the first guess (from the raw
   row count) was wrong, step 2 runs again with the right one.
4. One task per group of buckets: the shards' files of each bucket are merged into one, sorted as mm prepare sorts.
5. The driver (`spark-prepare-step.ts finish`) judges the whole dataset as mm prepare does and swaps the prepared
   folder in at once: buckets, catalog, meta with the fingerprint, validation report. Exit code 2 on bad input.
The work folder `<lake>/spark-prepare/<run>/` is removed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

import pandas as pd

STEP = "src/compute/spark-prepare-step.ts"


@dataclass(frozen=True)
class Steps:
    """How a machine runs a Node step of the preparation (driver and executors alike)."""

    node: str
    app_root: str
    config: str
    env: str
    lake: str

    def run(self, step: str, *args: str, capture: bool = True) -> subprocess.CompletedProcess:
        node = self.node if os.sep not in self.node or os.path.isabs(self.node) else os.path.abspath(self.node)
        command = [node, STEP, step, *args, "--config", self.config, "--env", self.env]
        return subprocess.run(
            command,
            cwd=os.path.abspath(self.app_root),
            env=dict(os.environ, MM_LAKE_ROOT=self.lake),
            stdout=subprocess.PIPE if capture else None,
            text=True,
            check=False,
        )

    def value(self, step: str, *args: str) -> Any:
        done = self.run(step, *args)
        if done.returncode != 0:
            # The task fails and Spark retries it; the step's own message is in the executor's stderr log.
            raise RuntimeError(f"{STEP} {step} {' '.join(args)} exited with {done.returncode}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def _quoted(column: str) -> str:
    return "`" + column.replace("`", "``") + "`"


def prepare_shards(steps: Steps, work: str, key, group: pd.DataFrame, buckets: int) -> pd.DataFrame:
    """Executor: prepares each shard of the group into `<work>/shards/<shard>/`."""
    out = []
    for shard, file in zip(group["shard"], group["file"], strict=True):
        answer = steps.value(
            "shard", "--shard", file, "--out", os.path.join(work, "shards", f"{int(shard):05d}"), "--buckets", str(buckets)
        )
        out.append((int(shard), int(answer["preparedRows"])))
    return pd.DataFrame(out, columns=["shard", "prepared_rows"])


def merge_buckets(steps: Steps, work: str, key, group: pd.DataFrame) -> pd.DataFrame:
    """Executor: merges the shards' files of each bucket of the group into `<work>/merged/`."""
    only = ",".join(str(int(b)) for b in sorted(group["bucket"]))
    written = steps.value("merge", "--work", work, "--only", only)
    return pd.DataFrame({"bucket": [int(b) for b in written]}, dtype="int32")


def run_prepare(spark, args, lake: str, lake_uri: str, log) -> int:
    steps = Steps(node=args.node, app_root=args.app_root, config=args.config, env=args.env, lake=lake)
    source = steps.value("source")
    work = os.path.join(lake, "spark-prepare", args.run)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    try:
        return _prepare(spark, args, steps, source, work, lake_uri, log)
    finally:
        # Shards and merged buckets are scratch: the lake was swapped in (or not) by the finish step.
        shutil.rmtree(work, ignore_errors=True)


def _prepare(spark, args, steps: Steps, source: dict, work: str, lake_uri: str, log) -> int:
    from pyspark.sql import functions as F

    # The raw files as Spark reads them: CSV as text (header, RFC 4180 quotes, fields over several lines), the
    # way `mm prepare` reads it, so each rule sees the same values.
    if source["format"] == "csv":
        raw = spark.read.options(header=True, inferSchema=False, multiLine=True, escape='"').csv(source["path"])
    else:
        raw = spark.read.parquet(source["path"])
    shards = args.shards or max(1, spark.sparkContext.defaultParallelism)
    if all(c in raw.columns for c in source["partitionBy"]):
        raw = raw.repartition(shards, *[F.col(_quoted(c)) for c in source["partitionBy"]])
    else:
        # Without its key columns the dataset fails validation anyway: one shard, and mm prepare's own message
        # (which names the missing column and the file's columns) comes back from the shard step.
        raw = raw.repartition(1)
    raw_shards = os.path.join(work, "raw-shards")
    (
        raw.write.mode("overwrite")
        .parquet(f"{lake_uri}/spark-prepare/{args.run}/raw-shards")
    )
    files = sorted(os.path.join(raw_shards, f) for f in os.listdir(raw_shards) if f.endswith(".parquet"))
    rows = spark.read.parquet(f"{lake_uri}/spark-prepare/{args.run}/raw-shards").count()
    log("spark-prepare-sharded", run=args.run, rows=rows, shards=len(files))
    shard_table = spark.createDataFrame(list(enumerate(files)), "shard INT, file STRING")

    def prepare_all(buckets: int) -> None:
        def per_shard(key, group):
            return prepare_shards(steps, work, key, group, buckets)

        (
            shard_table.repartition(max(1, len(files)), "shard")
            .groupBy("shard")
            .applyInPandas(per_shard, schema="shard INT, prepared_rows LONG")
            .collect()
        )

    buckets = args.buckets or int(steps.value("buckets", "--rows", str(rows)))
    prepare_all(buckets)
    if not args.buckets:
        needed = int(steps.value("buckets", "--work", work))
        if needed != buckets:  # the prepared rows (gaps filled, partitions excluded) call for another count
            log("spark-prepare-rebucket", run=args.run, guessed=buckets, needed=needed)
            buckets = needed
            prepare_all(buckets)
    log("spark-prepare-shards-done", run=args.run, buckets=buckets)

    tasks = max(1, min(buckets, spark.sparkContext.defaultParallelism * 2))
    bucket_table = spark.createDataFrame([(b % tasks, b) for b in range(buckets)], "task INT, bucket INT")

    def per_task(key, group):
        return merge_buckets(steps, work, key, group)

    bucket_table.repartition(tasks, "task").groupBy("task").applyInPandas(per_task, schema="bucket INT").collect()
    spark.stop()
    return steps.run("finish", "--work", work, "--buckets", str(buckets), capture=False).returncode
