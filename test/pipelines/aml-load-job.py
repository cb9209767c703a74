"""Loads and validates job YAMLs with azure-ai-ml's own loader (what `az ml job create -f` runs first).
Prints one JSON line per file: {"file", "ok", "type", "steps", "errors"}.

A job YAML names no environment: submission sets the pinned version registered from compute.image on every step
(as `az ml job create -f <file> --set jobs.<step>.task.environment=azureml:mm-runtime:<version>` does by hand), so
each is loaded with that override, exactly as it is submitted. --as-is loads the files without it."""
import json
import logging
import sys
import warnings

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")
import yaml  # noqa: E402
from azure.ai.ml import load_job  # noqa: E402

PINNED = "azureml:mm-runtime:i0123456789ab"
as_is = "--as-is" in sys.argv
for path in [a for a in sys.argv[1:] if a != "--as-is"]:
    try:
        with open(path, encoding="utf-8") as spec:
            raw = yaml.safe_load(spec)
        override = {}
        for name, step in (raw.get("jobs") or {}).items():
            if step.get("type") == "parallel" and "environment" not in (step.get("task") or {}):
                override[f"jobs.{name}.task.environment"] = PINNED
            elif step.get("type") == "command" and "environment" not in step:
                override[f"jobs.{name}.environment"] = PINNED
        job = load_job(path, params_override=[] if as_is or not override else [override])
        result = job._validate()
        steps = {}
        for name, step in getattr(job, "jobs", {}).items():
            steps[name] = {"type": step.type}
            if step.type == "parallel":
                steps[name].update(mini_batch_size=step.mini_batch_size, instance_count=step.resources.instance_count,
                                   max_concurrency_per_instance=step.max_concurrency_per_instance,
                                   retry_settings=dict(step.retry_settings), error_threshold=step.error_threshold,
                                   mini_batch_error_threshold=step.mini_batch_error_threshold,
                                   append_row_to=step.task.append_row_to, entry_script=step.task.entry_script)
        print(json.dumps({"file": path, "ok": result.passed, "type": job.type, "steps": steps, "errors": result.error_messages}))
    except Exception as error:  # a schema error: the file is not a valid job
        print(json.dumps({"file": path, "ok": False, "errors": {"load": str(error)[:2000]}}))
