"""Loads and validates job YAMLs with azure-ai-ml's own loader (what `az ml job create -f` runs first).
Prints one JSON line per file: {"file", "ok", "type", "steps", "errors"}.

A command job spec names no environment: submission sets the pinned version registered from compute.image (as
`az ml job create -f <file> --set environment=azureml:mm-runtime:<version>` does by hand), so it is loaded with
that override, exactly as it is submitted."""
import json
import logging
import sys
import warnings

logging.disable(logging.WARNING)
warnings.filterwarnings("ignore")
from azure.ai.ml import load_job  # noqa: E402

for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as spec:
            text = spec.read()
        top_level = [line for line in text.splitlines() if line and not line[0].isspace()]
        pinned_at_submit = "type: command" in top_level and not any(l.startswith("environment:") for l in top_level)
        overrides = [{"environment": "azureml:mm-runtime:1"}] if pinned_at_submit else []
        job = load_job(path, params_override=overrides)
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
