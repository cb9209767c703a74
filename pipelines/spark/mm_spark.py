"""The many-models Spark job: train or score every partition of the prepared lake on a Spark cluster.

    spark-submit pipelines/spark/mm_spark.py prepare --lake <lake> --app-root <repo> --config configs/demo.yaml
    spark-submit pipelines/spark/mm_spark.py train --lake <lake> --app-root <repo> --config configs/demo.yaml
    spark-submit pipelines/spark/mm_spark.py score --lake <lake> --app-root <repo> --config configs/demo.yaml

Spark reads the prepared catalog, groups the partitions by hash bucket (one group = one bucket file = hundreds of
partitions, never one per group) and hands each group to the TypeScript engine on the executor through a
long-lived `node` engine host per Python worker (mm_executor.py). Each group answers one row per partition. The
driver then finishes the stage with the same TypeScript code as `mm train` / `mm score`, so the run manifest,
artifacts and predictions are exactly where and what the one-machine path writes, and `mm evaluate-and-promote`,
`mm score` and `mm report` read them unchanged. The `prepare` stage writes the prepared lake with the rules of
`mm prepare` (mm_prepare.py). The lake must be a path the driver and executors share: a local
folder in local mode, the lake's mount on a cluster (docs/spark.md).

Exit code: the finishing `mm` command's (0 ok, the runFailed code when engine.maxFailedShare is passed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
#: How the submitter names the Synapse mount (src/compute/synapse-spark/compute.ts).
SYNAPSE_MOUNT_PLACEHOLDER = "/synfs/{jobId}/mm-lake"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mm_spark", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=["prepare", "train", "score"])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--lake", help="lake root as a path shared by driver and executors")
    where.add_argument("--mount", help="Synapse: the lake's abfss:// URL, mounted with mssparkutils on every node")
    parser.add_argument("--linked-service", help="Synapse: linked service of the mount (managed identity)")
    parser.add_argument("--lake-uri", help="the same lake as a URI Spark reads (default file://<lake>)")
    parser.add_argument("--lake-folder", default="",
                        help="the dataset's folder in the lake (datasets/<name>; src/lake/dataset-lake.ts)")
    parser.add_argument("--app-root", default=os.environ.get("MM_APP_ROOT", os.path.dirname(os.path.dirname(HERE))))
    parser.add_argument("--node", default=os.environ.get("MM_NODE", "node"), help="Node 24 binary on every machine")
    parser.add_argument("--host-script", default="src/compute/engine-host.ts")
    parser.add_argument("--config", default="configs/demo.yaml", help="dataset config, relative to the app root")
    parser.add_argument("--env", default="local", help="environment name (environments/<env>.yaml)")
    parser.add_argument("--run", help="run id (default: a new one, like mm's)")
    parser.add_argument("--future", help="planned covariates for the horizon (score), a path every machine reads")
    parser.add_argument("--models-dir", help="prod models to score with (default <lake>/registry/prod)")
    parser.add_argument("--no-register", action="store_true", help="train: do not register in the dev registry")
    parser.add_argument("--buckets", type=int, help="prepare: hash buckets (default: the count mm prepare picks)")
    parser.add_argument("--shards", type=int, help="prepare: raw shards (default: the cluster's parallelism)")
    parser.add_argument("--master", help="Spark master for local runs, e.g. local[2] (a cluster sets its own)")
    return parser.parse_args(argv)


def new_run_id() -> str:
    """The format of `newRunId` in src/engine/run.ts: UTC second, then 6 hex digits."""
    return f"{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"


def log(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, **fields}), file=sys.stderr, flush=True)


def spark_session(args: argparse.Namespace):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(f"many-models {args.stage} {args.run}")
    if args.master:
        builder = builder.master(args.master)
        # Local mode: the Python workers are this interpreter (the venv with pandas and pyarrow), not `python3`.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # One machine: bind to loopback instead of resolving the host name (a slow or wrong resolver stalls the
        # JVM's start), no web UI, and shuffles as wide as the machine rather than 200 empty tasks. A local job
        # is short and its JVM is the only executor: the quick JIT alone (C1) and the serial collector halve its
        # start-up on a busy 2-core machine (measured: 22-34 s -> 10-12 s to a ready session at load ~15).
        builder = (
            builder.config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 2))
        )
    # Arrow carries the groups to the Python workers; a group is one bucket's catalog rows, so batches stay small.
    builder = builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
    builder = builder.config("spark.python.worker.reuse", "true")
    # Preparation writes raw rows as shards: instants stay instants (UTC, microseconds), never the host's zone.
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    builder = builder.config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return builder.getOrCreate()


def synapse_mount(url: str, linked_service: str | None) -> str:
    """Mounts the lake for this job (documented Synapse way: mssparkutils.fs.mount, then getMountPath gives
    /synfs/<jobId>/<mount point>, the same path on the driver and every executor)."""
    from notebookutils import mssparkutils  # present on Synapse Spark pools only

    extra = {"linkedService": linked_service} if linked_service else {}
    mssparkutils.fs.mount(url, "/mm-lake", extra)
    return mssparkutils.fs.getMountPath("/mm-lake")


def run_stage(args: argparse.Namespace) -> int:
    from pyspark.sql.types import StringType, StructField, StructType

    started = time.monotonic()
    spark = spark_session(args)
    log("spark-session-ready", stage=args.stage, run=args.run, seconds=round(time.monotonic() - started, 1))
    lake = os.path.abspath(args.lake) if args.lake else synapse_mount(args.mount, args.linked_service)
    # Paths the submitter put in the lake are named relative to the mount, whose job id only the driver knows.
    for name in ("future", "models_dir"):
        value = getattr(args, name)
        if value and value.startswith(SYNAPSE_MOUNT_PLACEHOLDER):
            setattr(args, name, lake + value[len(SYNAPSE_MOUNT_PLACEHOLDER) :])
    lake_uri = (args.lake_uri or args.mount or f"file://{lake}").rstrip("/")
    if args.lake_folder:  # every path below, and the engine's MM_LAKE_ROOT, is this dataset's folder of the lake
        lake = os.path.join(lake, args.lake_folder)
        lake_uri = f"{lake_uri}/{args.lake_folder}"
    for module in ("mm_executor.py", "mm_prepare.py"):
        if os.path.exists(os.path.join(HERE, module)):  # Synapse ships them as pyFiles already
            spark.sparkContext.addPyFile(os.path.join(HERE, module))
    if args.stage == "prepare":
        import mm_prepare

        code = mm_prepare.run_prepare(spark, args, lake, lake_uri, log)
        log("spark-job-done", stage=args.stage, run=args.run, code=code, seconds=round(time.monotonic() - started, 1))
        return code
    prepared = os.path.join(lake, "prepared")
    if not os.path.exists(os.path.join(prepared, "catalog.parquet")):
        print(f"mm_spark: no prepared data: {prepared}/catalog.parquet not found; run 'mm prepare' first", file=sys.stderr)
        spark.stop()
        return 2

    import mm_executor

    host = mm_executor.HostSettings(node=args.node, app_root=args.app_root, script=args.host_script)
    if args.stage == "train":
        # Artifacts: packs/<random>.jsonl (one per engine batch), or models/<name>.json from older engines.
        publish_dir, publish_from = os.path.join(lake, "runs", args.run), ("packs", "models")
    else:
        publish_dir, publish_from = os.path.join(lake, "predictions"), (".",)
    job = mm_executor.Job(
        host=host,
        op=args.stage,
        config=args.config,
        env=args.env,
        run_id=args.run,
        prepared_dir=prepared,
        publish_dir=publish_dir,
        publish_from=publish_from,
        models_dir=os.path.abspath(args.models_dir or os.path.join(lake, "registry", "prod")),
        future_path=os.path.abspath(args.future) if args.future else None,
    )

    # With the schema given, Spark runs no job to read the Parquet footers first (prepare writes these two columns).
    catalog = spark.read.schema("bucket INT, name STRING").parquet(f"{lake_uri}/prepared/catalog.parquet")
    # The bucket count is in the lake's meta (written by prepare), so no Spark job is spent counting them.
    with open(os.path.join(prepared, "meta.json"), encoding="utf-8") as f:
        buckets = int(json.load(f)["buckets"])
    schema = StructType(
        [StructField("name", StringType()), StructField("status", StringType()), StructField("record", StringType())]
    )

    def per_bucket(key, group):
        return mm_executor.run_group(job, key, group)

    stage_started = time.monotonic()
    log("spark-stage-start", stage=args.stage, run=args.run, buckets=buckets)
    # One task per bucket group; Spark spreads them over the executors' cores and retries a failed one.
    rows = (
        catalog.repartition(max(1, buckets), "bucket")
        .groupBy("bucket")
        .applyInPandas(per_bucket, schema=schema)
        .collect()
    )
    spark.stop()
    records = [json.loads(r["record"]) for r in rows]
    log("spark-stage-done", stage=args.stage, run=args.run, rows=len(records), seconds=round(time.monotonic() - stage_started, 1))
    names = [r["name"] for r in records]
    if len(set(names)) != len(names):
        print(f"mm_spark: a partition came back twice in run {args.run}; refusing to write its manifest", file=sys.stderr)
        return 1
    log("spark-finish-start", stage=args.stage, run=args.run, seconds=round(time.monotonic() - started, 1))
    code = finish(args, lake, records)
    log("spark-job-done", stage=args.stage, run=args.run, code=code, seconds=round(time.monotonic() - started, 1))
    return code


def finish(args: argparse.Namespace, lake: str, records: list[dict]) -> int:
    """Hands the rows to the same TypeScript code `mm` runs, so the outputs equal the one-machine path's."""
    env = dict(os.environ, MM_LAKE_ROOT=lake)
    common = ["--config", args.config, "--env", args.env, "--run", args.run]
    if args.stage == "train":
        run_dir = os.path.join(lake, "runs", args.run)
        os.makedirs(run_dir, exist_ok=True)
        # The rows become the run's journal; `mm train --resume` then finds every partition done and writes the
        # manifest (with the partitions prepare rejected) and registers the models: the one-machine code path.
        journal = os.path.join(run_dir, "journal.jsonl")
        temporary = f"{journal}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, journal)
        command = ["src/cli/main.ts", "train", *common, "--resume"]
        if args.no_register:
            command.append("--no-register")
    else:
        # The rows only summarise the run; the predictions themselves are the per-bucket files the executors wrote.
        rows = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".jsonl", delete=False)
        with rows:
            for record in records:
                rows.write(json.dumps(record, ensure_ascii=False) + "\n")
        rows_file = rows.name
        command = ["src/compute/spark-finish.ts", "score", *common, "--rows", rows_file]
    node = args.node if os.sep not in args.node or os.path.isabs(args.node) else os.path.abspath(args.node)
    return subprocess.run([node, *command], cwd=os.path.abspath(args.app_root), env=env, check=False).returncode


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    args.run = args.run or new_run_id()
    return run_stage(args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
