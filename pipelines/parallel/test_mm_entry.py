"""Calls the entry script the way the Azure ML parallel job does: init() once per process, then run(mini_batch)
with a list of file paths. Driven by test/pipelines/parallel-entry.test.ts, which prepares a real lake, trains it
in process for the expected rows, and passes MM_TEST_PREPARED / MM_TEST_CONFIG / MM_TEST_EXPECTED / MM_TEST_OUT."""

import glob
import importlib
import json
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import mm_entry  # noqa: E402

ENV = {k: os.environ.get(k) for k in ("MM_TEST_PREPARED", "MM_TEST_CONFIG", "MM_TEST_EXPECTED", "MM_TEST_OUT")}


def comparable(row):
    return {k: row.get(k) for k in ("name", "status", "chosen", "metrics", "observations")}


@unittest.skipUnless(all(ENV.values()), "run by test/pipelines/parallel-entry.test.ts, which prepares the lake")
class EntryScriptTest(unittest.TestCase):
    def setUp(self):
        importlib.reload(mm_entry)
        os.environ.pop("MM_ENGINE_HOST", None)
        self.prepared = ENV["MM_TEST_PREPARED"]
        self.out = os.path.join(ENV["MM_TEST_OUT"], self.id().split(".")[-1])
        with open(ENV["MM_TEST_EXPECTED"]) as f:
            self.expected = {p["name"]: p for p in json.load(f)["partitions"]}
        sys.argv = ["driver", "--config", ENV["MM_TEST_CONFIG"], "--env", "local", "--run_id", "r1",
                    "--prepared", self.prepared, "--out", self.out, "--workers", "1",
                    "--error_threshold", "5", "--logging_level", "INFO"]  # the job's own arguments pass through

    def tearDown(self):
        mm_entry.shutdown()

    def bucket_files(self):
        return sorted(glob.glob(os.path.join(self.prepared, "bucket=*", "*.parquet")))

    def test_given_bucket_files_when_run_then_one_row_per_partition_as_the_in_process_run(self):
        mm_entry.init()
        rows = []
        for path in self.bucket_files():
            result = mm_entry.run([path])
            self.assertGreaterEqual(len(result), 1)
            rows.extend(json.loads(r) for r in result)
        self.assertEqual(sorted(r["name"] for r in rows), sorted(self.expected))
        for row in rows:
            self.assertEqual(comparable(row), comparable(self.expected[row["name"]]))
            if row["status"] == "ok":
                # "packs/<id>.jsonl#<offset>+<length>": the model sits in a pack file of the run folder.
                self.assertTrue(os.path.exists(os.path.join(self.out, row["artifact"].split("#")[0])))

    def test_given_a_mini_batch_then_the_engine_works_on_local_disk_and_the_output_gets_whole_files_once(self):
        mm_entry.init()
        asked = []
        ask = mm_entry._ask
        mm_entry._ask = lambda request: asked.append(request["outDir"]) or ask(request)
        try:
            rows = [json.loads(r) for r in mm_entry.run([self.bucket_files()[0]])]
        finally:
            mm_entry._ask = ask
        # The engine's folder was never the output mount, and it is gone once the files are published.
        self.assertFalse(os.path.abspath(asked[0]).startswith(os.path.abspath(self.out)))
        self.assertFalse(os.path.exists(asked[0]))
        for row in rows:
            if row.get("status") == "ok":
                self.assertTrue(os.path.exists(os.path.join(self.out, row["artifact"].split("#")[0])))

    def test_given_a_bucket_this_scoring_run_already_published_then_the_engine_finds_its_predictions_file(self):
        # A resubmitted score pipeline: the earlier job published predictions for bucket 0. A stand-in engine says
        # whether the file was in its working folder (the real one then answers from it without scoring).
        sys.argv[1:1] = ["--op", "score"]
        published = os.path.join(self.out, "run_id=r1", "predictions.buckets-000.parquet")
        os.makedirs(os.path.dirname(published), exist_ok=True)
        with open(published, "wb") as f:
            f.write(b"PAR1 earlier job")
        before = os.stat(published).st_mtime_ns
        probe = ("const fs = require('fs'), path = require('path');"
                 "process.stdin.once('data', (d) => { const r = JSON.parse(d);"
                 "const f = path.join(r.outDir, 'run_id=' + r.runId, 'predictions.buckets-000.parquet');"
                 "console.log(JSON.stringify({ id: r.id, ok: true, rows: [{ name: 'seeded', found: fs.existsSync(f) }] })); });")
        os.environ["MM_ENGINE_HOST"] = json.dumps(["node", "-e", probe])
        try:
            mm_entry.init()
            bucket0 = [p for p in self.bucket_files() if "bucket=000" in p]
            rows = [json.loads(r) for r in mm_entry.run(bucket0)]
        finally:
            os.environ.pop("MM_ENGINE_HOST")
        self.assertEqual(rows, [{"name": "seeded", "found": True}])
        # Unchanged by the engine, so not published again.
        self.assertEqual(os.stat(published).st_mtime_ns, before)

    def test_given_other_files_in_the_folder_when_run_then_each_counts_as_handled(self):
        mm_entry.init()
        result = mm_entry.run([os.path.join(self.prepared, "meta.json"), os.path.join(self.prepared, "catalog.parquet")])
        self.assertEqual([json.loads(r) for r in result], [{"ignored": "meta.json"}, {"ignored": "catalog.parquet"}])

    def test_given_the_engine_was_killed_when_the_next_mini_batch_runs_then_a_new_engine_answers(self):
        mm_entry.init()
        first = mm_entry._host
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        result = mm_entry.run([self.bucket_files()[0]])
        self.assertIsNot(mm_entry._host, first)
        self.assertTrue(all("name" in json.loads(r) for r in result))

    def test_given_the_engine_dies_mid_batch_then_run_raises_and_the_next_batch_restarts_it(self):
        # An engine that reads the request and dies before answering, like a process killed mid-batch.
        os.environ["MM_ENGINE_HOST"] = json.dumps(["node", "-e", "process.stdin.once('data', () => process.exit(3))"])
        mm_entry.init()
        with self.assertRaisesRegex(RuntimeError, r"exited \(code 3\)"):
            mm_entry.run([self.bucket_files()[0]])
        # The failed mini-batch left nothing in the output for its retry to trip over.
        self.assertEqual(glob.glob(os.path.join(self.out, "**", "*"), recursive=True), [])
        os.environ.pop("MM_ENGINE_HOST")
        result = mm_entry.run([self.bucket_files()[0]])
        self.assertTrue(all("name" in json.loads(r) for r in result))

    def test_given_a_request_the_engine_cannot_run_then_run_raises_its_error(self):
        sys.argv[sys.argv.index("--prepared") + 1] = os.path.join(self.out, "no-such-lake")
        mm_entry.init()
        with self.assertRaisesRegex(RuntimeError, r"buckets \[0\]"):
            mm_entry.run([os.path.join(self.prepared, "bucket=000", "part.parquet")])


if __name__ == "__main__":
    unittest.main()
